# The two set-up commands of the README: `make serve` and `make test`. Each creates or refreshes
# the virtual environment in .venv and installs the project into it first: `make serve` what
# serving needs (the runtime dependencies), `make test` the test tools as well.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
# Empty: mockserver serve's own defaults (127.0.0.1:8000), or MOCKSERVER_HOST/MOCKSERVER_PORT.
PORT   ?=
HOST   ?=
# One stamp per install: the test install includes the runtime one and marks it done too, so
# switching between `make serve` and `make test` installs nothing again.
RUNTIME := $(VENV)/.installed-runtime
STAMP   := $(VENV)/.installed-test

.PHONY: serve test quick lint typecheck pytest drift bench bench-deps fuzz install clean bytecode

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's metadata changes; the install is editable, so code changes
# need nothing.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(RUNTIME) $(STAMP)

# The package's bytecode, as an installed wheel has it: pip writes none for an editable install,
# and where PYTHONDONTWRITEBYTECODE is set Python never writes it either, so every start would
# compile the mock's own modules again (~150 ms of `mockserver serve`'s start). compileall
# compiles only what changed since; a module edited later is compiled in memory, as before.
bytecode: $(RUNTIME)
	@$(BIN)/python -m compileall -q mockserver >/dev/null

install: $(STAMP) bytecode

serve: $(RUNTIME) bytecode
	$(BIN)/mockserver serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

# The mock's contract against the shipped snapshot of Sentry's published OpenAPI document: exit 1
# on a difference mockserver/openapi/drift/deliberate.yaml does not list.
drift: $(STAMP)
	$(BIN)/mockserver drift

test: lint typecheck pytest drift

# The suite without the tests marked slow (a few seconds each): for the edit-test loop only.
quick: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

# A longer Schemathesis campaign than the one in `make test`, with a random seed, printed before
# and after; `make fuzz SEED=<n>` replays one (EXAMPLES and SCENARIOS set its length).
fuzz: $(STAMP)
	@seed=$${SEED:-$$($(BIN)/python -c 'import secrets; print(secrets.randbelow(2**32))')}; \
	echo "fuzz: seed $$seed (replay with: make fuzz SEED=$$seed)"; \
	MOCKSERVER_FUZZ_SEED=$$seed MOCKSERVER_FUZZ_EXAMPLES=$${EXAMPLES:-200} \
	MOCKSERVER_FUZZ_SCENARIOS=$${SCENARIOS:-300} \
	$(BIN)/python -m pytest tests/openapi/test_fuzz.py -q -p no:logging; \
	status=$$?; echo "fuzz: seed $$seed"; exit $$status

# Benchmarks: never part of `make test`. wrk comes from Debian; the peers (Prism, WireMock) are
# installed by bench/run.py into ~/.cache/mockserver-bench, outside the checkout. bench/run.py
# runs bench/soak.py itself, then prints issue #17's targets; a quick run: BENCH_SECONDS=0.5
# BENCH_REPEATS=1 BENCH_ONLY='mockserver,cache off,Flask' SOAK_REQUESTS=20000 make bench.
bench-deps: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@command -v taskset >/dev/null 2>&1 || apt-get install -y -qq util-linux
	$(BIN)/python -m pip install --quiet -e '.[bench]'

bench: bench-deps bytecode
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
