# Liveblog developer tasks. `make dev` runs the whole system locally; `make test` is what CI runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ROLE ?= editor
EVERY ?= 5
FUNCTION_MODULES := $(wildcard functions/*/app.py)

.DEFAULT_GOAL := help
.PHONY: help venv dev token demo-live lint format requirements schemas bench test

help:
	@echo "make venv                 create .venv and install the project with its dev tools"
	@echo "make dev                  run the local stack (API :3000, CDN :3001, moto :5000) until Ctrl-C"
	@echo "make token ROLE=editor    print a JWT for the local API (ROLE=editor|contributor)"
	@echo "make demo-live EVERY=5    post an invented update to the demo story every EVERY s (needs make dev)"
	@echo "make lint                 ruff, mypy, cfn-lint and the layer requirements check"
	@echo "make format               apply ruff's fixes and formatting"
	@echo "make requirements         regenerate layers/liveblog/requirements.txt from pyproject.toml"
	@echo "make schemas              regenerate schemas/ (snapshot JSON Schemas) from the models"
	@echo "make bench                render cost at 10 and 10,000 entries; photo processing time and memory"
	@echo "make test                 lint, then the whole test suite"

venv: $(STAMP)

# Reinstall only when pyproject.toml changed since the last install. pip's output goes to
# stderr so that `TOKEN=$$(make token)` captures nothing but the token.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) >&2
	@echo 'pip install -e ".[dev]"' >&2
	@$(BIN)/python -m pip install --quiet -e ".[dev]" >&2
	@touch $@

dev: venv
	$(BIN)/python -m liveblog_local dev

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

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

requirements: venv
	$(BIN)/python scripts/layer_requirements.py

schemas: venv
	$(BIN)/python scripts/snapshot_schemas.py

bench: venv
	$(BIN)/python bench/render_cost.py
	$(BIN)/python bench/photo_processing.py

test: venv lint
	$(BIN)/python -m pytest -n auto
