# The two commands of the README. Each sets up what it needs first (scripts/setup.sh).
SHELL := bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
CORES ?= 2

.PHONY: setup demo demo-day30 test
setup:
	@scripts/setup.sh

demo: setup
	phylohub replica generate --config config/demo.yaml
	phylohub replica serve --config config/demo.yaml -- \
	    snakemake --configfile config/demo.yaml --cores $(CORES)

# The demo ecosystem 30 days later (after `make demo`): evolve it, crawl it reusing the
# unchanged cards of results/demo, and compare (results/demo-day30/diff, timeseries).
demo-day30: setup
	phylohub replica evolve --from results/replica/demo --out results/replica/demo-day30 \
	    --days 30 --seed 1
	phylohub replica serve --config config/demo-day30.yaml -- \
	    snakemake --configfile config/demo.yaml config/demo-day30.yaml --cores $(CORES)

test: setup
	scripts/check.sh
