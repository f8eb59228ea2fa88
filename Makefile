# Every target sets itself up: a fresh machine needs only python3 (>= 3.10) and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Exact versions for this interpreter: constraints-dev.txt needs Python 3.11 or newer
# (numpy, matplotlib...); constraints-py310.txt pins the same set for 3.10.
CONSTRAINTS := $(shell $(PYTHON) -c 'import sys; print("constraints-py310.txt" if sys.version_info < (3, 11) else "constraints-dev.txt")')
# The hand-written code (generated/ is checked by check-generated).
CODE   := runtime codegen tests benchmarks examples docs/_tools

.PHONY: docs docs-serve lint test-py310 test-newest-botocore setup demo test pytest fmt fmt-check typecheck generate check-generated update-botocore bench bench-data bench-typing chaos clean

# Python keeps each module it compiles (__pycache__), whatever the environment says:
# with PYTHONDONTWRITEBYTECODE set (as on the machines this project is built on), every
# Python process the tests start (CLI runs, workers, servers) compiled the runtime, the
# generated modules and moto from source again.
unexport PYTHONDONTWRITEBYTECODE

setup: $(STAMP)

# --no-compile: pip would compile all 11,000 modules it installs (27 of its 45 s on 2
# cores, every one of them before any test can start); Python compiles those a process
# imports, once, and keeps them (see PYTHONDONTWRITEBYTECODE above).
$(STAMP): pyproject.toml constraints-dev.txt constraints-py310.txt
	@test -n "$(CONSTRAINTS)" || { echo "setup: $(PYTHON) is not a working Python"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install -q --disable-pip-version-check --no-compile -c $(CONSTRAINTS) -e '.[dev,dask]'
	touch $(STAMP)

demo: setup
	$(PY) examples/demo.py

# The runtime, CLI and examples on Python 3.10 (the oldest supported), if this machine
# has it (pyenv here does): `make test-py310 PY310=/path/to/python3.10` otherwise.
PY310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python) $(shell command -v python3.10))
# `make test` adds it when PYTHON is not 3.10 itself.
TEST_PY310 := $(if $(filter constraints-dev.txt,$(CONSTRAINTS)),$(PY310))
# The documentation site needs Python 3.11+ (mkdocs-material): not built on 3.10.
DOCS := $(if $(filter constraints-dev.txt,$(CONSTRAINTS)),docs)

# Everything on this interpreter, and the runtime, CLI and example tests on Python 3.10
# too when this machine has one (and PYTHON is not 3.10 already). Two chains of steps
# side by side (-j2: CI has 2 cores), each step's output kept together (--output-sync):
# this Python's setup and then its pytest; the 3.10 venv and tests (it starts at once:
# its venv is its own), then this Python's single-process steps (by then setup is long
# done). Both pytest runs start within half a minute and share the machine for most of
# their time, and the two chains take about as much CPU (chain B ends ~40 s earlier;
# moving the docs tests there, or a third worker for this pytest, made make test
# slower in clean-clone runs: 6 min 01 s and 6 min 09 s, against 5 min 54 s). Without
# a 3.10 run, chain A does it all (two steps must never set .venv up at once). Chains,
# not a list of goals: make would start test-py310 last, whatever the order.
SINGLE_STEPS = typecheck check-generated lint fmt-check $(DOCS)
TEST_CHAIN_A = setup pytest $(if $(TEST_PY310),,$(SINGLE_STEPS))
TEST_CHAIN_B = $(if $(TEST_PY310),test-py310 $(SINGLE_STEPS))
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target test-chain-a test-chain-b

.PHONY: test-chain-a test-chain-b
# Each step says when it ended (seconds since the chain began): where the time goes.
test-chain-a test-chain-b:
	@set -e; began=$$(date +%s); for step in $(if $(filter %-a,$@),$(TEST_CHAIN_A),$(TEST_CHAIN_B)); do \
		$(MAKE) --no-print-directory $$step; \
		echo "$@: $$step done at $$(( $$(date +%s) - began )) s"; done

# pytest-xdist: a worker per CPU ("logical": "auto" counts physical cores, 1 on some
# 2-vCPU runners); each test file stays on one worker (loadfile), so a module's moto
# server, cluster or venv is set up once. --durations: the slowest tests in every log.
# (Two workers per CPU: make test took as long, with 7 % more CPU.)
XDIST := -n logical --dist loadfile --durations=25
pytest: setup
	$(PY) -m pytest -q $(XDIST)

# Folders, not files: whatever is added to them runs on 3.10 too.
RUNTIME_TESTS := tests/runtime tests/cli tests/examples
# What the 3.10 run installs besides the project (update-botocore re-resolves it too).
PY310_EXTRAS := moto[server] pytest pytest-xdist exceptiongroup pandas polars
STAMP310 := .venv310/.installed
test-py310: $(STAMP310)
	.venv310/bin/python -m pytest -q -p no:cacheprovider $(XDIST) $(RUNTIME_TESTS)

