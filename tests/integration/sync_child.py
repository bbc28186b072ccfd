"""Run by test_sync.py in a fresh interpreter (to be killed with SIGKILL at some point):
``modelyard sync`` with the test's profile file, the target's password put into this process's
own in-memory keyring first (from MODELYARD_TEST_TARGET_PASSWORD)."""

from __future__ import annotations

import os
import sys

import keyring

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.support.memory_keyring import MemoryKeyring


def main() -> None:
    keyring.set_keyring(MemoryKeyring())
    target = ProfileStore().get(sys.argv[2])
    SecretStore().set(target.id, "password", os.environ["MODELYARD_TEST_TARGET_PASSWORD"])
    from modelyard.cli import cli

    cli(["sync", *sys.argv[1:]])


if __name__ == "__main__":
    main()
