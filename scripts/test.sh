#!/usr/bin/env bash
# Run the whole test suite. PostgreSQL too when TEST_DATABASE_URL is set.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
