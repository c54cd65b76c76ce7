# The two set-up commands of the README: `make run` (the default patch) and `make test` (the suite).
# Both install what they need first (system packages and .venv): see scripts/bootstrap.sh.
PATCH ?= patches/exsampling.yaml
ARGS ?=

.PHONY: install run test bench lint

install:
	bash scripts/bootstrap.sh

run: install
	.venv/bin/exsampling -v run $(PATCH) $(ARGS)

test: install
	bash scripts/test.sh $(ARGS)

bench: install
	bash scripts/bench.sh $(ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/mypy exsampling_patch nodes models