# --no-compile, as for setup (a fresh venv's install: 36.6 s of CPU -> 19.3 s).
$(STAMP310): pyproject.toml constraints-py310.txt
	@test -n "$(PY310)" || { echo "test-py310: no Python 3.10 found; pass PY310=..."; exit 1; }
	test -x .venv310/bin/python || $(PY310) -m venv .venv310
	.venv310/bin/python -m pip install -q --disable-pip-version-check --no-compile -c constraints-py310.txt \
		-e '.[dask,data]' $(foreach r,$(PY310_EXTRAS),'$(r)')
	touch $(STAMP310)

fmt: setup
	$(PY) -m ruff check --fix -q $(CODE)
	$(PY) -m black -q $(CODE)

lint: setup
	$(PY) -m ruff check -q $(CODE)

fmt-check: setup
	$(PY) -m black --check -q $(CODE)

typecheck: setup
	$(PY) -m mypy --strict --exclude '^tests/typing/(ok|bad)_' runtime/multiregion_runtime codegen tests benchmarks examples docs/_tools \
		generated/multiregion

generate: setup
	$(PY) -m codegen --out generated

# generated/ equals what codegen writes, and black leaves every file of it unchanged.
# codegen imitates black (codegen/pystyle.py) because running black over the 49 MB tree
# costs ~125 s of CPU, against ~16 s for generating it: beyond the 60 s generation
# budget on 2 cores. black checks each file whose bytes it has not passed before
# (generated/black-verified.txt, its verdicts by sha256: codegen/black_verified.py);
# commit that file with generated/.
check-generated: setup
	$(PY) -m codegen --check generated
	$(PY) -m codegen.black_verified generated

# Move to the newest botocore/boto3 with every pin the resolver says must move with
# them, test the new set in a fresh venv (moto), regenerate, and prepend the model
# changes to CHANGELOG.md. Nothing is written unless every step passes.
# REPORT=path also writes the report there (the weekly workflow's pull request body).
update-botocore: setup
	$(PY) -m codegen.update_botocore --constraints constraints-dev.txt --out generated \
		--py310-constraints constraints-py310.txt --py310-requirements '$(PY310_EXTRAS)' \
		$(if $(REPORT),--report-file '$(REPORT)')

# The generated classes against the newest botocore/boto3 on PyPI instead of the pinned
# ones: what users who upgrade botocore before our next release get. Not part of `make
# test`: its result changes whenever AWS publishes a release, not with our commits; the
# weekly update workflow runs it.
NEWEST_TESTS := tests/runtime
test-newest-botocore:
	test -x .venv-newest/bin/python || $(PYTHON) -m venv .venv-newest
	grep -v -i -E '^(boto3|botocore|s3transfer)==' constraints-dev.txt > .venv-newest/constraints.txt
	.venv-newest/bin/python -m pip install -q --disable-pip-version-check --upgrade \
		-c .venv-newest/constraints.txt -e '.[dask,data]' 'moto[server]' pytest boto3 botocore
	.venv-newest/bin/python -c 'import botocore, multiregion._version as v; \
		print("botocore", botocore.__version__, "/ generated from", v.BOTOCORE_VERSION)'
	.venv-newest/bin/python -m pytest -q -p no:cacheprovider $(NEWEST_TESTS)

# Every scenario but chaos and typing (`python -m benchmarks --list` names them all;
# `--scenario N|NAME` runs some).
bench: setup
	$(PY) -m benchmarks

# Only the results-as-data scenario (1 million items into Parquet and DuckDB).
bench-data: setup
	$(PY) -m benchmarks --scenario data

# A user's mypy --strict on an EC2 + SQS script, beside types-boto3 (benchmarks/
# scenarios/typing_cost.py; pip installs the pinned mypy and stubs into scratch venvs).
bench-typing: setup
	$(PY) -m benchmarks --scenario typing --scenario typing-stubs

# 1,020 targets against the fault-injection endpoint: hangs, throttling, resets,
# failures; nothing lost, bounded time, the pool idle again (benchmarks/scenarios/chaos.py).
chaos: setup
	$(PY) -m benchmarks --scenario chaos

# The documentation site (mkdocs.yml, docs/): `make docs` builds site/ with --strict (a
# broken link or reference fails it) and checks the built links and search index;
# `make docs-serve` previews it. mkdocs needs Python 3.11+: `make test` skips it on 3.10.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

docs-serve: setup
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve

clean:
	rm -rf $(VENV) .venv310 .venv-newest .mypy_cache .pytest_cache
