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
# two workers, as many as this machine's cores: the suite waits on git, pip, podman and
# servers more than it computes; act's runs stay on one worker (xdist_group "act")
pytest -n "${WHEELTRAIN_TEST_WORKERS:-2}" --dist loadgroup --cov --cov-report=term "$@"
echo "== reliability (this run's figures; scripts/reliability.py --write puts them in the docs)"
python scripts/reliability.py
