#!/usr/bin/env bash
# Prints the PostgreSQL URL for the test suite, or nothing if none is reachable.
# DATABASE_URL wins when it names PostgreSQL; otherwise 127.0.0.1:5432 is tried (started
# first if a local cluster is installed but stopped and we are root).
set -uo pipefail
PY=${PY:-.venv/bin/python}
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  echo "$DATABASE_URL"
  exit 0
fi
url="postgres://postgres@127.0.0.1:5432/postgres"
reachable() {
  "$PY" - "$url" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
}
if ! reachable && [[ $(id -u) -eq 0 ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  done
  sleep 2
fi
if reachable; then
  echo "postgres://postgres@127.0.0.1:5432/samtal"
fi
