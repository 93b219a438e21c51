"""Organisation policies written in a plan (enjoin.iac.terraform.organization): an SCP or RCP attached to an account
of the plan joins that account's level; what cannot be taken is named; the variants without a CloudFormation twin
(test_twins.NO_TWIN) judged on their own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from tests.iac.terraform.test_types import CMS, DHS, REFERENCE, _add, _logical_id, _translated

from enjoin.config_model import Config, ScpAttachment
from enjoin.deploy.organization import organization_from_config
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.terraform.organization import CodePolicy, inert_types
from enjoin.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[3]
VARIANTS = ROOT / "infra" / "terraform" / "variants"
SCP_DIR = ROOT / "infra" / "reference" / "scp"
POLICY = "module.identity.aws_organizations_policy.guard"
ATTACHMENT = "module.identity.aws_organizations_policy_attachment.guard"
DENY = {"Version": "2012-10-17", "Statement": [{"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject",
                                                "Resource": "*"}]}
FULL = {"Version": "2012-10-17",
        "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _with_policy(target: Any = CMS, *, content: Any = None, policy_type: str = "SERVICE_CONTROL_POLICY",
                 unknown: tuple[str, ...] = ()) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(REFERENCE.read_text())
    values = {"name": "Guard", "description": None, "type": policy_type, "skip_destroy": None, "tags": None,
              "content": json.dumps(DENY) if content is None else content}
    policy_refs = {"content": ["aws_s3_bucket.logs.arn", "aws_s3_bucket.logs"]} if "content" in unknown else {}
    _add(document, "identity", "aws_organizations_policy", "guard", values, policy_refs)
    refs = {"policy_id": ["aws_organizations_policy.guard.id", "aws_organizations_policy.guard"]}
    if "target_id" in unknown:
        refs["target_id"] = ["aws_organizations_organizational_unit.data.id"]
    _add(document, "identity", "aws_organizations_policy_attachment", "guard",
         {"policy_id": None, "target_id": target, "skip_destroy": None}, refs)
    return document


def _declared(template: Any, address: str) -> Any:
    (found,) = [d for d in template.declared if d.logical_id == _logical_id(template, address)]
    return found


def test_an_scp_attached_to_an_account_of_the_plan_is_taken_onto_its_level(tmp_path: Path) -> None:
    cms = _translated(tmp_path, _with_policy())[CMS]
    (taken,) = cms.organization
    assert (taken.kind, taken.account, taken.document, taken.policy, taken.attachment) == (
        "scps", CMS, DENY, POLICY, ATTACHMENT)
    assert _declared(cms, POLICY).klass is Class.INERT
    assert "taken" in _declared(cms, ATTACHMENT).reason


def test_an_rcp_attached_to_the_dhs_account_is_taken_as_an_rcp(tmp_path: Path) -> None:
    cms = _translated(tmp_path, _with_policy(DHS, policy_type="RESOURCE_CONTROL_POLICY"))[CMS]
    assert [(p.kind, p.account) for p in cms.organization] == [("rcps", DHS)]


@pytest.mark.parametrize(("target", "what"), [("ou-ab12-34cd56ef", "an OU"), ("r-ab12", "the root")])
def test_an_attachment_to_an_ou_or_the_root_is_indeterminate_naming_it(tmp_path: Path, target: str, what: str
                                                                       ) -> None:
    cms = _translated(tmp_path, _with_policy(target))[CMS]
    assert cms.organization == ()
    declared = _declared(cms, ATTACHMENT)
    assert (declared.klass, declared.affects) == (Class.UNMODELED, frozenset({"all"}))
    assert f"target_id {target} is {what}" in declared.reason and POLICY in declared.reason


def test_an_scp_attached_to_another_account_is_taken_for_it_alone(tmp_path: Path) -> None:
    cms = _translated(tmp_path, _with_policy("333333333333"))[CMS]
    assert [(p.kind, p.account) for p in cms.organization] == [("scps", "333333333333")]
    assert "if enjoin.yaml's accounts: names it" in _declared(cms, ATTACHMENT).reason


def test_a_target_known_only_after_apply_is_indeterminate_naming_its_reference(tmp_path: Path) -> None:
    cms = _translated(tmp_path, _with_policy(None, unknown=("target_id",)))[CMS]
    assert cms.organization == ()
    declared = _declared(cms, ATTACHMENT)
    assert declared.klass is Class.UNMODELED
    assert "aws_organizations_organizational_unit.data.id" in declared.reason


def test_content_known_only_after_apply_is_indeterminate_naming_it(tmp_path: Path) -> None:
    cms = _translated(tmp_path, _with_policy(unknown=("content",)))[CMS]
    assert cms.organization == ()
    for address in (POLICY, ATTACHMENT):
        declared = _declared(cms, address)
        assert (declared.klass, declared.affects) == (Class.UNMODELED, frozenset({"all"}))
        assert "content known only after apply" in declared.reason


@pytest.mark.parametrize("policy_type", sorted(inert_types()))
def test_a_policy_type_that_authorizes_nothing_is_inert(tmp_path: Path, policy_type: str) -> None:
    cms = _translated(tmp_path, _with_policy(policy_type=policy_type, content='{"tags": {}}'))[CMS]
    assert cms.organization == ()
    for address in (POLICY, ATTACHMENT):
        declared = _declared(cms, address)
        assert declared.klass is Class.INERT and policy_type in declared.reason


def test_a_policy_type_enjoin_does_not_know_is_indeterminate(tmp_path: Path) -> None:
    cms = _translated(tmp_path, _with_policy(policy_type="SOMETHING_NEW_POLICY"))[CMS]
    assert cms.organization == ()
    assert _declared(cms, POLICY).klass is Class.UNMODELED


def test_malformed_content_is_an_error_naming_plan_address_and_attribute(tmp_path: Path) -> None:
    with pytest.raises(DeployError) as caught:
        _translated(tmp_path, _with_policy(content='{"Statement": [}'))
    assert caught.value.where == f"{tmp_path / 'plan.json'}: {POLICY}, attribute content"


def _config(tmp_path: Path, scps: tuple[ScpAttachment, ...] = ()) -> Config:
    return Config(path=tmp_path / "enjoin.yaml", case="ca-v-hhs", as_of=dt.date(2026, 2, 1), region="us-east-1",
                  accounts={"cms": CMS, "dhs": DHS}, templates=(), scps=scps, rcps=(), parties=(), holdings=())


def _code(document: dict[str, Any], account: str = CMS) -> CodePolicy:
    return CodePolicy("scps", account, document, Path("/repo/plan.json"), POLICY, ATTACHMENT)


def test_a_plan_policy_joins_the_config_files_on_the_account_level(tmp_path: Path) -> None:
    full = ScpAttachment(SCP_DIR / "full-aws-access.json", (CMS,))
    organization = organization_from_config(_config(tmp_path, (full,)), [_code(DENY)])
    assert organization.scps[CMS] == ((FULL,), (json.loads(full.path.read_text()), DENY))
    assert organization.scp_names[CMS][1][1].endswith(f"plan.json: {POLICY} (attached by {ATTACHMENT})")


def test_an_account_the_config_attaches_nothing_to_keeps_aws_default_full_access(tmp_path: Path) -> None:
    organization = organization_from_config(_config(tmp_path), [_code(DENY, DHS)])
    assert organization.scps == {DHS: ((FULL,), (FULL, DENY))}
    assert organization.rcps == {}


def test_an_account_enjoin_yaml_does_not_name_is_not_levelled(tmp_path: Path) -> None:
    assert organization_from_config(_config(tmp_path), [_code(DENY, "333333333333")]).scps == {}


def test_a_policy_both_in_enjoin_yaml_and_in_the_plan_is_refused(tmp_path: Path) -> None:
    guardrails = ScpAttachment(SCP_DIR / "cms-data-guardrails.json", (CMS,))
    with pytest.raises(DeployError) as caught:
        organization_from_config(_config(tmp_path, (guardrails,)), [_code(json.loads(guardrails.path.read_text()))])
    assert caught.value.where == f"/repo/plan.json: {POLICY}, attribute content"
    assert "cms-data-guardrails.json" in str(caught.value)


def test_the_scp_variants_are_compliant_and_the_plan_scp_is_what_keeps_the_lookalike_so() -> None:
    reference = run_pipeline(ROOT / "infra" / "terraform" / "enjoin.yaml").report
    verdicts = {c["id"]: c["verdict"] for c in reference["clauses"]}
    for name in ("scp-in-plan", "lookalike-scp-in-plan-denies-read"):
        result = run_pipeline(VARIANTS / name / "enjoin.yaml")
        assert {c["id"]: c["verdict"] for c in result.report["clauses"]} == verdicts, name
        names = result.snapshot.organization.scp_names[CMS][1]
        assert names[-1] == ("plan.json: module.organization.aws_organizations_policy.cms_data_guardrails "
                             "(attached by module.organization.aws_organizations_policy_attachment.cms)")
    # The same plan without the SCP's narrowing statement: DhsDisclosureReader reads eligibility.
    assert run_pipeline(VARIANTS / "direct-grant" / "enjoin.yaml").report["verdict"] == "VIOLATION"


def test_an_attachment_of_a_policy_not_in_the_plan_puts_every_holding_in_doubt_naming_it(tmp_path: Path) -> None:
    document: dict[str, Any] = json.loads(REFERENCE.read_text())
    address = _add(document, "identity", "aws_organizations_policy_attachment", "added",
                   {"policy_id": "p-0123abcd", "target_id": CMS, "skip_destroy": False})
    (tmp_path / "plan.json").write_text(json.dumps(document))
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {REFERENCE.parents[1] / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n"
        "templates:\n  - {path: plan.json, account: cms, providers: {aws.dhs: dhs}}\n")
    report = run_pipeline(tmp_path / "enjoin.yaml").report
    assert {c["id"]: c["verdict"] for c in report["clauses"]} == {
        "DKT148-FIELDS": "INDETERMINATE", "DKT148-MEDICAL": "INDETERMINATE", "DKT148-POPULATIONS": "INDETERMINATE",
        "DKT148-PROGRAMS": "INDETERMINATE", "DKT98-NO-SHARING": "NOT_APPLICABLE"}
    ((where, reason),) = [(c["where"], c["reason"]) for c in report["constructs"]["unmodeled"]]
    assert where == f"{tmp_path / 'plan.json'}: {address}"
    assert "policy_id 'p-0123abcd' is no policy of this plan" in reason
