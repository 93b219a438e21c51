"""Each Terraform plan of infra/terraform/ gives the per-clause verdicts and findings of its CloudFormation twin.

The twin of ``infra/terraform/enjoin.yaml`` is the root ``enjoin.yaml``; of ``infra/terraform/variants/X`` it is
``infra/variants/X``. Both are deployed into moto and judged; a finding is compared by party, principal, action,
resource, path, statements (Sid, effect, policy) and message, with what cannot be equal masked: the random part of
a KMS key's ARN (a new key id on every deployment), where a statement was read (the template's file and line, or
the plan's), a statement's position in its policy, and the relative path an enjoin.yaml wrote for an SCP file.
A plan whose policy is known only after apply is judged INDETERMINATE for the holdings it can affect, naming the
Terraform address.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from enjoin.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[3]
TERRAFORM = ROOT / "infra" / "terraform"
# Plans without a CloudFormation twin, and why: test_kms_grants.py judges them on their own.
NO_TWIN = {
    "kms-grant-decrypt": "an aws_kms_grant: CloudFormation has no KMS grant type",
    "lookalike-kms-grant-other-bucket": "an aws_kms_grant: CloudFormation has no KMS grant type",
    "scp-in-plan": "its twin is the reference itself (the SCP listed in enjoin.yaml); test_organization judges it",
    "lookalike-scp-in-plan-denies-read": "an SCP written in the plan; test_organization judges it, and "
                                         "tests/iac/test_cfn_organization.py its template form",
}
VARIANTS = sorted(p.name for p in (TERRAFORM / "variants").iterdir() if p.is_dir() and p.name not in NO_TWIN)
_KEY_ID = re.compile(r"key/[0-9a-f-]{36}")
# An SCP file is shown as the enjoin.yaml that names it wrote its path: one directory deeper for the plans' variants.
_SCP_PATH = re.compile(r"SCP (?:\.\./)+")


def _twin(name: str) -> tuple[Path, Path]:
    if name == "reference":
        return TERRAFORM / "enjoin.yaml", ROOT / "enjoin.yaml"
    return TERRAFORM / "variants" / name / "enjoin.yaml", ROOT / "infra" / "variants" / name / "enjoin.yaml"


_PLACE = ("file", "line", "index", "address", "expression")


def _masked(value: Any, files: set[str]) -> Any:
    """The value with the place of each statement (its file and line, the logical id or Terraform address that
    writes it and the plan's expression) left out; ``files`` collects (file, address) of each."""
    if isinstance(value, dict):
        if value.get("file"):  # an AWS managed policy has no file
            files.add(f"{value['file']} {value.get('address')}")
        # The position of a statement in its policy differs where the plan grants a key's use in the key policy
        # (its ARN is known only after apply) and the CloudFormation twin in the role's own policy.
        return {k: _masked(v, files) for k, v in value.items() if k not in _PLACE}
    if isinstance(value, list):
        return [_masked(v, files) for v in value]
    return value


def _judged(report: dict[str, Any], files: set[str]) -> dict[str, Any]:
    """Per clause: the verdict and the findings, key ids and statement places masked."""
    return {
        clause["id"]: (clause["verdict"], sorted(
            _SCP_PATH.sub("SCP ", _KEY_ID.sub("key/KEY", json.dumps(_masked(f, files), sort_keys=True)))
            for f in clause["findings"]))
        for clause in report["clauses"]
    }


@pytest.mark.parametrize("name", ["reference", *VARIANTS])
def test_a_plan_is_judged_as_its_cloudformation_twin(name: str) -> None:
    terraform, cloudformation = _twin(name)
    planned = run_pipeline(terraform).report
    files: set[str] = set()
    assert _judged(planned, files) == _judged(run_pipeline(cloudformation).report, set())
    # A statement of a plan is found in the plan, written by a resource the plan holds, named by its address.
    plan = TERRAFORM / "reference" / "plan.json" if name == "reference" else terraform.parent / "plan.json"
    addresses = {c["address"] for c in json.loads(plan.read_text())["resource_changes"]}
    assert {Path(f.split(" ")[0]).name for f in files} <= {"plan.json"}
    assert {f.split(" ", 1)[1] for f in files} <= addresses
    expected = "COMPLIANT" if name == "reference" or name.startswith("lookalike-") else "VIOLATION"
    assert planned["verdict"] == expected


def test_a_policy_known_only_after_apply_is_indeterminate_naming_the_address(tmp_path: Path) -> None:
    plan = json.loads((TERRAFORM / "reference" / "plan.json").read_text())
    change = next(c for c in plan["resource_changes"]
                  if c["address"] == "module.cross_account.aws_iam_role_policy.reader")["change"]
    change["after"]["policy"], change["after_unknown"]["policy"] = None, True
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {TERRAFORM / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n"
        "templates:\n  - {path: plan.json, account: cms, providers: {aws.dhs: dhs}}\n")
    report = run_pipeline(tmp_path / "enjoin.yaml").report
    verdicts = {c["id"]: c["verdict"] for c in report["clauses"]}
    assert verdicts == {"DKT148-FIELDS": "INDETERMINATE", "DKT148-MEDICAL": "INDETERMINATE",
                        "DKT148-POPULATIONS": "INDETERMINATE", "DKT148-PROGRAMS": "INDETERMINATE",
                        "DKT98-NO-SHARING": "NOT_APPLICABLE"}
    unmodeled = report["constructs"]["unmodeled"]
    where = f"{tmp_path / 'plan.json'}: module.cross_account.aws_iam_role_policy.reader"
    assert [c["where"] for c in unmodeled] == [where]


def test_enjoin_judge_takes_the_plan() -> None:
    done = subprocess.run([sys.executable, "-m", "enjoin.cli", "judge", "--config", str(TERRAFORM / "enjoin.yaml")],
                          capture_output=True, text=True, timeout=900, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "COMPLIANT" in done.stdout


def test_a_plan_without_a_twin_is_one_cloudformation_cannot_write() -> None:
    for name in NO_TWIN:
        assert (TERRAFORM / "variants" / name / "plan.json").is_file(), name
        assert not (ROOT / "infra" / "variants" / name).exists(), name
