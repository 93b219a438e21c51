"""What the hand-built reach tests of one bucket share: CMS (the bucket's account) and DHS (the party), the claims
holding, Steward (a CMS role DHS assumes), and the policy documents they write."""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach_model import Reach

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
STEWARD = f"arn:aws:iam::{CMS}:role/Steward"
DHS_READER = f"arn:aws:iam::{DHS}:role/DhsReader"
BUCKET = "arn:aws:s3:::claims"
KEY = f"arn:aws:kms:{REGION}:{CMS}:key/k1"
PARTY = Party("DHS", accounts=(DHS,))
CLAIMS = Holding(f"{BUCKET}/*", "medicaid", ("all",), ("all",), ("ssn",))


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# A key policy statement that lets CMS's IAM policies decide the key's use.
ENABLE_IAM = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "kms:*", "Resource": "*"}
# Steward's trust policy: DHS's account may assume it.
TRUST_DHS = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"})


def steps(found: Reach) -> list[list[tuple[str, str, str]]]:
    """Each access's hops as (principal, action, resource)."""
    return [[(h.principal, h.action, h.resource) for h in a.hops] for a in found.accesses]
