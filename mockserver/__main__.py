"""The ``mockserver`` command and ``python -m mockserver``: the command line, started without
the collector."""

from __future__ import annotations

import gc


def main() -> None:
    """Run the command line (:func:`mockserver.cli.main`) with collections off while it
    imports; every command but ``serve`` turns them back on as it starts, ``serve`` once its
    app is built and frozen (:func:`mockserver.serving.serve_app`)."""
    # The imports and the app's build make ~80,000 objects that live as long as the process,
    # and ~3,000 of garbage: the collector's passes over them freed next to nothing and were
    # ~20 ms (8%) of `mockserver serve`'s start to its first answer.
    gc.disable()
    from mockserver.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
