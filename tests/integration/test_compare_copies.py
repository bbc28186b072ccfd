"""A registry comparison knows the copies it made itself (#23.4): "Production: v4 ≠ v6" where
v6 is a byte-identical copy of v4 (lineage tags, same files) is no difference; a comparison
row's versions are the ones that differ, not always the latest."""

from __future__ import annotations

from modelyard.core.actions.across import promote_across
from modelyard.core.actions.compare import Status, compare_registries
from modelyard.core.actions.copy_plan import Endpoint, plan_copy
from modelyard.core.actions.promote import Target
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore


def test_a_copy_the_app_made_is_no_difference(
    demo_profile: Profile, prod_profile: Profile, secrets: SecretStore
) -> None:
    dev, prod = open_registry(demo_profile, secrets), open_registry(prod_profile, secrets)
    try:
        plan = plan_copy(Endpoint(dev, "demo"), "fraud-detector", "2", Endpoint(prod, "prod"))
        moved = promote_across(
            Endpoint(dev, "demo"), Endpoint(prod, "prod"), plan, Target("stage", "Production")
        )
        copy = moved.version.version
        assert copy != "2"
        # Make the rest of the model the same on both sides (its aliases, its latest version).
        prod.set_alias("fraud-detector", "champion", copy)
        result = compare_registries(dev, prod)
    finally:
        dev.close()
        prod.close()
    row = next(r for r in result.rows if r.name == "fraud-detector")
    assert not any(d.startswith("Production") for d in row.differences), row.differences
    assert f"v{copy} is a copy of v2" in row.copies
    assert not any(d.startswith("@champion") for d in row.differences), row.differences
    # The latest versions differ by number (v3 ≠ the copy): that is still said.
    assert row.status is Status.DIFFERENT and any("latest" in d for d in row.differences)
