"""Process settings for MLflow that suit an interactive app (no credentials here, ever)."""

from __future__ import annotations

import os

# MLflow's defaults (120 s timeout, 7 retries) block for minutes on an unreachable host.
GUI_HTTP_POLICY = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "MLFLOW_LOGGING_LEVEL": "WARNING",  # no INFO chatter on the terminal
}


def apply_process_policy() -> None:
    """Set MLflow's timeout/retry/log knobs unless the user chose their own values.

    They are process-wide in MLflow (read from the environment on every request); they carry
    no credentials. Credentials always travel in each profile's own MlflowHostCreds.
    """
    for key, value in GUI_HTTP_POLICY.items():
        os.environ.setdefault(key, value)
