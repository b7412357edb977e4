# django-bolt developer entry points. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
CACHE := $(HOME)/.cache/django-bolt
# Target dirs outside the checkout (rebuilds stay incremental across clean clones at one path),
# keyed by the checkout's path: cargo decides freshness by mtimes and hashes a workspace's
# crates by their path *inside* the workspace, so two checkouts sharing a target dir reuse each
# other's builds whenever one's files are older (measured: a wheel built from this checkout
# carried another checkout's runtime). One dir per tool too, so neither rebuilds pyo3 for the
# other.
CHECKOUT := $(shell printf '%s' "$(CURDIR)" | sha256sum | cut -c1-12)
TARGETS := $(CACHE)/targets/$(CHECKOUT)
MATURIN_TARGET := $(TARGETS)/maturin
CARGO_TEST_TARGET := $(TARGETS)/test
DEMO := examples/demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: redis browser venv develop test fuzz explore test-rust test-python lint demo demo-setup golden bench bench-http bench-slow bench-streams bench-build wheel develop-release clean

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

develop: venv
	VIRTUAL_ENV=$(VENV) CARGO_TARGET_DIR=$(MATURIN_TARGET) $(VENV)/bin/maturin develop --quiet

test-rust:
	CARGO_TARGET_DIR=$(CARGO_TEST_TARGET) cargo test --workspace

lint: venv
	CARGO_TARGET_DIR=$(CARGO_TEST_TARGET) cargo clippy --workspace --all-targets -- -D warnings
	cargo fmt --all --check
	$(VENV)/bin/ruff check python tests examples benches

# redis-server for the tests of the Redis rate-limit and revocation stores (the fixtures start
# and stop their own instance on 127.0.0.1): Debian's package, installed when missing.
redis:
	@command -v redis-server >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# A headless Chromium and its driver for the admin's browser test (Debian's packages).
browser:
	@{ command -v chromium >/dev/null && command -v chromedriver >/dev/null; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

test-python: develop redis browser
	$(PY) -m pytest -q

test: develop test-rust lint test-python

# Property tests with random seeds and FUZZ_SCALE times CI's examples (not part of `make test`,
# which is derandomized): run it to look for new failures. A failing example is printed with a
# reproduce blob; add it as an explicit example (a parametrized case) to the test it broke.
FUZZ_SCALE ?= 10
fuzz: develop
	BOLT_HYPOTHESIS_PROFILE=explore BOLT_FUZZ_SCALE=$(FUZZ_SCALE) $(PY) -m pytest -q -p no:cacheprovider \
		tests/test_encoding.py tests/test_decoding.py
explore: fuzz

demo-setup: develop
	cd $(DEMO) && $(PY) manage.py migrate --noinput && $(PY) manage.py seed_demo && $(PY) manage.py boltgen

demo: demo-setup
	@echo "django-bolt demo on http://$(HOST):$(PORT) -- try:"
	@sed -n 's/^#   /  /p' $(DEMO)/library/api.py | sed "s#http://127.0.0.1:8000#http://$(HOST):$(PORT)#"
	cd $(DEMO) && $(PY) manage.py runbolt --compiled --host $(HOST) --port $(PORT)

# Release build of the extension into the venv (benchmarks); `make develop` goes back to debug.
develop-release: venv
	VIRTUAL_ENV=$(VENV) CARGO_TARGET_DIR=$(TARGETS)/release $(VENV)/bin/maturin develop --release --quiet

# The package wheel as shipped (dist profile: release + fat LTO) into dist/.
wheel: venv
	CARGO_TARGET_DIR=$(TARGETS)/dist $(VENV)/bin/maturin build --profile dist --quiet --out dist

# Criterion micro-benchmarks (route lookup: compiled vs interpreted) and response encoding
# against msgspec, release builds.
bench: develop-release
	CARGO_TARGET_DIR=$(CARGO_TEST_TARGET) cargo bench -p bolt-benches --bench lookup -- --warm-up-time 1 --measurement-time 3
	$(PY) benches/encode_bench.py
	$(PY) benches/hot_path.py
	$(PY) benches/middleware.py
	$(PY) benches/django_view.py

# HTTP benchmark against django-bolt 0.13, FastAPI, Litestar and a bare actix-web (venvs on
# Python 3.12 under $(CACHE)/bench-http; table in benches/results/). BENCH_ARGS="--runs 1 ..."
bench-http:
	$(PYTHON) benches/http/run.py $(BENCH_ARGS)

# 200 slow-body + 200 slow keep-alive clients against one process while normal requests are
# timed (issue 10): p99 with/without, peak RSS, every slow connection closed by its timeout.
bench-slow: develop-release
	$(PY) benches/slow_clients.py $(BENCH_ARGS)

# 1000 concurrent SSE clients and 32 concurrent 1 MiB uploaders against one process.
bench-streams: develop-release
	$(PY) benches/streams.py $(BENCH_ARGS)

# Cold build and warm "change one route -> served" time of the demo's compiled table.
bench-build: develop
	$(PY) benches/build_time.py

# Refresh tests/golden/expected from tests/golden/manifest.json after an intended codegen change.
# The rewriting run fails with the diff (an update is never silent); the second run must pass.
golden:
	-BOLT_UPDATE_GOLDEN=1 CARGO_TARGET_DIR=$(CARGO_TEST_TARGET) cargo test -q -p bolt-codegen --test golden
	CARGO_TARGET_DIR=$(CARGO_TEST_TARGET) cargo test -q -p bolt-codegen --test golden

clean:
	rm -rf $(VENV) python/django_bolt/*.so
