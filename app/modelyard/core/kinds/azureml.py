"""An Azure Machine Learning workspace's MLflow-compatible registry, in any Azure cloud."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import quote, urlsplit

from pydantic import field_validator, model_validator

from modelyard.core.kinds.base import Env, FormField, Kind, KindSettings, SignIn, text

if TYPE_CHECKING:
    from modelyard.core.profiles.secrets import SecretField

AzureAuth = Literal["service-principal", "azure-cli", "browser", "default"]
SIGN_INS = (
    SignIn(
        "service-principal",
        "Service principal (tenant, client id, client secret)",
        frozenset({"tenant_id", "client_id", "client_secret"}),
    ),
    SignIn("azure-cli", "Azure CLI (az login)", frozenset({"tenant_id"})),
    SignIn("browser", "Log in with the browser", frozenset({"tenant_id"})),
    SignIn("default", "DefaultAzureCredential (environment, managed identity, CLI …)"),
)
AZURE_AUTH_LABELS: dict[str, str] = {s.key: s.label for s in SIGN_INS}


class AzureCloud(NamedTuple):
    """One Azure cloud: its Microsoft Entra sign-in authority, the AzureML API host suffix
    (``<region>.<suffix>``) and the token scope of its resource manager."""

    label: str
    authority: str
    api_suffix: str
    scope: str


AzureCloudName = Literal["public", "usgov", "china"]
AZURE_CLOUDS: dict[str, AzureCloud] = {
    "public": AzureCloud(
        "Azure (public)",
        "login.microsoftonline.com",
        "api.azureml.ms",
        "https://management.azure.com/.default",
    ),
    "usgov": AzureCloud(
        "Azure Government",
        "login.microsoftonline.us",
        "api.ml.azure.us",
        "https://management.usgovcloudapi.net/.default",
    ),
    "china": AzureCloud(
        "Azure China (21Vianet)",
        "login.chinacloudapi.cn",
        "api.ml.azure.cn",
        "https://management.chinacloudapi.cn/.default",
    ),
}
AZURE_API_PATH = (
    "mlflow/v2.0/subscriptions/{subscription}/resourceGroups/{group}"
    "/providers/Microsoft.MachineLearningServices/workspaces/{workspace}"
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_AZURE_URI = re.compile(
    r"^(?:azureml|https)://(?P<host>[^/]+)/mlflow/v\d\.\d/subscriptions/(?P<sub>[^/]+)"
    r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.MachineLearningServices"
    r"/workspaces/(?P<ws>[^/?#]+)/?$",
    re.IGNORECASE,
)


class AzureMLSettings(KindSettings):
    """An Azure Machine Learning workspace's MLflow-compatible registry."""

    kind: Literal["azureml"] = "azureml"
    subscription_id: str
    resource_group: str
    workspace: str
    region: str  # e.g. westeurope; the API host is <region>.api.azureml.ms
    cloud: AzureCloudName = "public"  # sets the default sign-in authority, API host and scope
    api_host: str | None = None  # overrides <region>.<cloud's API suffix> (e.g. private link)
    auth: AzureAuth = "default"
    tenant_id: str | None = None
    client_id: str | None = None
    authority_host: str | None = None  # e.g. login.microsoftonline.us for sovereign clouds

    @field_validator("subscription_id", "tenant_id")
    @classmethod
    def _check_guid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _GUID.match(value):
            raise ValueError(f"{value!r} is not an id like 00000000-0000-0000-0000-000000000000")
        return value.lower()

    @field_validator("resource_group", "workspace", "region")
    @classmethod
    def _check_word(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("this field is empty")
        if "/" in value or " " in value:
            raise ValueError(f"{value!r} must not contain slashes or spaces")
        return value

    @model_validator(mode="after")
    def _check_combination(self) -> AzureMLSettings:
        if self.auth == "service-principal" and not (self.tenant_id and self.client_id):
            raise ValueError("a service principal needs the tenant id and the client id")
        return self

    @classmethod
    def from_tracking_uri(cls, uri: str, **extra: object) -> AzureMLSettings:
        """Settings from the workspace's MLflow tracking URI (azureml://… as the portal shows)."""
        match = _AZURE_URI.match(uri.strip())
        if not match:
            raise ValueError(
                "this is not an AzureML MLflow tracking URI (azureml://<region>.api.azureml.ms/"
                "mlflow/v1.0/subscriptions/…/resourceGroups/…/providers/"
                "Microsoft.MachineLearningServices/workspaces/…)"
            )
        host = match["host"]
        region, _, suffix = host.lower().partition(".")
        cloud = next((n for n, c in AZURE_CLOUDS.items() if c.api_suffix == suffix), None)
        values: dict[str, object] = {
            "subscription_id": match["sub"],
            "resource_group": match["rg"],
            "workspace": match["ws"],
            "region": region,
            "api_host": None if cloud else host,
            **extra,
        }
        if cloud:
            values["cloud"] = cloud
        return cls.model_validate(values)

    @property
    def base_url(self) -> str:
        """The URL MLflow's REST paths (/api/2.0/mlflow/…) are appended to."""
        host = self.api_host or f"{self.region}.{AZURE_CLOUDS[self.cloud].api_suffix}"
        scheme = "" if "://" in host else "https://"
        path = AZURE_API_PATH.format(
            subscription=self.subscription_id, group=self.resource_group, workspace=self.workspace
        )
        return f"{scheme}{host}/{path}"

    @property
    def authority(self) -> str:
        """The Microsoft Entra sign-in authority host (explicit, or the cloud's)."""
        return self.authority_host or AZURE_CLOUDS[self.cloud].authority

    @property
    def token_scope(self) -> str:
        """The scope tokens for the workspace's API are asked with (the cloud's manager)."""
        return AZURE_CLOUDS[self.cloud].scope

    def describe(self) -> str:
        """Where this profile points, for people."""
        cloud = "" if self.cloud == "public" else f", {AZURE_CLOUDS[self.cloud].label}"
        return f"{self.workspace} ({self.resource_group}, {self.region}{cloud})"


# Azure ML studio per cloud (the workspace's own pages; sign-in happens in the browser).
STUDIO = {
    "public": "https://ml.azure.com",
    "usgov": "https://ml.azure.us",
    "china": "https://studio.ml.azure.cn",
}


class AzureMLKind(Kind[AzureMLSettings]):
    name = "azureml"
    title = "Azure Machine Learning"
    description = "An Azure Machine Learning workspace (MLflow-compatible registry)."
    settings = AzureMLSettings
    opener = "modelyard.core.connectors.azureml:open_azureml"
    imports = ("modelyard.core.connectors.azureml",)
    registry = "modelyard.core.connectors.azureml:AzureMLRegistry"
    connection = (
        FormField(
            "tracking_uri",
            "Tracking URI",
            "paste azureml://<region>.api.azureml.ms/mlflow/v1.0/… or fill in",
            fills=True,
        ),
        FormField(
            "subscription",
            "Subscription id",
            "00000000-0000-0000-0000-000000000000",
            required=True,
        ),
        FormField("resource_group", "Resource group", "e.g. rg-ml", required=True),
        FormField("workspace", "Workspace", "e.g. ml-prod", required=True),
        FormField("region", "Region", "e.g. westeurope", required=True),
        FormField(
            "cloud",
            "Cloud",
            choices=tuple((name, cloud.label) for name, cloud in AZURE_CLOUDS.items()),
            tooltip="Sovereign clouds sign in at their own authority (login.microsoftonline.us, "
            "login.chinacloudapi.cn) and have their own API hosts.",
        ),
        FormField("api_host", "API host", "optional: the workspace API host (private link)"),
        FormField(
            "authority_host",
            "Sign-in authority",
            "optional: a sign-in authority host to use instead",
        ),
    )
    sign_ins = SIGN_INS
    default_auth = "default"
    neutral_auth = "default"

    def settings_from(self, values: Mapping[str, Any]) -> AzureMLSettings:
        auth = values.get("auth") or "default"
        extra: dict[str, object] = {
            "auth": auth,
            "tenant_id": text(values, "tenant_id"),
            "client_id": text(values, "client_id") if auth == "service-principal" else None,
            "authority_host": text(values, "authority_host"),
            "api_host": text(values, "api_host"),
        }
        if values.get("cloud"):
            extra["cloud"] = values["cloud"]
        uri = text(values, "tracking_uri")
        if uri and not text(values, "subscription"):
            if extra["api_host"] is None:
                del extra["api_host"]  # the URI's host, unless one is given
            return AzureMLSettings.from_tracking_uri(uri, **extra)
        return AzureMLSettings.model_validate(
            {
                "subscription_id": text(values, "subscription") or "",
                "resource_group": values.get("resource_group") or "",
                "workspace": values.get("workspace") or "",
                "region": values.get("region") or "",
                **extra,
            }
        )

    def form_values(self, settings: AzureMLSettings) -> dict[str, Any]:
        return {
            "subscription": settings.subscription_id,
            "resource_group": settings.resource_group,
            "workspace": settings.workspace,
            "region": settings.region,
            "cloud": settings.cloud,
            "api_host": settings.api_host or "",
            "authority_host": settings.authority_host or "",
            "tenant_id": settings.tenant_id or "",
            "client_id": settings.client_id or "",
        }

    def pasted(self, key: str, value: str) -> dict[str, Any] | None:
        """The fields a pasted tracking URI fills in (None: not one)."""
        if key != "tracking_uri" or not value.strip():
            return None
        try:
            parsed = AzureMLSettings.from_tracking_uri(value)
        except ValueError:
            return None
        filled = ("subscription", "resource_group", "workspace", "region", "cloud", "api_host")
        return {k: v for k, v in self.form_values(parsed).items() if k in filled}

    def secret_fields(self, settings: AzureMLSettings) -> tuple[SecretField, ...]:
        return ("client_secret",) if settings.auth == "service-principal" else ()

    def tracking_uri(self, settings: AzureMLSettings) -> str:
        host = urlsplit(settings.base_url).netloc
        path = AZURE_API_PATH.format(
            subscription=settings.subscription_id,
            group=settings.resource_group,
            workspace=settings.workspace,
        ).replace("mlflow/v2.0/", "mlflow/v1.0/", 1)
        return f"azureml://{host}/{path}"

    def credentials(self, settings: AzureMLSettings) -> tuple[Env, list[str]]:
        env: Env = []
        notes = ["the azureml-mlflow plugin: pip install azureml-mlflow"]
        if settings.auth == "service-principal":
            env += [
                ("AZURE_TENANT_ID", shlex.quote(settings.tenant_id or "<tenant id>")),
                ("AZURE_CLIENT_ID", shlex.quote(settings.client_id or "<client id>")),
                ("AZURE_CLIENT_SECRET", "<client secret>"),
            ]
        elif settings.auth == "azure-cli":
            notes.append("`az login`")
        elif settings.auth == "browser":
            notes.append("a browser login when the code first runs")
        if settings.authority_host or settings.cloud != "public":
            env.append(("AZURE_AUTHORITY_HOST", shlex.quote(settings.authority)))
        return env, notes

    def web_url(self, settings: AzureMLSettings, model: str, version: str | None) -> str:
        studio = STUDIO[settings.cloud]
        wsid = (
            f"/subscriptions/{settings.subscription_id}/resourceGroups/{settings.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{settings.workspace}"
        )
        query = f"wsid={quote(wsid, safe='/')}"
        query += f"&tid={settings.tenant_id}" if settings.tenant_id else ""
        name = quote(model, safe="")
        if version:
            return f"{studio}/model/{name}:{quote(version, safe='')}/details?{query}"
        return f"{studio}/model/list?{query}"


AZUREML = AzureMLKind()
