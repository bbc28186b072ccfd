"""Build the sdist and wheel, install the wheel outside the source tree, and use it.

    python packaging/check_wheel.py [--keep]

Fails (exit 1) when a file of ``app/modelyard`` or ``resources/`` is missing from the wheel, or
when the installed app cannot show its help, prepare the demo registry, list it, or pass the GUI
self-test (offscreen). Everything happens in a temporary folder outside the checkout, with its
own HOME and XDG dirs, so the installed package cannot fall back on the source tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_PARTS = {"__pycache__"}


def expected_files() -> set[str]:
    """Paths the wheel must hold, as they appear inside it."""
    wanted: set[str] = set()
    for base, prefix in (
        (ROOT / "app" / "modelyard", "modelyard"),
        (ROOT / "resources", "modelyard/resources"),
    ):
        for path in base.rglob("*"):
            if path.is_file() and not SKIP_PARTS & set(path.parts) and path.suffix != ".pyc":
                wanted.add(f"{prefix}/{path.relative_to(base).as_posix()}")
    return wanted


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 900) -> str:
    started = time.monotonic()
    print("$", " ".join(cmd), flush=True)
    result = subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    print(f"  exit {result.returncode} in {time.monotonic() - started:.1f} s", flush=True)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"check_wheel: failed: {' '.join(cmd)}")
    return result.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="modelyard-wheel-") as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        out = tmp / "dist"
        run(
            [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)],
            env,
            tmp,
        )
        wheels = list(out.glob("modelyard-*.whl"))
        sdists = list(out.glob("modelyard-*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            raise SystemExit(
                f"check_wheel: expected one wheel and one sdist, got {wheels + sdists}"
            )
        with zipfile.ZipFile(wheels[0]) as wheel:
            have = {name for name in wheel.namelist() if name.startswith("modelyard/")}
        missing = sorted(expected_files() - have)
        if missing:
            raise SystemExit("check_wheel: missing from the wheel:\n  " + "\n  ".join(missing))
        print(f"wheel {wheels[0].name}: {len(have)} package files, none missing")

        venv = tmp / "venv"
        run([sys.executable, "-m", "venv", str(venv)], env, tmp)
        bindir = venv / "bin"
        run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheels[0])], env, tmp)
        home = tmp / "home"
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_DATA_HOME=str(home / "data"),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_STATE_HOME=str(home / "state"),
            QT_QPA_PLATFORM="offscreen",
        )
        work = tmp / "elsewhere"
        work.mkdir()
        where = run(
            [
                str(bindir / "python"),
                "-c",
                "import modelyard, pkgutil, importlib\n"
                "walk = pkgutil.walk_packages(modelyard.__path__, 'modelyard.')\n"
                "names = [m.name for m in walk]\n"
                "[importlib.import_module(n) for n in names]\n"
                "print(modelyard.__file__, len(names))",
            ],
            env,
            work,
        )
        if str(ROOT) in where:
            raise SystemExit(f"check_wheel: the installed package came from the checkout: {where}")
        print("  imported:", where.strip())
        run([str(bindir / "modelyard"), "--help"], env, work)
        run([str(bindir / "modelyard"), "demo", "--no-gui"], env, work)
        listing = run([str(bindir / "modelyard"), "ls", "demo"], env, work)
        if not listing.strip():
            raise SystemExit("check_wheel: `modelyard ls demo` listed nothing")
        shot = tmp / "selftest.png"
        env["MODELYARD_SELFTEST_SCREENSHOT"] = str(shot)
        run([str(bindir / "modelyard"), "--demo"], env, work)
        if not shot.is_file() or shot.stat().st_size == 0:
            raise SystemExit("check_wheel: the GUI self-test left no screenshot")
        print("check_wheel: the installed wheel starts the app and its CLI")


if __name__ == "__main__":
    main()
