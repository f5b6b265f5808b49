#!/usr/bin/env bash
# Refresh the Welsh catalogue from the marked strings, then compile it, and write the
# English one from it (scripts/english_catalogue.py: every string as itself, for speed):
#   scripts/messages.sh          makemessages + compilemessages + the English catalogue
#   scripts/messages.sh compile  compilemessages + the English catalogue
# The catalogue is locale/cy/LC_MESSAGES/django.po; the compiled django.mo is committed
# too (tests/i18n/test_catalogue.py checks the two agree), so no machine needs gettext to
# serve Welsh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ "${1:-}" != "compile" ]; then
  $PY manage.py makemessages -l cy --no-obsolete --add-location=file \
    --ignore='.venv/*' --ignore='node_modules/*' --ignore='var/*' --ignore='tests/*' \
    --ignore='static/*' --ignore='scripts/*' 2>&1 | grep -v '^processing' || true
fi
$PY manage.py compilemessages -l cy --ignore='.venv/*' --ignore='node_modules/*' 2>&1 \
  | grep -v '^processing' || true
$PY scripts/english_catalogue.py
