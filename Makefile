# The two commands of the README. Each sets up what it needs first (scripts/setup.sh).
SHELL := bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
CORES ?= 2

.PHONY: setup setup-test demo demo-day30 explore test
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

# The demo ecosystem 30 days later (after `make demo`): evolve it, crawl it reusing the
# unchanged cards of results/demo, and compare (results/demo-day30/diff, timeseries).
demo-day30: setup
	phylohub replica evolve --from results/replica/demo --out results/replica/demo-day30 \
	    --days 30 --seed 1
	phylohub replica serve --config config/demo-day30.yaml -- \
	    snakemake --configfile config/demo.yaml config/demo-day30.yaml --cores $(CORES)
	snakemake --configfile config/demo.yaml config/demo-day30.yaml \
	    --report results/demo-day30/report.html

# Browse the demo's snapshot (after `make demo`) in a local web app; no Snakemake needed.
explore: setup
	phylohub explore --snapshot results/demo

test: setup-test
	scripts/check.sh
