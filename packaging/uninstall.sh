#!/usr/bin/env bash
# Remove what install.sh installed (the list it kept), and nothing else. Your profiles, the
# keyring's secrets and the demo registry stay; delete ~/.config/modelyard and
# ~/.local/share/modelyard yourself to remove them too.
set -euo pipefail
PREFIX="${PREFIX:-$HOME/.local}"
MANIFEST="$PREFIX/lib/modelyard.installed"
if [ ! -f "$MANIFEST" ]; then
  echo "uninstall.sh: Modelyard is not installed under $PREFIX" >&2
  exit 1
fi
while IFS= read -r path; do
  case "$path" in "$PREFIX"/*) rm -rf -- "$path" ;; esac  # never outside PREFIX
done < "$MANIFEST"
rm -f "$MANIFEST"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
[ "${1:-}" = "--quiet" ] || echo "Modelyard removed from $PREFIX"
