#!/usr/bin/env bash
# Install Modelyard for the current user (no root): the app folder, a `modelyard` launcher on
# PATH, the desktop entry, the icons and the AppStream metadata, under PREFIX (~/.local).
# Running it again replaces an earlier install; ./uninstall.sh removes it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
ID="org.modelyard.Modelyard"
LIB="$PREFIX/lib/modelyard"
MANIFEST="$LIB.installed"
test -x "$HERE/app/modelyard" || { echo "install.sh: no app/ next to me" >&2; exit 1; }
if [ -f "$MANIFEST" ]; then PREFIX="$PREFIX" "$HERE/uninstall.sh" --quiet; fi
mkdir -p "$PREFIX/bin" "$PREFIX/lib" "$PREFIX/share/applications" "$PREFIX/share/metainfo"
# The app folder: copied beside its place, then moved in (an interrupted install leaves no half).
STAGING="$(mktemp -d "$PREFIX/lib/.modelyard-installing-XXXXXX")"
trap 'rm -rf "$STAGING"' EXIT
cp -a "$HERE/app/." "$STAGING/"
rm -rf "$LIB"
mv "$STAGING" "$LIB"
trap - EXIT
installed=("$LIB")
cat > "$PREFIX/bin/modelyard" <<SH
#!/bin/sh
exec "$LIB/modelyard" "\$@"
SH
chmod +x "$PREFIX/bin/modelyard"
installed+=("$PREFIX/bin/modelyard")
# The desktop entry runs the launcher by its full path (a desktop session's PATH may lack ~/.local/bin).
sed -e "s|^Exec=modelyard|Exec=$PREFIX/bin/modelyard|" -e "/^Exec=/a TryExec=$PREFIX/bin/modelyard" \
  "$HERE/share/applications/$ID.desktop" > "$PREFIX/share/applications/$ID.desktop"
installed+=("$PREFIX/share/applications/$ID.desktop")
cp "$HERE/share/metainfo/$ID.metainfo.xml" "$PREFIX/share/metainfo/"
installed+=("$PREFIX/share/metainfo/$ID.metainfo.xml")
for icon in "$HERE"/share/icons/hicolor/*/apps/*; do
  relative="${icon#"$HERE/share/"}"
  mkdir -p "$PREFIX/share/$(dirname "$relative")"
  cp "$icon" "$PREFIX/share/$relative"
  installed+=("$PREFIX/share/$relative")
done
printf '%s\n' "${installed[@]}" > "$MANIFEST"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
echo "Modelyard installed in $LIB; start it from the application menu or with $PREFIX/bin/modelyard"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "note: $PREFIX/bin is not on your PATH";; esac
