"""How the ``mockserver`` command starts: its imports and the app's build without the collector
(nothing to collect, ~8% of the start), collection on again for whatever runs after; and the
process's malloc kept from growing its heap for large bodies."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from mockserver.resources import default_scenario
from tests.served import environment_without_settings

# Runs the command line as the `mockserver` script does, and says at exit whether the collector
# is on and how many collections ran since the script called main().
COMMAND = """
import atexit, gc, json, sys
collections = []
gc.callbacks.append(lambda phase, info: collections.append(phase) if phase == "stop" else None)
sys.argv = ["mockserver", *sys.argv[1:]]
from mockserver.__main__ import main
before = len(collections)
atexit.register(lambda: print(json.dumps(
    {"enabled": gc.isenabled(), "collections": len(collections) - before}
)))
main()
"""


def test_the_command_imports_without_collections() -> None:
    """``--version`` exits once every module of the command line is imported: no collection
    ran for them (~120 passes over objects that all live on, before the change)."""
    result = subprocess.run(
        [sys.executable, "-c", COMMAND, "--version"],
        capture_output=True,
        text=True,
        env=environment_without_settings(),
        check=True,
    )
    assert "version" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1]) == {"enabled": False, "collections": 0}


def test_a_command_other_than_serve_runs_with_collections_on() -> None:
    result = subprocess.run(
        [sys.executable, "-c", COMMAND, "validate", str(default_scenario())],
        capture_output=True,
        text=True,
        env=environment_without_settings(),
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1])["enabled"] is True


@pytest.mark.parametrize("server", ["granian", "waitress"])
def test_serve_collects_once_its_app_is_built(server: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", COMMAND, "serve", "--port", "0", "--quiet", "--server", server],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**environment_without_settings(), "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        assert process.stderr.readline().startswith("mockserver: serving scenario 'default'")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert json.loads(process.stdout.read().splitlines()[-1])["enabled"] is True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


# Frees a block above the threshold (glibc then raises its threshold to that block's size), then
# says whether a 200 KB block still gets pages of its own (one more of mallinfo2's hblks) or
# the heap's.
MALLOC = """
import ctypes, sys
from mockserver.http.limits import bound_malloc

class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Mallinfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "bounded":
    bound_malloc()
libc.free(libc.malloc(4 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(200_000)
print(libc.mallinfo2().hblks - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_bound_malloc_keeps_large_blocks_out_of_the_heap() -> None:
    def own_pages(mode: str) -> int:
        result = subprocess.run(
            [sys.executable, "-c", MALLOC, mode], capture_output=True, text=True, check=True
        )
        return int(result.stdout)

    assert own_pages("bounded") == 1
    assert own_pages("unbounded") == 0  # glibc's own rule, which bound_malloc overrides
