"""Run by test_concurrent_start.py in a fresh interpreter: opens every profile of the profile
file at the same moment, each on its own thread (as the window's lanes do at start-up), reads
each one's first page of models, and prints one JSON line per profile."""

from __future__ import annotations

import json
import sys
import threading

import keyring

from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.support.memory_keyring import MemoryKeyring


def main() -> int:
    keyring.set_keyring(MemoryKeyring())
    secrets = SecretStore()
    profiles = ProfileStore().list()
    start = threading.Barrier(len(profiles))
    results: dict[str, str] = {}

    def open_one(index: int) -> None:
        profile = profiles[index]
        start.wait()
        try:
            registry = open_registry(profile, secrets)
            try:
                page = registry.list_models(page_size=10)
                results[profile.name] = f"ok {len(page.items)}"
            finally:
                registry.close()
        except BaseException as exc:  # what a lane would show
            results[profile.name] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(len(profiles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    print(json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
