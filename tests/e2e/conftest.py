"""End-to-end fixtures: a real X server (Xvfb) per test."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from modelyard.core.profiles.profile import Profile

if TYPE_CHECKING:
    from tests.support.desktop import DesktopApp


def desktop_tool(program: str, package: str) -> str:
    """Path of a program the desktop tests need: skipped where it is missing, unless
    MODELYARD_REQUIRE_XVFB=1 (CI), where that is a failure."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("MODELYARD_REQUIRE_XVFB") == "1":
            pytest.fail(f"{program} is required here (MODELYARD_REQUIRE_XVFB=1) but not installed")
        pytest.skip(f"{program} is not installed (apt-get install {package})")
    return path


@pytest.fixture()
def display(tmp_path: Path) -> Iterator[str]:
    """A real X server (1440×900) without a window manager."""
    process, name = start_display("1440x900", tmp_path)
    yield name
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def start_display(size: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """An Xvfb server of ``size`` (WxH); returns the process and its display name."""
    xvfb = desktop_tool("Xvfb", "xvfb")
    process = subprocess.Popen(
        [xvfb, "-displayfd", "1", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    number = process.stdout.readline().decode().strip()
    assert number.isdigit(), "Xvfb did not report its display"
    return process, f":{number}"


@pytest.fixture(params=["1024x700"])
def desktop(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A real X server with a real window manager (openbox): windows are decorated, placed,
    focused and activated as on a user's desktop. Parametrise (indirectly) with the screen
    size, "WxH" or "WxH@2" for a HiDPI screen (QT_SCALE_FACTOR=2 for the app)."""
    openbox = desktop_tool("openbox", "openbox")
    size, _, scale = str(request.param).partition("@")
    if scale:
        monkeypatch.setenv("MODELYARD_TEST_SCALE", scale)  # the driver passes it to the app
    else:
        monkeypatch.delenv("MODELYARD_TEST_SCALE", raising=False)
    xvfb, name = start_display(size, tmp_path)
    env = {**os.environ, "DISPLAY": name}
    wm = subprocess.Popen(
        [openbox, "--sm-disable"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield name
    for process in (wm, xvfb):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.fixture()
def demo_app(desktop: str, demo_profile: Profile) -> Iterator[DesktopApp]:
    """The app driven on the desktop over a copy of the demo registry, its rows read."""
    from tests.support.desktop import DesktopApp  # it uses this module's desktop_tool

    driven = DesktopApp(desktop)
    try:
        driven.ask("ready")
        yield driven
    finally:
        driven.close()
