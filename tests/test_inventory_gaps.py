"""A read the backend refuses (AccessDenied) is a gap: the holdings it bears on are INDETERMINATE with the
reason, the others keep their verdicts, and a refusal the inventory cannot bound still fails the run.

moto does not enforce IAM, so the refusals are made where AWS would make them, in the answer: a botocore handler
on the client answers the chosen operations with the error AWS sends (``AccessDenied`` for S3,
``AccessDeniedException`` for KMS and Lambda), before any request is made.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.deploy import deploy
from enjoin.errors import InventoryError
from enjoin.inventory import inventory
from enjoin.judgment import Verdict
from enjoin.pipeline import judge_snapshot
from enjoin.report import to_report
from enjoin.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]
CMS, DHS = "111111111111", "222222222222"
REGION = "us-east-1"


REFUSED: dict[tuple[str, str], str] = {}  # (service, OperationName) -> only for this bucket or key ("": any)


def _refuse(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    service = model.service_model.endpoint_prefix
    only = REFUSED.get((service, model.name))
    if only is None or (only and only not in (params.get("Bucket"), params.get("KeyId"))):
        return
    code = "AccessDenied" if service == "s3" else "AccessDeniedException"
    raise ClientError({"Error": {"Code": code, "Message": "not authorized (test)"}}, model.name)


class Refusing:
    """The backend with the operations of REFUSED refused, as an audit role without the permission sees them
    (moto's clients are cached per account: the handler is registered once and reads REFUSED when called)."""

    def __init__(self, backend: MotoBackend) -> None:
        self.backend = backend
        self.name, self.can_deploy = backend.name, False

    def client(self, service: str, account: str, region: str) -> Any:
        client = self.backend.client(service, account, region)
        client.meta.events.register("provide-client-params.*.*", _refuse, unique_id="enjoin-test-refuse")
        return client


@pytest.fixture(scope="module")
def deployed(moto: MotoBackend) -> Iterator[Any]:
    moto.reset()
    config = load(ROOT / "enjoin.yaml")
    deployment = deploy(moto, config)
    yield config, deployment


def read(moto: MotoBackend, deployed: Any, refused: dict[tuple[str, str], str]) -> Snapshot:
    _, deployment = deployed
    REFUSED.clear()
    REFUSED.update(refused)
    try:
        return inventory(Refusing(moto), (CMS, DHS), REGION, deployment.organization, deployment.declared())
    finally:
        REFUSED.clear()


def verdicts(deployed: Any, snapshot: Snapshot) -> dict[str, str]:
    result = judge_snapshot(deployed[0], snapshot)
    return {c.id: c.verdict.value for c in result.judgment.clauses}


def eligibility_bucket(snapshot: Snapshot) -> str:
    return next(b.name for b in snapshot.buckets if "eligibility" in b.name and b.account == CMS)


def test_a_refused_bucket_policy_puts_only_that_bucket_s_holdings_in_doubt(moto: MotoBackend, deployed: Any) -> None:
    plain = read(moto, deployed, {})
    assert plain.gaps == ()
    bucket = eligibility_bucket(plain)
    snapshot = read(moto, deployed, {("s3", "GetBucketPolicy"): bucket})
    assert [(g.type, g.resource, g.affects, g.buckets) for g in snapshot.gaps] == [
        ("s3:GetBucketPolicy", bucket, ("buckets",), (bucket,))
    ]
    result = judge_snapshot(deployed[0], snapshot)
    doubted = {f.holding for c in result.judgment.clauses for f in c.findings if f.verdict is Verdict.INDETERMINATE}
    assert doubted and all(h.startswith(f"arn:aws:s3:::{bucket}/") for h in doubted), doubted
    assert result.judgment.verdict is Verdict.INDETERMINATE
    message = next(f.message for c in result.judgment.clauses for f in c.findings)
    assert "could not be read" in message and "AccessDenied" in message
    report = to_report(result.judgment)
    assert [g["type"] for g in report["gaps"]] == ["s3:GetBucketPolicy"]
    # The holdings of other buckets keep the verdicts they have with everything read.
    before = verdicts(deployed, plain)
    assert before["DKT148-PROGRAMS"] == verdicts(deployed, snapshot)["DKT148-PROGRAMS"] == "COMPLIANT"


def test_a_refused_key_policy_puts_in_doubt_what_the_key_encrypts(moto: MotoBackend, deployed: Any) -> None:
    plain = read(moto, deployed, {})
    bucket = next(b for b in plain.buckets if b.name == eligibility_bucket(plain))
    key = next(k for k in plain.keys if bucket.kms_key_id and bucket.kms_key_id.split("/")[-1] in k.arn)
    snapshot = read(moto, deployed, {("kms", "GetKeyPolicy"): key.key_id})
    assert [(g.type, g.keys) for g in snapshot.gaps] == [("kms:GetKeyPolicy", (key.arn,))]
    assert next(k for k in snapshot.keys if k.arn == key.arn).policy["Statement"] == []
    result = judge_snapshot(deployed[0], snapshot)
    assert result.judgment.verdict is Verdict.INDETERMINATE
    assert any(key.arn in f.message for c in result.judgment.clauses for f in c.findings)


def test_refused_function_listing_bounds_the_doubt_to_roles_lambda_may_assume(moto: MotoBackend, deployed: Any) -> None:
    snapshot = read(moto, deployed, {("lambda", "ListFunctions"): ""})
    gaps = [g for g in snapshot.gaps if g.type == "lambda:ListFunctions"]
    assert len(gaps) == 2 and all(g.affects == ("roles",) and not g.unbounded for g in gaps)
    assert snapshot.functions == ()


def test_a_refusal_that_cannot_be_bounded_fails_the_inventory(moto: MotoBackend, deployed: Any) -> None:
    with pytest.raises(InventoryError, match=r"list_buckets.*AccessDenied"):
        read(moto, deployed, {("s3", "ListBuckets"): ""})


def test_gaps_survive_the_snapshot_round_trip(moto: MotoBackend, deployed: Any) -> None:
    plain = read(moto, deployed, {})
    snapshot = read(moto, deployed, {("s3", "GetBucketPolicy"): eligibility_bucket(plain)})
    assert Snapshot.from_json(snapshot.to_json()) == snapshot
