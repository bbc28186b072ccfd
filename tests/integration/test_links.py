"""A file-based artifact store never gives away a file from outside a version's folder (#24.5):
``ln -s ~/.ssh/id_rsa <version folder>/notes.txt`` must not make ``download`` write the key into
the destination or ``copy`` upload it to another registry; a linked folder is not copied either.
The links left out are named."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from modelyard.core.actions.copy import copy_version
from modelyard.core.actions.copy_plan import Endpoint, plan_copy
from modelyard.core.connectors import open_registry
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.cli import run

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- not to be copied"


def private_version(demo: Profile, prod: Profile, secrets: SecretStore) -> str:
    """churn-classifier v1 copied into ``prod`` as ``linked-churn``: files of its own (the demo
    copies share the seeded artifact folder, which other tests read)."""
    source, target = open_registry(demo, secrets), open_registry(prod, secrets)
    try:
        plan = plan_copy(
            Endpoint(source, demo.name),
            "churn-classifier",
            "1",
            Endpoint(target, prod.name),
            "linked-churn",
        )
        return copy_version(
            Endpoint(source, demo.name), Endpoint(target, prod.name), plan
        ).version.version
    finally:
        source.close()
        target.close()


def plant_links(registry: Registry, version: str, tmp_path: Path) -> Path:
    """A link to a 'private key' and a link to an outside folder in the version's folder; a
    link to a file of the version itself stays allowed."""
    location = registry.artifact_location("linked-churn", version)
    folder = Path(unquote(urlsplit(location).path))
    assert str(folder).startswith(str(tmp_path))  # the test's own files
    outside = tmp_path / "home-ssh"
    outside.mkdir()
    (outside / "id_rsa").write_bytes(SECRET)
    os.symlink(outside / "id_rsa", folder / "notes.txt")
    os.symlink(outside, folder / "linked-dir")
    os.symlink(folder / "MLmodel", folder / "MLmodel.link")
    return folder


def test_download_and_copy_leave_out_links_out_of_the_version_folder(
    demo_profile: Profile, prod_profile: Profile, secrets: SecretStore, tmp_path: Path
) -> None:
    version = private_version(demo_profile, prod_profile, secrets)
    source = open_registry(prod_profile, secrets)
    target = open_registry(demo_profile, secrets)
    try:
        plant_links(source, version, tmp_path)
        plan = plan_download(source, "linked-churn", version)
        assert set(plan.left_out) == {"notes.txt", "linked-dir"}
        paths = {f.path for f in plan.files}
        assert "notes.txt" not in paths and not any(p.startswith("linked-dir") for p in paths)
        assert "MLmodel.link" in paths  # inside the folder: an ordinary file
        result = run_download(source, plan, tmp_path / "out")
        assert result.left_out == plan.left_out
        downloaded = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
        assert downloaded and all(SECRET not in p.read_bytes() for p in downloaded)
        with pytest.raises(ModelyardError) as refused:
            source.open_artifact(plan.location, "notes.txt")
        assert "link out of the version's folder" in refused.value.message

        copy_plan = plan_copy(
            Endpoint(source, prod_profile.name),
            "linked-churn",
            version,
            Endpoint(target, demo_profile.name),
            "copied-churn",
        )
        assert any("Left out 2 links" in line for line in copy_plan.lines())
        copied = copy_version(
            Endpoint(source, prod_profile.name), Endpoint(target, demo_profile.name), copy_plan
        )
        there = plan_download(target, "copied-churn", copied.version.version)
        assert not {"notes.txt", "linked-dir"} & {f.path.split("/")[0] for f in there.files}
    finally:
        source.close()
        target.close()


def test_the_cli_names_the_links_it_left_out(
    demo_profile: Profile, prod_profile: Profile, secrets: SecretStore, tmp_path: Path
) -> None:
    version = private_version(demo_profile, prod_profile, secrets)
    registry = open_registry(prod_profile, secrets)
    try:
        plant_links(registry, version, tmp_path)
    finally:
        registry.close()
    code, out, err = run("download", "prod", "linked-churn", version, str(tmp_path / "cli-out"))
    assert code == 0, out + err
    assert "Left out 2 links" in err and "notes.txt" in err
    assert not (tmp_path / "cli-out" / "notes.txt").exists()
