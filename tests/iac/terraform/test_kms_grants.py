"""aws_kms_grant: translated into a CreateGrant request that deploy makes after the key's stack (CloudFormation has
no grant type), read back by the inventory and honoured by reach; the variants without a CloudFormation twin
(test_twins.NO_TWIN) judged on their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.iac.terraform.test_types import REFERENCE, _add, _logical_id, _translated

from enjoin.iac.cloudformation.classification import Class
from enjoin.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[3]
VARIANTS = ROOT / "infra" / "terraform" / "variants"
CMS = "111111111111"
READER = f"arn:aws:iam::{CMS}:role/DhsDisclosureReader"
GRANT = "module.data.aws_kms_grant.claims"
KEY = 'module.data.aws_kms_key.store["tmsis-claims"]'


def _with_grant(key_ref: list[str] | None, **after: Any) -> dict[str, Any]:
    document = json.loads(REFERENCE.read_text())
    values = {"name": "claims", "key_id": None, "grantee_principal": READER, "operations": ["Decrypt"],
              "retiring_principal": None, "grant_creation_tokens": None, "retire_on_delete": False,
              "constraints": [{"encryption_context_equals": {"aws:s3:arn": "arn:aws:s3:::cms-tmsis-claims"},
                               "encryption_context_subset": None}]} | after
    references = {"key_id": key_ref} if key_ref else {}
    _add(document, "data", "aws_kms_grant", "claims", values, references)
    return document


def test_a_grant_becomes_a_create_grant_request_and_no_cloudformation_resource(tmp_path: Path) -> None:
    templates = _translated(tmp_path, _with_grant(['aws_kms_key.store["tmsis-claims"].arn', "aws_kms_key.store"]))
    cms = templates[CMS]
    assert cms.applied == ((GRANT, "kms:CreateGrant", {
        "KeyId": {"Ref": _logical_id(cms, KEY)},
        "GranteePrincipal": READER,
        "Operations": ["Decrypt"],
        "Name": "claims",
        "Constraints": {"EncryptionContextEquals": {"aws:s3:arn": "arn:aws:s3:::cms-tmsis-claims"}},
    }),)
    grant = _logical_id(cms, GRANT)
    assert grant not in cms.resources
    assert [d for d in cms.declared if d.logical_id == grant] == []


def test_a_grant_of_a_key_the_plan_does_not_deploy_is_unmodeled_for_keys(tmp_path: Path) -> None:
    other = f"arn:aws:kms:us-east-1:{CMS}:key/00000000-0000-0000-0000-000000000000"
    cms = _translated(tmp_path, _with_grant(None, key_id=other))[CMS]
    assert cms.applied == ()
    (declared,) = [d for d in cms.declared if cms.addresses.get(d.logical_id) == GRANT]
    assert (declared.klass, declared.affects) == (Class.UNMODELED, frozenset({"keys"}))
    assert "key_id" in declared.reason


def test_a_grant_to_a_role_name_rather_than_an_arn_is_unmodeled(tmp_path: Path) -> None:
    document = _with_grant(['aws_kms_key.store["tmsis-claims"].arn'], grantee_principal="DhsDisclosureReader")
    cms = _translated(tmp_path, document)[CMS]
    assert cms.applied == ()
    (declared,) = [d for d in cms.declared if cms.addresses.get(d.logical_id) == GRANT]
    assert "grantee_principal" in declared.reason


@pytest.mark.parametrize(("name", "verdict"), [("kms-grant-decrypt", "VIOLATION"),
                                               ("lookalike-kms-grant-other-bucket", "COMPLIANT")])
def test_the_grant_variants_are_judged_and_the_finding_names_the_grant(name: str, verdict: str) -> None:
    report = run_pipeline(VARIANTS / name / "enjoin.yaml").report
    assert report["verdict"] == verdict
    reached = {c["id"] for c in report["clauses"] if c["verdict"] == "VIOLATION"}
    if verdict == "COMPLIANT":
        assert reached == set()
        return
    assert reached == {"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS"}
    for clause in report["clauses"]:
        for finding in clause["findings"]:
            assert finding["principal"] == READER and finding["holding"] == "arn:aws:s3:::cms-tmsis-claims/*"
            (grant,) = [s for s in finding["statements"] if "KMS grant" in s["policy"]]
            assert " on arn:aws:kms:us-east-1:111111111111:key/" in grant["policy"]
            # the statement is the grant's, written by its address at its line of the plan
            assert grant["address"] == "module.data.aws_kms_grant.claims_reconciliation"
            assert grant["file"].endswith(f"{name}/plan.json") and grant["line"] > 0
            assert "through KMS grant " in finding["message"]


def test_a_grant_the_backend_refuses_is_a_deploy_error_naming_the_plan_and_the_address(tmp_path: Path) -> None:
    from enjoin.backends.moto import MotoBackend
    from enjoin.deploy.kms_grants import apply_grants
    from enjoin.errors import DeployError
    from enjoin.iac.cloudformation.template import CfnTemplate, Scope

    backend = MotoBackend()
    backend.start()
    try:
        template = CfnTemplate(tmp_path / "plan.json", {"Resources": {}})
        scope = Scope(template, {}, {}, {"Key": "no-such-key"}, lambda *_: None, {}, {})
        request = {"KeyId": {"Ref": "Key"}, "GranteePrincipal": READER, "Operations": ["Decrypt"]}
        with pytest.raises(DeployError) as error:
            apply_grants(backend, CMS, "us-east-1", "plan.json", ((GRANT, "kms:CreateGrant", request),), scope)
        assert error.value.where == f"plan.json: {GRANT}" and "no-such-key" in error.value.found
        with pytest.raises(DeployError, match="kms:CreateGrant"):
            apply_grants(backend, CMS, "us-east-1", "plan.json", ((GRANT, "kms:PutKeyPolicy", request),), scope)
    finally:
        backend.stop()
