#!/usr/bin/env bash
# Creates (or reuses) the venv of the Open Inference Protocol test server: ensure-venv.sh <venv-dir>
# Reinstalled when requirements.txt changes. Needs python3 with the venv module (Debian: python3-venv).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$1"
if [[ -x "$VENV/bin/python" ]] && cmp -s "$HERE/requirements.txt" "$VENV/.requirements.txt"; then
  exit 0
fi
python3 -m venv --clear "$VENV" || { echo "cannot create a venv: install python3-venv" >&2; exit 1; }
# --retries 0: an index the machine cannot reach is skipped at once instead of retried with back-off
"$VENV/bin/pip" install -q --retries 0 --timeout 10 -r "$HERE/requirements.txt"
cp "$HERE/requirements.txt" "$VENV/.requirements.txt"
