#!/usr/bin/env bash
# Installs the pinned npm packages (package-lock.json): socket.io-client to vendor, axe-core for the browser
# tests, typescript for the JS type check (scripts/test runs `tsc --noEmit -p jsconfig.json`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lock-copy; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  cp package-lock.json node_modules/.lock-copy
fi
