#!/usr/bin/env bash
# Copies the pinned Socket.IO browser client into static/vendor (committed, so the app needs no internet).
# Run after changing its version in package.json; tests/test_vendor.py checks the copy matches the pin.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/npm-install.sh
mkdir -p static/vendor
cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io.min.js
