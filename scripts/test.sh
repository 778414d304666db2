#!/usr/bin/env bash
# The whole test suite, with its quality gates: what CI runs (.ci/run) and what README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check src tests scripts bench
ruff format --check src tests scripts bench
echo "== mypy --strict (src and tests)"
mypy src tests
echo "== layer contract (import-linter)"
lint-imports
echo "== pytest (with branch coverage)"
# at least 10,000 generated command lines and pyproject files (tests/fuzz)
export WHEELTRAIN_FUZZ_EXAMPLES="${WHEELTRAIN_FUZZ_EXAMPLES:-10000}"
pytest --cov --cov-report=term "$@"
echo "== reliability (this run's figures; scripts/reliability.py --write puts them in the docs)"
python scripts/reliability.py
