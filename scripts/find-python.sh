#!/usr/bin/env bash
# Print the path of a Python 3.12+ interpreter, or fail saying what to install.
# `python3` may be older (3.11 here) and pyenv shims for other versions refuse to run,
# so each candidate is asked for its version before it is trusted.
set -u
candidates=()
for name in python3.14 python3.13 python3.12 python3; do
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]* /usr/local/bin /usr/bin; do
  for exe in "$dir"/bin/python3 "$dir"/python3.1[2-9]; do
    [ -x "$exe" ] && candidates+=("$exe")
  done
done
for exe in "${candidates[@]}"; do
  if "$exe" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    echo "$exe"
    exit 0
  fi
done
echo "No Python 3.12 or newer found. Install one (for example with pyenv: 'pyenv install 3.12') and run make again." >&2
exit 1
