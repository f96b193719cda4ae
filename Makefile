# Entry points. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all demo test deps build lint fmt clippy unit bench help check-prow fuzz fuzz-smoke

help:
	@echo "make demo   - set up and run the demo release of an example repository"
	@echo "make test   - set up and run every test (what .ci/run runs)"
	@echo "make bench  - benchmarks (not part of make test)"
	@echo "make lint   - cargo fmt --check and clippy -D warnings"
	@echo "make fuzz   - every fuzz target for FUZZ_TIME seconds each (default 60)"
	@echo "make stress - concurrent release runs with faults, invariants checked (STRESS_ARGS)"

# System packages the project needs; installed when missing (as root), else named.
deps:
	@./.ci/deps.sh

build: deps
	$(CARGO) build --workspace --bins

demo: build
	@./examples/demo.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The pj-local tests run the tool binaries from the target dir: build them first.
unit:
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

# The Prow job configs, strictly (unknown keys, Prow's load-time rules, ours).
check-prow:
	$(CARGO) run -q -p check-prow -- --config prow/jobs --containers containers

test: deps lint check-prow unit

bench: deps
	$(CARGO) build --release --workspace --bins
	$(CARGO) run --release -p bench --bin release-bench

# Fuzzing (cargo-fuzz, libFuzzer) on stable Rust; see docs/reliability.md.
fuzz:
	./fuzz/run.sh

# The short run CI does: a few seconds per target.
fuzz-smoke:
	FUZZ_TIME=$${FUZZ_TIME:-10} ./fuzz/run.sh

# The release transaction under concurrency and faults; see docs/reliability.md.
STRESS_ARGS ?= --rounds 20 --runs 8
stress: build
	$(CARGO) run -q -p stress --bin release-stress -- $(STRESS_ARGS)
