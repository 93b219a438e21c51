"""The verdict reports the SARIF and OSCAL tests render: the reference deployment, three violating variants, and
the reference with a holding that makes DKT148-FIELDS INDETERMINATE. Deployed once per test session.

Not a test module: tests/test_report_sarif.py and tests/test_report_oscal.py import it, so that one session
deploys each configuration once for both.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.pipeline import judge_snapshot, snapshot_of
from enjoin.report import to_report

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "infra" / "variants"
MEDICAID_PII = {"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS"}
CLAUSES = {"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS", "DKT148-PROGRAMS", "DKT98-NO-SHARING"}
# name -> (its enjoin.yaml, the clauses judged VIOLATION (tests/test_variants.py says why), those INDETERMINATE)
DEPLOYMENTS: dict[str, tuple[Path, set[str], set[str]]] = {
    "reference": (ROOT / "enjoin.yaml", set(), set()),
    "role-chain-two-hop": (VARIANTS / "role-chain-two-hop" / "enjoin.yaml", MEDICAID_PII, set()),
    "direct-grant": (VARIANTS / "direct-grant" / "enjoin.yaml", MEDICAID_PII, set()),
    "kms-key-policy-opens": (VARIANTS / "kms-key-policy-opens" / "enjoin.yaml", MEDICAID_PII, set()),
    # The disclosure extract declared to carry `name` too, which the order leaves open (case file, question
    # `name`): DHS reaches it through DhsDisclosureReader, so DKT148-FIELDS is INDETERMINATE.
    "reference-extract-with-name": (ROOT / "enjoin.yaml", set(), {"DKT148-FIELDS"}),
}
EXTRACT = "arn:aws:s3:::cms-dhs-disclosure-extract/*"

_REPORTS: dict[str, dict[str, Any]] = {}


def report(name: str, backend: MotoBackend) -> dict[str, Any]:
    """The JSON verdict report of one deployment (``to_report``), deployed at most once per session."""
    if name not in _REPORTS:
        path = DEPLOYMENTS[name][0]
        config = load(path)
        if name == "reference-extract-with-name":
            holdings = tuple(
                dataclasses.replace(h, fields=(*h.fields, "name")) if h.resource == EXTRACT else h
                for h in config.holdings
            )
            config = dataclasses.replace(config, holdings=holdings)
        backend.reset()
        _REPORTS[name] = to_report(judge_snapshot(config, snapshot_of(config, backend)).judgment)
    return _REPORTS[name]


def provenance(configuration: str = "enjoin.yaml") -> dict[str, Any]:
    """A provenance as the contract gives it (src/enjoin/report/provenance.py), with fixed times."""
    return {
        "configuration": configuration,
        "configuration_files": [{"path": "enjoin.yaml", "sha256": "a" * 64}],
        "case": {"name": "ca-v-hhs", "path": "enjoin:cases/ca-v-hhs.yaml", "sha256": "b" * 64},
        "inputs": [{"path": "infra/reference/cms-cross-account.yaml", "sha256": "c" * 64}],
        "backend": "moto",
        "snapshot": None,
        "started_at": "2026-02-01T03:00:00Z",
        "finished_at": "2026-02-01T03:01:30Z",
        "versions": {"enjoin": "0.1.0", "python": "3.11.7", "moto": "5.2.1", "botocore": "1.44.13"},
        "platform": "Linux",
    }
