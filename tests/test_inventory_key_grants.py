"""The inventory reads a customer managed key's grants (kms ListGrants), and a refused ListGrants is a gap on
the key (the holdings it encrypts INDETERMINATE), as a refused GetKeyPolicy is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.deploy import deploy
from enjoin.errors import InventoryError
from enjoin.inventory import _read_keys
from enjoin.judgment import Verdict
from enjoin.pipeline import judge_snapshot
from enjoin.snapshot import Construct, Grant

ROOT = Path(__file__).resolve().parents[1]

CMS = "111111111111"
REGION = "us-east-1"
READER = f"arn:aws:iam::{CMS}:role/Reader"


class RefusingListGrants:
    """The backend with kms ListGrants answered as AWS answers an audit role without kms:ListGrants."""

    def __init__(self, backend: MotoBackend) -> None:
        self.backend = backend
        self.name, self.can_deploy = backend.name, False

    def client(self, service: str, account: str, region: str) -> Any:
        client = self.backend.client(service, account, region)
        client.meta.events.register("provide-client-params.kms.ListGrants", _refuse, unique_id="enjoin-refuse-grants")
        return client


def _refuse(**_: Any) -> None:
    raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized (test)"}}, "ListGrants")


@pytest.fixture(scope="module")
def key_with_grant(moto: MotoBackend) -> str:
    moto.reset()
    kms = moto.client("kms", CMS, REGION)
    arn = str(kms.create_key()["KeyMetadata"]["Arn"])
    kms.create_grant(
        KeyId=arn,
        GranteePrincipal=READER,
        Operations=["Decrypt", "DescribeKey"],
        Name="claims-reader",
        RetiringPrincipal=f"arn:aws:iam::{CMS}:root",
        Constraints={"EncryptionContextEquals": {"aws:s3:arn": "arn:aws:s3:::claims"}},
    )
    return arn


def test_a_customer_managed_keys_grants_are_read(moto: MotoBackend, key_with_grant: str) -> None:
    gaps: list[Construct] = []
    (key,) = [k for k in _read_keys(moto, CMS, REGION, gaps) if k.arn == key_with_grant]
    (found,) = key.grants
    assert found == Grant(
        grant_id=found.grant_id,
        grantee=READER,
        operations=("Decrypt", "DescribeKey"),
        name="claims-reader",
        retiring=f"arn:aws:iam::{CMS}:root",
        context_equals={"aws:s3:arn": "arn:aws:s3:::claims"},
    )
    assert found.grant_id
    assert gaps == []


def test_a_refused_list_grants_is_a_gap_on_the_key(moto: MotoBackend, key_with_grant: str) -> None:
    gaps: list[Construct] = []
    (key,) = [k for k in _read_keys(RefusingListGrants(moto), CMS, REGION, gaps) if k.arn == key_with_grant]  # type: ignore[arg-type]
    assert key.grants == ()
    assert [(g.type, g.resource, g.keys, g.klass) for g in gaps] == [
        ("kms:ListGrants", key_with_grant, (key_with_grant,), "gap")
    ]


def test_a_refused_list_grants_fails_where_gaps_are_not_kept(moto: MotoBackend, key_with_grant: str) -> None:
    with pytest.raises(InventoryError, match="list_grants"):
        _read_keys(RefusingListGrants(moto), CMS, REGION)  # type: ignore[arg-type]


def test_a_refused_list_grants_puts_in_doubt_what_the_key_encrypts(moto: MotoBackend) -> None:
    """Over the deployed reference, as tests/test_inventory_gaps.py does for GetKeyPolicy: INDETERMINATE, naming
    the key, for the holdings of the bucket the key encrypts."""
    from tests.test_inventory_gaps import eligibility_bucket, read

    moto.reset()
    config = load(ROOT / "enjoin.yaml")
    deployed = (config, deploy(moto, config))
    plain = read(moto, deployed, {})
    bucket = next(b for b in plain.buckets if b.name == eligibility_bucket(plain))
    key = next(k for k in plain.keys if bucket.kms_key_id and bucket.kms_key_id.split("/")[-1] in k.arn)
    snapshot = read(moto, deployed, {("kms", "ListGrants"): key.key_id})
    assert [(g.type, g.keys) for g in snapshot.gaps] == [("kms:ListGrants", (key.arn,))]
    result = judge_snapshot(config, snapshot)
    assert judge_snapshot(config, plain).judgment.verdict is Verdict.COMPLIANT
    assert result.judgment.verdict is Verdict.INDETERMINATE
    doubted = {f.holding for c in result.judgment.clauses for f in c.findings if f.verdict is Verdict.INDETERMINATE}
    assert doubted and all(h.startswith(f"arn:aws:s3:::{bucket.name}/") for h in doubted), doubted
