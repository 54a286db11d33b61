#!/usr/bin/env bash
# Create the benchmark's own environment holding the peer redline engine (python-redlines 2.x,
# Docxodus engine). It is never installed into the project's environment.
set -euo pipefail
venv="${1:-.bench-venv}"
python -m venv "$venv"
"$venv/bin/pip" install -q "python-redlines>=2,<3" "python-redlines-docxodus>=2,<3"
echo "$venv/bin/python"
