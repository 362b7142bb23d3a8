# Liveblog developer tasks. `make dev` runs the whole system locally; `make test` is what CI runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ROLE ?= editor
EVERY ?= 5
FUZZ_EXAMPLES ?= 500
MODEL_EXAMPLES ?= 100
MODEL_STEPS ?= 50
FUNCTION_MODULES := $(wildcard functions/*/app.py)
# The SAM CLI and checkov each get a virtualenv of their own (see scripts/*-requirements.txt):
# both pin boto3, pydantic and more to exact versions that clash with the project's and each other's.
TOOLS_VENV := .venv-tools
TOOLS_BIN := $(TOOLS_VENV)/bin
TOOLS_STAMP := $(TOOLS_VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_BIN := $(CHECKOV_VENV)/bin
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# SAM commands here never reach AWS: no telemetry, and no profile or region from the caller's shell.
SAM_OFFLINE := env -u AWS_PROFILE SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1
# `sam build` runs pip with the Python of the functions' runtime (Globals, e.g. python3.13), which must
# come first on PATH. A pyenv shim that does not resolve prints nothing, so the pyenv copy is next.
RUNTIME := $(shell sed -n 's/^ *Runtime: *\(python3\.[0-9]*\).*/\1/p' template.yaml | head -n 1)
BUILD_PYTHON ?= $(firstword $(shell $(RUNTIME) -c 'import sys; print(sys.executable)' 2>/dev/null) \
	$(wildcard $(HOME)/.pyenv/versions/$(RUNTIME:python%=%).*/bin/$(RUNTIME)))
BUILT_LAYER := .aws-sam/build/LiveblogLayer/python

.DEFAULT_GOAL := help
.PHONY: help venv tools dev token demo-live lint check-template format requirements schemas bench build check-build test fuzz

help:
	@echo "make venv                 create .venv and install the project with its dev tools"
	@echo "make tools                create .venv-tools (SAM CLI) and .venv-checkov (checkov)"
	@echo "make dev                  run the local stack (API :3000, CDN :3001, moto :5000) until Ctrl-C;"
	@echo "                          DEMO=0 skips the demo story, ARGS=\"--scheduler-seconds 1\" passes options;"
	@echo "                          ports from LIVEBLOG_API_PORT, LIVEBLOG_CDN_PORT, LIVEBLOG_AWS_PORT"
	@echo "make token ROLE=editor    print a JWT for the local API (ROLE=editor|contributor)"
	@echo "make demo-live EVERY=5    post an invented update to the demo story every EVERY s (needs make dev)"
	@echo "make lint                 ruff, mypy, cfn-lint and the layer requirements check"
	@echo "make check-template       sam validate --lint and checkov on template.yaml"
	@echo "make format               apply ruff's fixes and formatting"
	@echo "make requirements         regenerate layers/liveblog/requirements.txt from pyproject.toml"
	@echo "make schemas              regenerate schemas/ (snapshot JSON Schemas) from the models"
	@echo "make bench                render cost at 10 and 10,000 entries; photo processing time and memory"
	@echo "make build                sam build (arm64 wheels for the layer), then make check-build"
	@echo "make check-build          check .aws-sam/build: layer contents, aarch64 binaries, each handler imports"
	@echo "make test                 lint, check-template, then the whole test suite"
	@echo "make fuzz                 schemathesis on every admin API operation at random, FUZZ_EXAMPLES=500 each;"
	@echo "                          then the write-path model at random, MODEL_EXAMPLES=100 runs of MODEL_STEPS=50"

venv: $(STAMP)

# Reinstall only when pyproject.toml changed since the last install. pip's output goes to
# stderr so that `TOKEN=$$(make token)` captures nothing but the token.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) >&2
	@echo 'pip install -e ".[dev]"' >&2
	@$(BIN)/python -m pip install --quiet -e ".[dev]" >&2
	@touch $@

tools: $(TOOLS_STAMP) $(CHECKOV_STAMP)

# Like $(STAMP): .venv-NAME is reinstalled only when scripts/NAME-requirements.txt changes. A
# current pip installs the SAM CLI in 50 s where the one venv bundles takes 85 s.
.venv-%/.installed: scripts/%-requirements.txt
	@test -x .venv-$*/bin/python || { $(PYTHON) -m venv .venv-$* && \
		.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip; } >&2
	@echo "pip install -r $< (into .venv-$*)" >&2
	@.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check -r $< >&2
	@touch $@

# DEMO=0 rather than --no-demo: make reads every --option as its own. Unset, LIVEBLOG_DEMO from the
# shell still applies.
dev: venv
	$(if $(DEMO),LIVEBLOG_DEMO=$(DEMO) )$(BIN)/python -m liveblog_local dev $(ARGS)

token: venv
	@$(BIN)/python -m liveblog_local token --role $(ROLE)

demo-live: venv
	@$(BIN)/python -m liveblog_local demo-live --every $(EVERY)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/liveblog/liveblog local
	@# Every function directory holds an app.py, so mypy must see them one at a time.
	@for module in $(FUNCTION_MODULES); do echo "$(BIN)/mypy $$module"; $(BIN)/mypy $$module || exit 1; done
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python scripts/layer_requirements.py --check

# The transform test (tests/deploy) runs the SAM translator from $(TOOLS_VENV) as well.
check-template: $(TOOLS_STAMP) $(CHECKOV_STAMP)
	$(SAM_OFFLINE) $(TOOLS_BIN)/sam validate --lint --template-file template.yaml
	@# --skip-download: checkov otherwise asks Prisma Cloud for guideline links on every run.
	$(CHECKOV_BIN)/checkov --file template.yaml --framework cloudformation --quiet --compact --skip-download

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

requirements: venv
	$(BIN)/python scripts/layer_requirements.py

schemas: venv
	$(BIN)/python scripts/snapshot_schemas.py

bench: venv
	$(BIN)/python bench/run.py
	$(BIN)/python bench/photo_processing.py

# Downloads manylinux aarch64 wheels for the layer, so it is not part of `make test`. The prune
# leaves out what the Lambda runtime provides (pyproject's [tool.liveblog.layer] exclude), which
# pip cannot: a bare `sam build` ships botocore and its kin in the layer again (87 MB against 56).
build: venv $(TOOLS_STAMP)
	@test -x "$(BUILD_PYTHON)" || { echo "make build needs $(RUNTIME): BUILD_PYTHON=/path/to/$(RUNTIME) make build" >&2; exit 1; }
	PATH="$(dir $(BUILD_PYTHON)):$$PATH" SAM_CLI_TELEMETRY=0 $(TOOLS_BIN)/sam build --template-file template.yaml
	$(BIN)/python scripts/layer_requirements.py --prune $(BUILT_LAYER)
	@$(MAKE) --no-print-directory check-build

check-build: venv
	@test -x "$(BUILD_PYTHON)" || { echo "make check-build needs $(RUNTIME): BUILD_PYTHON=/path/to/$(RUNTIME) make check-build" >&2; exit 1; }
	$(BIN)/python scripts/check_build.py --python $(BUILD_PYTHON)

test: venv lint check-template
	$(BIN)/python -m pytest -n auto

# The same test `make test` runs bounded and derandomised (tests/e2e/test_fuzz_api.py), here with every
# phase and many more examples per operation, at random: each run explores new inputs.
fuzz: venv
	LIVEBLOG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:xdist -rA tests/e2e/test_fuzz_api.py
	LIVEBLOG_MODEL_RANDOM=1 LIVEBLOG_MODEL_EXAMPLES=$(MODEL_EXAMPLES) LIVEBLOG_MODEL_STEPS=$(MODEL_STEPS) \
		$(BIN)/python -m pytest -p no:xdist -rA --hypothesis-show-statistics tests/integration/test_write_paths_model.py
