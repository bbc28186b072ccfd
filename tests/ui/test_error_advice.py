"""A registry row's failure sends the user to edit the profile only when the profile causes it."""

from __future__ import annotations

import pytest

from modelyard.core.model.errors import ErrorKind
from modelyard.ui.details.profile_view import error_advice


@pytest.mark.parametrize("kind", [ErrorKind.AUTH, ErrorKind.TLS, ErrorKind.NO_API])
def test_the_profiles_own_faults_point_at_the_profile(kind: ErrorKind) -> None:
    assert "Edit profile" in error_advice(kind)


@pytest.mark.parametrize("kind", [ErrorKind.UNKNOWN, None, ErrorKind.REFUSED, ErrorKind.SERVER])
def test_other_faults_do_not_blame_the_profile(kind: ErrorKind | None) -> None:
    advice = error_advice(kind)
    assert "Edit profile" not in advice
    assert "not" in advice and "profile" in advice
