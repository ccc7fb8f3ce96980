#!/bin/sh
# The image's entrypoint: on the decks volume's first start, copy the bundled decks into WORKSHOP_DECKS_DIR
# (`workshop seed-decks`: once, while it holds no deck; never over a facilitator's edits; safe when replicas
# start together), then run the command, by default `workshop serve`.
set -e
workshop seed-decks
exec "$@"
