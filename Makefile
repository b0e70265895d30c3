# The two commands of the README. Each sets up what it needs first (scripts/setup.sh).
SHELL := bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
CORES ?= 2

.PHONY: setup setup-test demo test
setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

demo: setup
	phylohub replica generate --config config/demo.yaml
	phylohub replica serve --config config/demo.yaml -- \
	    snakemake --configfile config/demo.yaml --cores $(CORES)
	snakemake --configfile config/demo.yaml --report results/demo/report.html
	@echo "demo: findings in results/demo/findings.md, the report in results/demo/report.html"

test: setup-test
	scripts/check.sh
