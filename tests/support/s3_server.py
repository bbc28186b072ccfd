"""A real S3 server on loopback: moto's server mode (its own cached venv), with IAM access keys
checked — a wrong secret is refused with S3's own ``SignatureDoesNotMatch`` — and buckets made
with the key of the user who owns them.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.server_versions import tool_venv
from tests.support.servers import free_port, machine_scale, stop_group

ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
# moto checks keys from its Nth request on; the first ones make the IAM users and their keys.
UNCHECKED_CALLS = 3


@dataclass(frozen=True)
class S3Key:
    access_key_id: str
    secret_access_key: str


@dataclass
class S3Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    keys: dict[str, S3Key] = field(default_factory=dict)

    def client(self, key: S3Key) -> object:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def env_for(self, key: S3Key) -> dict[str, str]:
        """What MLflow's own S3 repository needs in a child process's environment (the server
        and the seeding client; never the tests' own process)."""
        return {
            "MLFLOW_S3_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def objects(self, key: S3Key, bucket: str, prefix: str = "") -> list[str]:
        client = self.client(key)
        found: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(  # type: ignore[attr-defined]
            Bucket=bucket, Prefix=prefix
        ):
            found += [item["Key"] for item in page.get("Contents", [])]
        return found

    def stop(self) -> None:
        stop_group(self.process)


def start_s3(root: Path, users: dict[str, str]) -> S3Server:
    """A moto S3 server whose IAM users ``users`` (user → their bucket) each have an access key
    and their own bucket; every later request must be signed with a real key."""
    import boto3

    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLFLOW_"))}
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(UNCHECKED_CALLS * len(users))
    log = root / "moto.log"
    process = subprocess.Popen(
        [str(tool_venv("moto") / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = S3Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60 * machine_scale()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"{server.url}/moto-api/", timeout=2)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"moto_server did not start:\n{log.read_text()[-3000:]}"
                ) from None
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
    iam = boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    for user in users:  # UNCHECKED_CALLS calls each
        iam.create_user(UserName=user)
        made = iam.create_access_key(UserName=user)["AccessKey"]
        iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=ALLOW_ALL)
        server.keys[user] = S3Key(made["AccessKeyId"], made["SecretAccessKey"])
    for user, bucket in users.items():
        server.client(server.keys[user]).create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    return server
