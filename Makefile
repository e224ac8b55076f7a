# The two set-up commands of the README: `make demo` and `make test`. Everything else helps them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test test-unit test-kafka bench kafka-up kafka-down clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	$(BIN)/python examples/cloudair/demo.py $(DEMO_ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m "not kafka and not kafka3" $(PYTEST_ARGS)

test-kafka: install
	$(BIN)/python -m pytest -m "kafka or kafka3" $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

kafka-up: install
	$(BIN)/airstream kafka up

kafka-down: install
	$(BIN)/airstream kafka down

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
