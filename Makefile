# The two commands of the README's quick start are `make run` and `make test`; each builds
# .venv from the pinned requirements first (again only when a requirements file changes).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test train bench loadtest wrk clean

run: $(VENV)/.runtime
	$(BIN)/python app.py

test: $(VENV)/.dev
	$(BIN)/python -m pytest

train: $(VENV)/.runtime
	$(BIN)/python -m training.train

bench: $(VENV)/.dev wrk
	$(BIN)/python -m bench.run

loadtest: $(VENV)/.dev wrk
	$(BIN)/python -m bench.load

# The load generator both use: Debian's package, installed when missing (as root, or sudo).
wrk:
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
