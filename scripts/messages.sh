#!/usr/bin/env bash
# Refresh the Welsh catalogue from the marked strings, then compile it:
#   scripts/messages.sh          makemessages + compilemessages
#   scripts/messages.sh compile  compilemessages only
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
