#!/usr/bin/env bash
# Install what the project needs and is missing: the virtualenv with the pinned Python
# packages, the front-end assets from the npm registry, and (with --system-test-deps)
# the Debian packages the tests use. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  # Install Debian packages that are missing; root on these machines, sudo elsewhere.
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# WeasyPrint needs Pango; npm brings the front-end assets.
apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
command -v npm >/dev/null 2>&1 || apt_install nodejs npm

if [ "${1:-}" = "--system-test-deps" ]; then
  # Real Chromium for the browser tests, pdftotext/pdftoppm to read PDFs back, gettext
  # for the test that the Welsh catalogue holds every marked string.
  apt_install chromium poppler-utils gettext
fi
if [ "${1:-}" = "--bench-deps" ]; then
  # The load generator, and pdfinfo for the letter benchmark.
  apt_install wrk poppler-utils
fi

if [ ! -x .venv/bin/python ]; then
  python="$(scripts/find-python.sh)"
  echo "Creating .venv with $python"
  "$python" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ] || [ constraints.txt -nt .venv/.installed ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'
  touch .venv/.installed
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p var
