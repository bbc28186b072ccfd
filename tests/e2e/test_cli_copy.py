"""`modelyard copy`: a version from one real server into another, promoted there."""

from __future__ import annotations

import json
import uuid

from tests.helpers.cli import add_admin_profile, run
from tests.helpers.registry import admin_store, new_version
from tests.support.memory_keyring import MemoryKeyring
from tests.support.servers import MlflowServer


def test_copy_and_promote_to_prod_then_recopy_reuses_it(
    mlflow_server: MlflowServer, auth_server: MlflowServer, isolated_user: MemoryKeyring
) -> None:
    name = f"cli-copy-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    assert (
        run("profiles", "add", "--name", "dev", "--kind", "mlflow", "--url", mlflow_server.url)[0]
        == 0
    )
    assert add_admin_profile(auth_server, "prod")[0] == 0
    code, out, err = run(
        "copy", "dev", name, version, "prod", "--stage", "Production", "--yes", "--json"
    )
    assert code == 0, err
    # With --json, stdout is exactly the JSON (#24.11); the lines for people go to stderr.
    assert f"From dev ({mlflow_server.url}): {name} v{version}" in err
    assert "Then in prod: set stage Production." in err
    result = json.loads(out)
    assert result["reused"] is False and result["checksum"].startswith("sha256:")
    copied = admin_store(auth_server).get_model_version(name, result["version"])
    assert copied.current_stage == "Production"
    # Again: the version is found in prod; nothing is copied, the alias is set on it.
    code, out, err = run("copy", "dev", name, version, "prod", "--alias", "champion", "--yes")
    assert code == 0, err
    assert f"prod already has {name} v{version} as {name} v{result['version']}" in out
    assert "prod had it already" in out
    assert len(admin_store(auth_server).search_model_versions(f"name='{name}'")) == 1
    aliases = admin_store(auth_server).get_registered_model(name).aliases
    assert aliases == {"champion": result["version"]}
    # Without --stage/--alias there is nothing to do; a bad target is refused in words.
    code, out, _ = run("copy", "dev", name, version, "prod", "--yes")
    assert code == 0 and "Nothing to copy" in out
    code, _, err = run("copy", "dev", name, "999", "prod", "--yes")
    assert code == 1 and err.startswith("modelyard: ")
