#!/usr/bin/env bash
# Lay out the release folder from the built app and pack it:
#   dist/modelyard-<version>-linux-x86_64.tar.gz
# holding the one-folder app, the desktop entry, AppStream metadata, the icon in the hicolor
# sizes desktops use, and install.sh / uninstall.sh (per user, into ~/.local by default).
#
#   packaging/release.sh [PYTHON]     (after packaging/build.sh; PYTHON renders the icons with Qt)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
test -x dist/modelyard/modelyard || { echo "build the app first: packaging/build.sh" >&2; exit 1; }
VERSION="$("$PYTHON" -c 'import sys; sys.path.insert(0, "app"); import modelyard; print(modelyard.__version__)')"
NAME="modelyard-$VERSION-linux-$(uname -m)"
ID="org.modelyard.Modelyard"
ROOT="dist/$NAME"
rm -rf "$ROOT" "dist/$NAME.tar.gz"
mkdir -p "$ROOT/share/applications" "$ROOT/share/metainfo" "$ROOT/share/icons/hicolor/scalable/apps"
cp -a dist/modelyard "$ROOT/app"
cp packaging/$ID.desktop "$ROOT/share/applications/"
cp packaging/$ID.metainfo.xml "$ROOT/share/metainfo/"
cp packaging/modelyard.svg "$ROOT/share/icons/hicolor/scalable/apps/$ID.svg"
QT_QPA_PLATFORM=offscreen "$PYTHON" - "$ROOT/share/icons/hicolor" "$ID" <<'PY'
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

app = QGuiApplication([])
root, icon_id = Path(sys.argv[1]), sys.argv[2]
renderer = QSvgRenderer(str(root / "scalable" / "apps" / f"{icon_id}.svg"))
for size in (16, 24, 32, 48, 64, 128, 256, 512):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    folder = root / f"{size}x{size}" / "apps"
    folder.mkdir(parents=True, exist_ok=True)
    image.save(str(folder / f"{icon_id}.png"))
PY
cp packaging/install.sh packaging/uninstall.sh "$ROOT/"
chmod +x "$ROOT/install.sh" "$ROOT/uninstall.sh"
cat > "$ROOT/README.txt" <<TXT
Modelyard $VERSION for Linux ($(uname -m))

  ./install.sh      installs for you alone, into ~/.local (PREFIX=/somewhere ./install.sh to choose)
  ./uninstall.sh    removes exactly what install.sh put there

After installing, start Modelyard from your desktop's application menu, or run "modelyard"
(~/.local/bin must be on your PATH). "modelyard --demo" opens the embedded demo registry.
TXT
tar -C dist -czf "dist/$NAME.tar.gz" "$NAME"
echo "release: dist/$NAME.tar.gz ($(du -h "dist/$NAME.tar.gz" | cut -f1))"
