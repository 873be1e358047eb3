#!/usr/bin/env bash
# The second peer: django-helpdesk (latest from PyPI) in its own virtualenv outside the repository,
# its own database loaded with as many tickets and follow-ups as the project's database has cases
# and events (bench/peers/helpdesk_load.py). The peer's code is installed, never committed.
#
#   bench/peers/helpdesk_setup.sh            # venv + database + load from lanben_bench
#   HELPDESK_VENV=… HELPDESK_DB=… PROJECT_DB=… PG=… bench/peers/helpdesk_setup.sh
#
# Afterwards bench/run.py --helpdesk-venv "$HELPDESK_VENV" measures it beside the project.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
HELPDESK_VENV="${HELPDESK_VENV:-$(cd "$HERE/../../.." && pwd)/bench-peers/helpdesk-venv}"
HELPDESK_DB="${HELPDESK_DB:-peer_helpdesk}"
PROJECT_DB="${PROJECT_DB:-lanben_bench}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$HELPDESK_VENV/bin/python" ]; then
    mkdir -p "$(dirname "$HELPDESK_VENV")"
    "$PYTHON" -m venv "$HELPDESK_VENV"
fi
# Latest django-helpdesk, a PostgreSQL driver and the same WSGI server as the product.
"$HELPDESK_VENV/bin/pip" install --quiet --upgrade django-helpdesk "psycopg[binary]" gunicorn
"$HELPDESK_VENV/bin/pip" show django-helpdesk | grep -E '^(Name|Version)'

psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$HELPDESK_DB'" | grep -q 1 \
    || psql "$PG/postgres" -qc "CREATE DATABASE $HELPDESK_DB"
export HELPDESK_DATABASE_URL="$PG/$HELPDESK_DB" PROJECT_DATABASE_URL="$PG/$PROJECT_DB"
export PYTHONPATH="$HERE" DJANGO_SETTINGS_MODULE=helpdesk_site.settings
"$HELPDESK_VENV/bin/django-admin" migrate -v0
"$HELPDESK_VENV/bin/python" "$HERE/helpdesk_load.py"
