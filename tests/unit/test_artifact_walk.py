"""Walking a version's files is bounded: a hostile or broken listing stops with a message
(issue #11.11), instead of ~1,000 requests and "maximum recursion depth exceeded"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.core.connectors._artifacts import (
    MAX_WALK_DEPTH,
    ArtifactAccess,
    safe_relative,
)
from modelyard.core.model.domain import ArtifactEntry
from modelyard.core.model.errors import RegistryError


class Listing(ArtifactAccess):
    """What a server answers, as a function of the folder asked for; counts the requests."""

    def __init__(self, answer: Callable[[str], list[ArtifactEntry]]) -> None:
        super().__init__()
        self.answer = answer
        self.requests = 0

    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        self.requests += 1
        return self.answer(path)


def test_a_folder_that_lists_itself_stops_at_once() -> None:
    listing = Listing(lambda path: [ArtifactEntry(path or "a", True, None)])
    with pytest.raises(RegistryError, match="inside itself"):
        listing.walk("mlflow-artifacts:/x")
    assert listing.requests <= 2


def test_endless_nesting_stops_at_the_depth_bound() -> None:
    listing = Listing(lambda path: [ArtifactEntry(f"{path}/d" if path else "d", True, None)])
    with pytest.raises(RegistryError, match=f"deeper than {MAX_WALK_DEPTH}"):
        listing.walk("mlflow-artifacts:/x")
    assert listing.requests == MAX_WALK_DEPTH + 1


def test_an_entry_outside_the_folder_is_refused() -> None:
    listing = Listing(
        lambda path: (
            [ArtifactEntry("elsewhere", True, None)] if path else [ArtifactEntry("a", True, None)]
        )
    )
    with pytest.raises(RegistryError, match="inconsistent"):
        listing.walk("mlflow-artifacts:/x")


def test_a_normal_tree_walks_in_order() -> None:
    tree = {
        "": [ArtifactEntry("m", True, None), ArtifactEntry("MLmodel", False, 3)],
        "m": [ArtifactEntry("m/w.bin", False, 5)],
    }
    assert [e.path for e in Listing(tree.__getitem__).walk("x")] == ["m/w.bin", "MLmodel"]


@pytest.mark.parametrize("name", ["..data", "..data/x.bin", "a/..b", "..."])
def test_names_that_start_with_dots_are_legitimate(name: str) -> None:
    assert safe_relative(name) == name


@pytest.mark.parametrize("name", ["..", "../x", "a/../../x", "..\\x"])
def test_paths_that_climb_out_are_refused(name: str) -> None:
    with pytest.raises(RegistryError, match="unsafe"):
        safe_relative(name)


def test_absolute_paths_stay_inside() -> None:
    assert safe_relative("/../etc/passwd") == "etc/passwd"
