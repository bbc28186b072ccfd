#!/usr/bin/env bash
# Check the release tarball as a user gets it: validate its desktop entry and AppStream
# metadata, install it into a temporary HOME, launch it the way the desktop does (the installed
# entry's Exec line) with the self-test, then uninstall and check that nothing is left.
#
#   packaging/check_release.sh dist/modelyard-<version>-linux-<arch>.tar.gz
set -euo pipefail
TARBALL="$(realpath "$1")"
ID="org.modelyard.Modelyard"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
tar -C "$WORK" -xzf "$TARBALL"
RELEASE="$(find "$WORK" -mindepth 1 -maxdepth 1 -type d)"
desktop-file-validate "$RELEASE/share/applications/$ID.desktop"
appstreamcli validate --no-net --pedantic "$RELEASE/share/metainfo/$ID.metainfo.xml" || \
  appstreamcli validate --no-net "$RELEASE/share/metainfo/$ID.metainfo.xml"
for size in 16 32 48 64 128 256; do test -s "$RELEASE/share/icons/hicolor/${size}x${size}/apps/$ID.png"; done

export HOME="$WORK/home"
mkdir -p "$HOME"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" XDG_CACHE_HOME="$HOME/.cache"
"$RELEASE/install.sh"
ENTRY="$HOME/.local/share/applications/$ID.desktop"
desktop-file-validate "$ENTRY"
appstreamcli validate --no-net "$HOME/.local/share/metainfo/$ID.metainfo.xml"
test -x "$HOME/.local/bin/modelyard"
test -s "$HOME/.local/share/icons/hicolor/256x256/apps/$ID.png"
EXEC="$(sed -n 's/^Exec=//p' "$ENTRY")"
SHOT="$WORK/launched.png"
START=$(date +%s.%N)
MODELYARD_SELFTEST_SCREENSHOT="$SHOT" timeout 300 xvfb-run -a -s "-screen 0 1400x900x24" \
  $EXEC --demo 2> "$WORK/launch.log" || { cat "$WORK/launch.log" >&2; exit 1; }
END=$(date +%s.%N)
cat "$WORK/launch.log"
test -s "$SHOT"
cp "$SHOT" "$(dirname "$TARBALL")/release-selftest.png"
echo "launched from the desktop entry: $EXEC ($(awk "BEGIN{printf \"%.1f\", $END - $START}") s to the screenshot)"
"$RELEASE/install.sh" > /dev/null  # installing again replaces the earlier install
"$HOME/.local/bin/modelyard" --version
"$RELEASE/uninstall.sh"
# What the app itself wrote (the demo registry, its log) is the user's, not the install's.
LEFT="$(find "$HOME/.local" \( -path "$HOME/.local/share/modelyard" -o -path "$HOME/.local/state/modelyard" \) -prune -o \( -type f -o -type l \) -print)"
LEFT="$(echo "$LEFT" | grep -v -e 'mimeinfo.cache' -e 'icon-theme.cache' || true)"
if [ -n "$LEFT" ]; then echo "uninstall left files behind:" >&2; echo "$LEFT" >&2; exit 1; fi
echo "release check passed: install → launch from the desktop entry → uninstall"
