#!/usr/bin/env bash
# Build the one-folder desktop app with PyInstaller and run its self-test.
#
#   packaging/build.sh [PYTHON]     (default: .venv/bin/python, which must have Modelyard installed)
#
# Result: dist/modelyard/modelyard (double-click it, or link packaging/modelyard.desktop to it).
# The self-test opens the frozen app on a fresh embedded demo registry under Xvfb, selects a
# version, saves dist/selftest.png and exits 0; any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
"$PYTHON" -m pip install -q "pyinstaller>=6.10,<7"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r app/modelyard "$STAGE/modelyard"
cp -r resources "$STAGE/modelyard/resources"
find "$STAGE" -name __pycache__ -prune -exec rm -rf {} +
MODELYARD_STAGE="$STAGE" "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/modelyard.spec
echo "built: dist/modelyard ($(du -sh dist/modelyard | cut -f1))"

HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$STAGE" "$HOME_DIR"' EXIT
rm -f dist/selftest.png
HOME="$HOME_DIR" XDG_CONFIG_HOME="$HOME_DIR/config" XDG_DATA_HOME="$HOME_DIR/data" \
  XDG_CACHE_HOME="$HOME_DIR/cache" MODELYARD_SELFTEST_SCREENSHOT="$PWD/dist/selftest.png" \
  timeout 600 xvfb-run -a -s "-screen 0 1400x900x24" dist/modelyard/modelyard --demo
test -s dist/selftest.png
echo "self-test passed: dist/selftest.png"
