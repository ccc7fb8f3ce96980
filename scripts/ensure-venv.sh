#!/usr/bin/env bash
# Creates .venv and installs the app into it (with the given extras), again only when pyproject.toml changes.
# Usage: scripts/ensure-venv.sh [EXTRAS]   e.g. scripts/ensure-venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    # Debian splits venv out of python3; install it and try again.
    rm -rf .venv
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv .venv
  fi
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  echo "installing workshop${extras:+[$extras]} into .venv ..." >&2
  log=".venv/pip-install.log"
  # Quiet on success; the whole pip log on failure.
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
         .venv/bin/python -m pip install --disable-pip-version-check -e ".${extras:+[$extras]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "installing the Python packages failed (log above, also in $log)" >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
