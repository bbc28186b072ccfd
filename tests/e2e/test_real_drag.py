"""A real drag with the X server's mouse (xdotool, XTEST) from a card to a stage column.

Offscreen Qt ignores drags, so the other board tests deliver the drop event directly; this
one proves the whole QDrag path under Xvfb. Needs the xvfb and xdotool Debian packages
(.ci/run installs them; MODELYARD_REQUIRE_XVFB=1 makes their absence a failure).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import Stage
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from tests.e2e.conftest import desktop_tool

HERE = Path(__file__).parent


def test_real_mouse_drag_promotes_on_the_server(
    display: str,
    demo_profile: Profile,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    xdotool = desktop_tool("xdotool", "xdotool")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        PYTHONPATH=str(HERE.parents[1]) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    app = subprocess.Popen(
        [sys.executable, str(HERE / "drag_app.py"), "demo", "price-elasticity", "2", "Staging"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None
        where = json.loads(app.stdout.readline())
        assert "from" in where, where
        (x1, y1), (x2, y2) = where["from"], where["to"]

        def xdo(*args: object) -> None:
            subprocess.run([xdotool, *map(str, args)], env=env, check=True, timeout=30)

        xdo("mousemove", "--sync", x1, y1)
        xdo("mousedown", "1")
        for step in range(1, 11):  # past the drag distance, then across in small moves
            xdo("mousemove", "--sync", x1 + (x2 - x1) * step // 10, y1 + (y2 - y1) * step // 10)
        xdo("mouseup", "1")
        outcome = json.loads(app.stdout.readline())
        assert app.wait(timeout=60) == 0, app.stderr.read() if app.stderr else ""
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(timeout=30)
    assert outcome == {"done": "Staging"}
    registry = open_registry(demo_profile, secrets)
    try:
        assert registry.get_version("price-elasticity", "2").stage is Stage.STAGING
    finally:
        registry.close()
