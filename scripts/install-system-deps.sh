#!/usr/bin/env bash
# Installs the Debian packages the tests need, when missing and when we may (root + apt-get).
# Otherwise it says what is missing; the test run then fails under CI=true or skips locally.
set -euo pipefail

# Usage: install-system-deps.sh [runtime|test]   (test includes runtime)
mode=${1:-test}
# command-or-file : debian package. Runtime: what WeasyPrint needs to write PDFs.
needs=(
  "/usr/share/doc/libpango-1.0-0:libpango-1.0-0"
  "/usr/share/doc/libpangoft2-1.0-0:libpangoft2-1.0-0"
  "/usr/share/doc/libharfbuzz-subset0:libharfbuzz-subset0"
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core"
)
if [[ $mode == test ]]; then
  needs+=(
    "/usr/bin/chromium:chromium"
    "msgfmt:gettext"
    "pdftoppm:poppler-utils"
    "pg_dump:postgresql-client"
  )
fi
missing=()
for item in "${needs[@]}"; do
  probe=${item%%:*}
  pkg=${item##*:}
  if [[ $probe == /* ]]; then [[ -e $probe ]] || missing+=("$pkg")
  else command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg"); fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages (install them as root): ${missing[*]}" >&2
  if [[ "${CI:-}" == "true" ]]; then exit 1; fi
fi
