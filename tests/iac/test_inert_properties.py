"""Inert bucket properties change no verdict: the reference platform and its variants, with lifecycle, logging,
notification, object lock and CORS configuration added to every bucket, are judged exactly as without them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from enjoin.iac.cloudformation.template import load_template
from enjoin.pipeline import PipelineResult, run_pipeline

ROOT = Path(__file__).resolve().parents[2]

# What real templates put on their buckets and what cannot change who reads the data (each inert by the
# classification): none of it is deployed, all of it is listed in the report.
ADDED: dict[str, Any] = {
    "LifecycleConfiguration": {
        "Rules": [
            {
                "Id": "archive",
                "Status": "Enabled",
                "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 365}],
            },
            {"Id": "abort-uploads", "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
        ]
    },
    "LoggingConfiguration": {"DestinationBucketName": "cms-access-logs", "LogFilePrefix": "s3/"},
    "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
    "ObjectLockEnabled": True,
    "ObjectLockConfiguration": {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
    },
    "CorsConfiguration": {
        "CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://portal.cms.example"], "MaxAge": 3000}]
    },
}
INERT = {f"AWS::S3::Bucket.{name}" for name in ADDED}
# The reference, a violation of each kind of path, and look-alikes that must stay compliant.
CONFIGS = [
    "enjoin.yaml",
    "infra/variants/direct-grant/enjoin.yaml",
    "infra/variants/replication-into-dhs-readable/enjoin.yaml",
    "infra/variants/lake-formation-column-grant/enjoin.yaml",
    "infra/variants/lookalike-kms-closed/enjoin.yaml",
    "infra/variants/access-point-delegated/enjoin.yaml",
]


@pytest.fixture(scope="module")
def decorated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's deployments with the inert properties added to every bucket."""
    root = tmp_path_factory.mktemp("decorated")
    shutil.copy(ROOT / "enjoin.yaml", root / "enjoin.yaml")
    shutil.copytree(ROOT / "infra", root / "infra")
    for path in sorted((root / "infra").rglob("*.yaml")):
        if path.name in {"enjoin.yaml", "expected.yaml"}:  # configurations and generated expectations
            continue
        template = load_template(path)
        body = template.body
        buckets = [r for r in body["Resources"].values() if r.get("Type") == "AWS::S3::Bucket"]
        for bucket in buckets:
            bucket.setdefault("Properties", {}).update(json.loads(json.dumps(ADDED)))
        if buckets:
            path.write_text(json.dumps(body, indent=1), encoding="utf-8")  # JSON is YAML: same path, same stack
    return root


def _verdicts(result: PipelineResult) -> dict[str, Any]:
    return {
        c.id: (c.verdict.value, sorted({(f.verdict.value, f.party, f.principal, f.holding) for f in c.findings}))
        for c in result.judgment.clauses
    }


@pytest.mark.parametrize("config", CONFIGS)
def test_inert_bucket_properties_change_no_verdict(config: str, decorated: Path) -> None:
    plain = run_pipeline(ROOT / config)
    with_inert = run_pipeline(decorated / config)
    assert _verdicts(with_inert) == _verdicts(plain)
    listed = {f"{c.type}.{c.prop}" for c in with_inert.judgment.constructs if c.klass == "inert" and c.prop}
    assert listed >= INERT, f"not listed as inert: {sorted(INERT - listed)}"
    assert not [c for c in with_inert.judgment.constructs if c.klass == "unmodeled"]
