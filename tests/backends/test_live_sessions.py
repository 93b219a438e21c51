"""The live backend's sessions, one per role: they share botocore's model loader, so that memory and start-up do not
grow with the accounts (scripts/bench_live.py measured 3.9 GB for 50 accounts with a loader per session)."""

from __future__ import annotations

import boto3

from enjoin.backends.live import LiveBackend
from enjoin.config_model import AuditRole, LiveConfig


def test_every_roles_session_shares_one_model_loader_and_no_credentials() -> None:
    roles = {a: AuditRole(f"arn:aws:iam::{a}:role/enjoin-audit") for a in ("111111111111", "222222222222")}
    base = boto3.session.Session(aws_access_key_id="AKIAENJOINCALLER0001", aws_secret_access_key="not-a-secret",
                                 region_name="us-east-1")
    backend = LiveBackend(LiveConfig(accounts=roles, region="us-east-1"), session=base)
    backend._base = base  # what start() sets, without its checks (they call STS)
    one, two = (backend._session(role) for role in roles.values())
    loader = base._session.get_component("data_loader")
    assert one._session.get_component("data_loader") is loader
    assert two._session.get_component("data_loader") is loader
    # Each session still signs as its own role: the credential providers are not shared.
    assert one._session.get_component("credential_provider") is not two._session.get_component("credential_provider")
