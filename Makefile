# The two set-up commands of the README: `make run` (the default patch) and `make test` (the suite).
# Each installs what it needs first (system packages and .venv; the tests' on top of the patch's): see
# scripts/bootstrap.sh.
PATCH ?= patches/exsampling.yaml
ARGS ?=

.PHONY: install install-test run test bench lint

install:
	bash scripts/bootstrap.sh run

install-test:
	bash scripts/bootstrap.sh test

run: install
	.venv/bin/exsampling -v run $(PATCH) $(ARGS)

test: install-test
	bash scripts/test.sh $(ARGS)

bench: install-test
	bash scripts/bench.sh $(ARGS)

lint: install-test
	.venv/bin/ruff check .
	.venv/bin/mypy exsampling_patch nodes models ableton_remote
