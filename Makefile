# The two commands of the README. Each sets up what it needs first (scripts/setup.sh).
SHELL := bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
CORES ?= 2

.PHONY: setup demo test
setup:
	@scripts/setup.sh

demo: setup
	phylohub replica generate --config config/demo.yaml
	phylohub replica serve --config config/demo.yaml -- \
	    snakemake --configfile config/demo.yaml --cores $(CORES)

test: setup
	scripts/check.sh
