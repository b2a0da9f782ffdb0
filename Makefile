# make demo: set up and scan the bundled example.  make test: set up and run the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DLP_FINGERPRINT_KEY ?= dlp-demo-key-not-secret

.PHONY: install demo test lint rule-docs fuzz bench bench-memory bench-floor bench-leak bench-cluster eval serve-load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip uninstall --quiet --yes dlp 2>/dev/null || true  # the distribution was renamed maildlp
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "== dlp preflight examples/lease-contract (a contract mail carrying an account number, address and date of birth)"
	@$(BIN)/dlp preflight examples/lease-contract/campaign.yaml; echo "(exit code $$?: 0 send, 1 do not send, 2 bad input)"
	@echo
	@echo "== dlp preflight examples/survey-in-to (every customer in To instead of Bcc)"
	@$(BIN)/dlp preflight examples/survey-in-to/campaign.yaml --quiet; echo "(exit code $$?)"
	@echo "== dlp preflight examples/newsletter (clean)"
	@$(BIN)/dlp preflight examples/newsletter/campaign.yaml --quiet; echo "(exit code $$?)"

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist worksteal tests

# make fuzz: the property-based fuzz tests of every mail parser with many more cases than make test runs.
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	DLP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -n 2 tests/test_fuzz_parsers.py

# A bounded load run of `dlp serve` against a local sink: every clean message must arrive exactly once.
SERVE_LOAD_ARGS ?= --messages 500 --connections 10
serve-load: $(STAMP)
	$(BIN)/python tools/serve_load.py $(SERVE_LOAD_ARGS)

# make rule-docs: bring the generated parts of docs/rules/*.md (severity, parameter tables) up to date.
rule-docs: $(STAMP)
	$(BIN)/python -m dlp.ruleinfo

lint: $(STAMP)
	$(BIN)/ruff check dlp tests
	$(BIN)/lint-imports

# make bench: 20,000-recipient personalised newsletter; render-only vs naive Presidio vs dlp preflight (msg/s).
bench: $(STAMP)
	$(BIN)/python tools/bench.py --recipients $${BENCH_RECIPIENTS:-20000} --naive-sample $${BENCH_NAIVE:-100}

# make bench-memory: peak memory of dlp preflight on 1,000,000 recipients (long: minutes to hours).
bench-memory: $(STAMP)
	$(BIN)/python tools/bench.py --recipients 1000000 --naive-sample 0 --render-limit 20000 --memory-every 60

# The floor for exact analysis: only each message's new lines, alone, batched (bounds what make bench can reach).
bench-floor: $(STAMP)
	$(BIN)/python scripts/bench_floor.py 800

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The cross-recipient value index on 100,000 recipients: build time, memory, matching rate.
bench-leak: $(STAMP)
	$(BIN)/python scripts/bench_value_index.py 100000

# make eval: dlp vs stock Presidio on the external labelled set (dev and unseen parts, docs/eval.md), then on
# the team's own corpus. EVAL_ARGS="--sample 2" scores every 2nd sample; "--errors 40" lists dev errors.
eval: $(STAMP)
	$(BIN)/python tools/eval/external.py $(EVAL_ARGS)

# make bench-cluster: a 100,000-message audit and a 200,000-recipient preflight in one process, on one machine
# as shipped and on a local Dask cluster of 2 workers (msg/s), and the scheduler's cost per partition.
# Smaller: make bench-cluster CLUSTER_MESSAGES=5000 CLUSTER_RECIPIENTS=10000
CLUSTER_MESSAGES ?= 100000
CLUSTER_RECIPIENTS ?= 200000
CLUSTER_WORKERS ?= 2
bench-cluster: $(STAMP)
	$(BIN)/python -m dlp.cluster.bench --messages $(CLUSTER_MESSAGES) --recipients $(CLUSTER_RECIPIENTS) --workers $(CLUSTER_WORKERS) $(CLUSTER_BENCH_ARGS)
