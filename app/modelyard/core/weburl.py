"""Where a model or version is shown in its registry's own web UI, built from the profile."""

from __future__ import annotations

from urllib.parse import quote

from modelyard.core.profiles import (
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    MlflowServerSettings,
    Profile,
)

# Azure ML studio per cloud (the workspace's own pages; sign-in happens in the browser).
STUDIO = {
    "public": "https://ml.azure.com",
    "usgov": "https://ml.azure.us",
    "china": "https://studio.ml.azure.cn",
}


def web_ui_url(profile: Profile, model: str, version: str | None = None) -> str | None:
    """The page of ``model`` (or one of its versions) in the registry's web UI; None where
    there is none (a local registry) or the profile does not say where (a ~/.databrickscfg
    profile without a host)."""
    s = profile.settings
    name = quote(model, safe="")
    if isinstance(s, MlflowServerSettings):
        page = f"{s.url.rstrip('/')}/#/models/{name}"
        return page + (f"/versions/{quote(version, safe='')}" if version else "")
    if isinstance(s, DatabricksUCSettings):
        parts = model.split(".")
        if not s.host or len(parts) != 3:
            return None
        path = "/".join(quote(p, safe="") for p in parts)
        page = f"{s.host.rstrip('/')}/explore/data/models/{path}"
        return page + (f"/version/{quote(version, safe='')}" if version else "")
    if isinstance(s, DatabricksSettings):
        if not s.host:
            return None
        page = f"{s.host.rstrip('/')}/ml/models/{name}"
        return page + (f"/versions/{quote(version, safe='')}" if version else "")
    if isinstance(s, AzureMLSettings):
        studio = STUDIO[s.cloud]
        wsid = (
            f"/subscriptions/{s.subscription_id}/resourceGroups/{s.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{s.workspace}"
        )
        query = f"wsid={quote(wsid, safe='/')}" + (f"&tid={s.tenant_id}" if s.tenant_id else "")
        if version:
            return f"{studio}/model/{name}:{quote(version, safe='')}/details?{query}"
        return f"{studio}/model/list?{query}"
    return None
