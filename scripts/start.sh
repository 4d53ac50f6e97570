#!/usr/bin/env bash
# Start the whole product on SQLite with demo data: migrate, seed when empty,
# create an admin with a one-time password, then run the job runner (which
# builds and serves the public site) beside the back office.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}
PORT=${2:-5000}
SITE_PORT=${3:-8001}
mkdir -p instance
if [ -z "${HOUSING_SECRET_KEY:-}" ]; then
  [ -s instance/secret_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key)
  export HOUSING_SECRET_KEY=$(cat instance/secret_key)
fi
# Plain HTTP on this machine only: the session cookie cannot be HTTPS-only here.
export HOUSING_SESSION_COOKIE_SECURE=${HOUSING_SESSION_COOKIE_SECURE:-false}
export HOUSING_SITE_URL=${HOUSING_SITE_URL:-http://$HOST:$SITE_PORT/}
.venv/bin/flask --app admin demo-setup --url "http://$HOST:$PORT/"

.venv/bin/python jobs.py --serve-site "$HOST:$SITE_PORT" &
RUNNER=$!
trap 'kill $RUNNER 2>/dev/null; wait $RUNNER 2>/dev/null' EXIT INT TERM
echo "Public site:  $HOUSING_SITE_URL (built by the job runner, republished when the data change)"
echo "Back office:  http://$HOST:$PORT/ (Ctrl-C stops everything)"
.venv/bin/gunicorn --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - "admin:create_app()"
