#!/usr/bin/env bash
# Start the whole product on SQLite with demo data: migrate, seed when empty,
# create an admin with a one-time password, then serve the back office.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}
PORT=${2:-5000}
mkdir -p instance
if [ -z "${HOUSING_SECRET_KEY:-}" ]; then
  [ -s instance/secret_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key)
  export HOUSING_SECRET_KEY=$(cat instance/secret_key)
fi
# Plain HTTP on this machine only: the session cookie cannot be HTTPS-only here.
export HOUSING_SESSION_COOKIE_SECURE=${HOUSING_SESSION_COOKIE_SECURE:-false}
.venv/bin/flask --app admin demo-setup --url "http://$HOST:$PORT/"
echo "Serving the back office on http://$HOST:$PORT/ (Ctrl-C to stop)"
exec .venv/bin/gunicorn --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - "admin:create_app()"
