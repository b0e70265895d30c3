#!/usr/bin/env bash
# The whole test command: linters, type checks, workflow lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check . && ruff format --check .
echo "== snakefmt"; snakefmt --check Snakefile workflow/rules
echo "== snakemake --lint"; snakemake --lint --configfile config/demo.yaml
echo "== mypy"; mypy
echo "== pytest"; pytest "$@"
