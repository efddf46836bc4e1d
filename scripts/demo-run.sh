#!/usr/bin/env bash
# Runs the demo: the web server, the task worker that sends emails (printed to this console),
# and the reminder job every five minutes, as cron would in production. Ctrl-C stops all three.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
export SAMTAL_BASE_URL=${SAMTAL_BASE_URL:-http://127.0.0.1:$PORT}

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$PY" manage.py db_worker --no-reload --interval 2 &
pids+=($!)
( while true; do "$PY" manage.py send_reminders; sleep 300; done ) &
pids+=($!)
"$PY" manage.py runserver "127.0.0.1:$PORT"
