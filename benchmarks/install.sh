#!/usr/bin/env bash
# Fresh lean install (what `make demo` does): wall time of venv + `pip install -e .`, the venv's
# size, whether torch got in, and the demo's output. Needs the package registry.
#   benchmarks/install.sh [VENV_DIR]     (default /tmp/newsbot-leanvenv, removed first)
# Cold means pip's cache is off (--no-cache-dir): every wheel is downloaded, as on a new machine.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-/tmp/newsbot-leanvenv}"
PYTHON="${PYTHON:-python3}"
rm -rf "$VENV"
start=$(date +%s.%N)
"$PYTHON" -m venv "$VENV"
PIP_NO_CACHE_DIR="${PIP_NO_CACHE_DIR:-1}" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$VENV/bin/pip" install --quiet -e .
end=$(date +%s.%N)
install_s=$(printf "%.1f" "$(echo "$end - $start" | bc)")
size=$(du -sm "$VENV" | cut -f1)
if "$VENV/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)"; then
  torch="installed"
else
  torch="absent"
fi
demo_start=$(date +%s.%N)
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$VENV/bin/newsbot" summarize examples/sample_article.txt \
  > "$VENV/demo.out"
demo_s=$(printf "%.2f" "$(echo "$(date +%s.%N) - $demo_start" | bc)")
echo "| install (venv + pip install -e .) | ${install_s} s | target <= 45 s |"
echo "| venv size | ${size} MB | target <= 400 MB |"
echo "| torch | ${torch} | must be absent |"
echo "| first demo run | ${demo_s} s | |"
echo
cat "$VENV/demo.out"
