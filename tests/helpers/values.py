"""Typed checks for tests: a value that must be there."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def some(value: T | None) -> T:
    """``value``, which must not be None (an AssertionError says so, for a clear failure)."""
    assert value is not None, "expected a value, got None"
    return value
