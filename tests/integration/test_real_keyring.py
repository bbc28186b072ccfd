"""Secrets in a real Secret Service: gnome-keyring in its own D-Bus session (DESIGN.md §3b).

Runs a child process inside ``dbus-run-session`` with a freshly unlocked gnome-keyring; the child
adds a profile through the real CLI (password on stdin), reads it back through SecretStore and
checks that the secret is in the Secret Service and nowhere under the config/data dirs.
Required on CI (MODELYARD_REQUIRE_XVFB=1 there): a missing gnome-keyring fails, never skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.servers import clean_env

CHILD = textwrap.dedent(
    """
    import json, os, sys
    import keyring
    from click.testing import CliRunner
    from modelyard.cli import cli
    from modelyard.core.profiles.profile import ProfileStore
    from modelyard.core.profiles.secrets import SecretStore

    backend = keyring.get_keyring()
    secret = "s3cret-in-the-real-keyring"
    result = CliRunner().invoke(cli, ["profiles", "add", "--name", "real", "--kind", "mlflow",
        "--url", "http://127.0.0.1:9", "--username", "ana", "--password-stdin"],
        input=secret + "\\n")
    profile = ProfileStore().get("real")
    stored = SecretStore().get(profile.id, "password")
    raw = keyring.get_password("modelyard", profile.id + ":password")
    removed = CliRunner().invoke(cli, ["profiles", "remove", "real"])
    print(json.dumps({"backend": type(backend).__module__ + "." + type(backend).__name__,
        "add": result.exit_code, "out": result.output, "stored": stored == secret,
        "raw": raw == secret, "removed": removed.exit_code,
        "after": SecretStore().get(profile.id, "password")}))
    """
)


def _required() -> bool:
    return bool(os.environ.get("MODELYARD_REQUIRE_XVFB") or os.environ.get("CI"))


def test_secret_goes_to_a_real_secret_service(tmp_path: Path) -> None:
    missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(t)]
    if missing:
        message = f"needs {', '.join(missing)} (apt-get install gnome-keyring dbus)"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = clean_env()
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_RUNTIME_DIR=str(runtime),
        HOME=str(tmp_path / "home"),
    )
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    shell = (
        "printf %s unlock-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
        f'exec "{sys.executable}" "{script}"'
    )
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["backend"] == "keyring.backends.SecretService.Keyring", report
    assert report["add"] == 0, report["out"]
    assert report["stored"] and report["raw"], report
    assert report["removed"] == 0 and report["after"] is None
    for folder in ("config", "data", "cache"):
        for path in (tmp_path / folder).rglob("*"):
            if path.is_file() and path.suffix != ".keyring":  # gnome-keyring's encrypted store
                assert b"s3cret-in-the-real-keyring" not in path.read_bytes(), path
