"""Every violating variant of the reference platform fails with exactly its clauses; look-alikes pass.

Each variant under infra/variants/ extends the root enjoin.yaml and changes one thing (see the first
line of its enjoin.yaml and the lines marked VARIANT in its templates). Semantics (ORDER.md and the
case file): under Dkt. 98 (2025-08-12 to 2026-01-05) any plaintiff-state Medicaid data reaching DHS
breaks DKT98-NO-SHARING. Under Dkt. 148, for Medicaid data of plaintiff states, a reached holding
breaks DKT148-FIELDS when it holds a field outside the six (ssn, sex, race_ethnicity, medical,
eligibility... are forbidden), DKT148-MEDICAL when it holds ``medical`` or ``eligibility``,
DKT148-POPULATIONS when it may hold a protected population (``all`` does). The case scopes those
three clauses to Medicaid (``programs: [medicaid]``); data of another CMS program (CHIP) breaks
DKT148-PROGRAMS, and only it.

What the reference holds: eligibility (ssn, sex, race, eligibility...; all populations; Medicaid),
claims (medical; all populations; Medicaid), CHIP enrollment (CHIP, SSE-S3), the extract (the six
fields; unlawfully_present; Medicaid). Eligibility and claims are SSE-KMS: reaching them needs
kms:Decrypt on their keys too; CHIP does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from enjoin.judgment import Verdict
from enjoin.pipeline import PipelineResult, run_pipeline

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "infra" / "variants"
CMS_ROLE = "arn:aws:iam::111111111111:role/"
DHS_ROLE = "arn:aws:iam::222222222222:role/"
ELIGIBILITY, CLAIMS, CHIP, EXTRACT = (
    "cms-tmsis-eligibility",
    "cms-tmsis-claims",
    "cms-chip-enrollment",
    "cms-dhs-disclosure-extract",
)
MEDICAID_PII = frozenset({"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS"})
PROGRAMS = frozenset({"DKT148-PROGRAMS"})


class Expected(NamedTuple):  # not a dataclass: tests/test_meta.py loads this file without sys.modules
    clauses: frozenset[str]  # the clause ids whose verdict is VIOLATION
    buckets: frozenset[str]  # the stores the findings reach
    hop: str  # a principal that must appear on a finding's path (findings give the shortest witness)
    sid: str  # a statement (Sid) that must appear among a finding's statements
    reason: str


CASES: dict[str, Expected] = {
    "direct-grant": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReconcileAgainstEligibility",
        "eligibility reached: ssn etc. (FIELDS), eligibility field (MEDICAL), all populations (POPULATIONS)",
    ),
    "wildcard-resource": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReadExtractObjects",
        "cms-*/* matches every store, but only CHIP (SSE-S3) needs no key the role lacks: PROGRAMS",
    ),
    "not-resource": Expected(
        MEDICAID_PII | PROGRAMS,
        frozenset({ELIGIBILITY, CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "EverythingButClaims",
        "NotResource claims allows eligibility (object and key) and CHIP: the Medicaid clauses and PROGRAMS",
    ),
    "bucket-policy-dhs-account": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        DHS_ROLE + "IceAnalyst",
        "DhsEligibilityVerification",
        "the DHS account reads CHIP (its analysts may s3:Get* anywhere): PROGRAMS",
    ),
    "principal-star-condition": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "IceLiaison",
        "PartnerNetworkRead",
        "aws:SourceIp is a condition the party can satisfy: it reads CHIP (shortest witness: IceLiaison)",
    ),
    "role-chain-two-hop": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        CMS_ROLE + "CmsClaimsAnalyst",
        "ClaimsReconciliationHandOff",
        "IceAnalyst -> DhsDisclosureReader -> CmsClaimsAnalyst reads claims: medical (FIELDS, MEDICAL), all",
    ),
    "managed-policy": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReadClaims",
        "the attached managed policy reads and decrypts claims: medical (FIELDS, MEDICAL), all populations",
    ),
    "group": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY, CLAIMS}),
        "arn:aws:iam::111111111111:user/ice-detailee-jsmith",
        "ReadTmsisObjects",
        "the ICE detailee's group reads eligibility and claims (key policies delegate to IAM)",
    ),
    "kms-key-policy-opens": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        DHS_ROLE + "IceAnalyst",
        "JointFraudTaskForce",
        "bucket policy and key policy both open claims to the DHS account: medical, all populations",
    ),
    "inline-policy-resource": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReadChipEnrollment",
        "an AWS::IAM::Policy resource gives DhsDisclosureReader CHIP: PROGRAMS",
    ),
    "extract-forbidden-field": Expected(
        frozenset({"DKT148-FIELDS"}),
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the extract (reached as designed) is declared with ssn: FIELDS only",
    ),
    "extract-forbidden-population": Expected(
        frozenset({"DKT148-POPULATIONS"}),
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the extract is declared to hold citizens: POPULATIONS only",
    ),
    "extract-forbidden-program": Expected(
        PROGRAMS,
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the extract is declared as CHIP data: PROGRAMS only (the Medicaid clauses do not speak to CHIP)",
    ),
    "extract-shared-under-dkt98": Expected(
        frozenset({"DKT98-NO-SHARING"}),
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the reference judged on 2025-12-01: under Dkt. 98 no plaintiff-state Medicaid data may reach DHS",
    ),
}
# The expected VIOLATION clause sets alone (tests/test_meta.py reads this name).
EXPECTED: dict[str, frozenset[str]] = {name: case.clauses for name, case in CASES.items()}
LOOKALIKES = {
    "lookalike-explicit-deny": "an explicit Deny with NotResource keeps cms-*/* to the extract",
    "lookalike-boundary": "the permissions boundary allows only the extract",
    "lookalike-condition-dhs-cannot-meet": "aws:PrincipalAccount = CMS; DHS's CMS roles cannot decrypt",
    "lookalike-kms-closed": "the claims key policy gives DHS nothing: the objects stay unreadable",
}


def run(name: str) -> PipelineResult:
    return run_pipeline(VARIANTS / name / "enjoin.yaml", backend="moto")


def violations(result: PipelineResult) -> set[str]:
    return {c.id for c in result.judgment.clauses if c.verdict is Verdict.VIOLATION}


def indeterminate(result: PipelineResult) -> set[str]:
    return {c.id for c in result.judgment.clauses if c.verdict is Verdict.INDETERMINATE}


def test_every_variant_directory_is_expected() -> None:
    on_disk = {p.name for p in VARIANTS.iterdir() if p.is_dir()}
    assert on_disk == set(CASES) | set(LOOKALIKES)
    for name in on_disk:
        config = yaml.safe_load((VARIANTS / name / "enjoin.yaml").read_text())
        assert config["extends"] == "../../../enjoin.yaml", name
        for template in config.get("templates", []):
            local = VARIANTS / name / template["path"]
            if local.parent == VARIANTS / name:  # a template of the variant's own: the change is marked
                assert "VARIANT" in local.read_text(), (name, template["path"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_violating_variant(name: str) -> None:
    expected = CASES[name]
    result = run(name)
    assert result.judgment.verdict is Verdict.VIOLATION
    assert violations(result) == expected.clauses, expected.reason
    assert indeterminate(result) == set()
    findings = [f for c in result.judgment.clauses if c.verdict is Verdict.VIOLATION for f in c.findings]
    reached = {m.group(1) for f in findings for m in [re.match(r"arn:aws:s3:::([^/]+)", f.resource)] if m}
    assert reached == expected.buckets
    assert all(f.path and f.statements and f.message for f in findings)
    assert any(expected.hop in f.path for f in findings), [f.path for f in findings]
    assert any(s.sid == expected.sid for f in findings for s in f.statements)


@pytest.mark.parametrize("name", sorted(LOOKALIKES))
def test_lookalike_stays_compliant(name: str) -> None:
    result = run(name)
    assert result.judgment.verdict is Verdict.COMPLIANT, LOOKALIKES[name]
    assert violations(result) == set()
    assert indeterminate(result) == set()
    assert [f for c in result.judgment.clauses for f in c.findings] == []
