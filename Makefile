# The two set-up commands of the README: `make demo` and `make test`. Everything else helps them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test test-unit test-kafka conformance airmon-soak lint bench kafka-up kafka-down clean

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
	$(BIN)/python -m pytest -m "not kafka and not kafka3 and not hbase and not kudu" $(PYTEST_ARGS)

test-kafka: install
	$(BIN)/python -m pytest -m "kafka or kafka3" $(PYTEST_ARGS)

# The conformance suite against Kafka Streams' own TopologyTestDriver with many seeds (make test runs
# it with 3): make conformance SEEDS=200
SEEDS ?= 200
conformance: install
	CONFORMANCE_SEEDS=$(SEEDS) $(BIN)/python -m pytest tests/conformance $(PYTEST_ARGS)

# airmon check --watch over the CloudAir pipeline on Kafka must stay quiet (make test watches 60 s):
# make airmon-soak SOAK_SECONDS=600
SOAK_SECONDS ?= 600
airmon-soak: install
	AIRMON_SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python -m pytest tests/e2e/test_airmon_soak.py $(PYTEST_ARGS)

# ruff over the tree; mypy (strict) over the package. mypy cannot follow the package-dir mapping, so
# it reads a tree of links laid out as the import names say, and its messages are mapped back.
TYPECHECK := build/typecheck
lint: install
	$(BIN)/ruff check .
	@rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/airstream
	@for f in airstream/*; do ln -s "$(CURDIR)/$$f" $(TYPECHECK)/airstream/; done
	@for p in topology monitor connectors; do ln -s "$(CURDIR)/$$p" $(TYPECHECK)/airstream/$$p; done
	@cd $(TYPECHECK) && MYPYPATH=. "$(CURDIR)/$(BIN)/mypy" --config-file "$(CURDIR)/pyproject.toml" -p airstream \
		> mypy.out; status=$$?; sed -E 's#^airstream/(topology|monitor|connectors)/#\1/#' mypy.out; exit $$status

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

kafka-up: install
	$(BIN)/airstream kafka up

kafka-down: install
	$(BIN)/airstream kafka down

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
