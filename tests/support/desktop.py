"""Drives ``desktop_app.py`` in its own process: JSON commands in, JSON answers out, and the real
keyboard through xdotool (XTEST) on the same display."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import desktop_tool

HERE = Path(__file__).parents[1] / "e2e"
ANSWER_S = 120.0  # the demo's first read, on a loaded machine


def inside(inner: list[int], outer: list[int]) -> bool:
    """Whether the rectangle ``inner`` (x, y, w, h) lies within ``outer``."""
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


class DesktopApp:
    """The app on ``display``, with the test's config/data dirs (the environment's XDG_*)."""

    def __init__(self, display: str, extra_env: dict[str, str] | None = None) -> None:
        self.xdotool = desktop_tool("xdotool", "xdotool")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
        env.update(
            DISPLAY=display,
            QT_QPA_PLATFORM="xcb",
            PYTHONPATH=str(HERE.parents[1]) + os.pathsep + env.get("PYTHONPATH", ""),
            **(extra_env or {}),
        )
        if os.environ.get("MODELYARD_TEST_SCALE"):
            env["QT_SCALE_FACTOR"] = os.environ["MODELYARD_TEST_SCALE"]
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "desktop_app.py")],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.answers.put(json.loads(line))
        self.answers.put(None)

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line)

    def ask(self, cmd: str, timeout: float = ANSWER_S, **args: Any) -> dict[str, Any]:
        """Send a command; its answer (AssertionError with the app's stderr if none comes)."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.process.stdin.flush()
        try:
            answer = self.answers.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer to {cmd} in {timeout} s:\n{self.stderr()}") from None
        assert answer is not None, f"the app ended during {cmd}:\n{self.stderr()}"
        return answer

    def until(self, check: Any, timeout: float = 30.0) -> dict[str, Any]:
        """Ask for the state until ``check(state)`` holds; that state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.ask("state")
            if check(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"state never matched: {state}")
            time.sleep(0.05)  # a poll interval between questions, not a synchronisation

    def key(self, *keys: str) -> None:
        """Press and release keys with the X server's keyboard, to the focused window."""
        subprocess.run(
            [self.xdotool, "key", "--clearmodifiers", *keys], env=self.env, check=True, timeout=30
        )

    def mouse(self, *steps: str | int) -> None:
        """Move and press the X server's mouse (xdotool's mousemove, mousedown, click …)."""
        subprocess.run([self.xdotool, *map(str, steps)], env=self.env, check=True, timeout=30)

    def type(self, text: str) -> None:
        """Type text with the X server's keyboard."""
        subprocess.run(
            [self.xdotool, "type", "--delay", "20", text], env=self.env, check=True, timeout=60
        )

    def stderr(self) -> str:
        return "".join(self.errors[-60:])

    def close(self) -> int:
        """Quit the app; its exit code."""
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.flush()
                return self.process.wait(timeout=60)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=30)
        return self.process.returncode
