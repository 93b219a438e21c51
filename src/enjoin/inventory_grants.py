"""A customer managed key's KMS grants, read with ``kms:ListGrants`` (metadata only: grantee, operations,
constraints; never a grant token, which only CreateGrant returns, and no key material).

"Grants in AWS KMS" (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html): "When authorizing
access to a KMS key, grants are considered along with key policies and IAM policies", so a key whose grants
cannot be read leaves in doubt who may decrypt what it protects: a refused ListGrants is a gap on the key, as
a refused GetKeyPolicy is. AWS managed keys are not read: their grants are the services' own, made on a
caller's behalf, and reach already lets the AWS managed key serve its own account only.
"""

from __future__ import annotations

from typing import Any

from enjoin.inventory_calls import ReadDenied, gap, pages
from enjoin.snapshot import Construct, Grant

# The constraint kinds reach evaluates; any other (SourceArn, and whatever AWS adds) is kept by name.
_CONTEXT = {"EncryptionContextEquals": "context_equals", "EncryptionContextSubset": "context_subset"}


def read_key_grants(
    kms: Any, where: str, account: str, key_arn: str, key_id: str, gaps: list[Construct] | None
) -> tuple[Grant, ...]:
    """The key's grants; a refusal becomes a gap on the key (or fails the read when ``gaps`` is None)."""
    try:
        found = pages(f"{where}: list_grants {key_id}", kms.list_grants, "Grants", "NextMarker", "Marker", KeyId=key_id)
    except ReadDenied as denied:
        if gaps is None:
            raise
        gaps.append(gap(denied, account, "kms:ListGrants", key_arn, keys=(key_arn,)))
        return ()
    return tuple(sorted((_grant(entry) for entry in found), key=lambda g: g.grant_id))


def _grant(entry: Any) -> Grant:
    constraints = entry.get("Constraints") or {}
    context: dict[str, dict[str, str] | None] = {field: None for field in _CONTEXT.values()}
    other: list[str] = []
    for kind, value in constraints.items():
        if kind in _CONTEXT:
            context[_CONTEXT[kind]] = {str(k): str(v) for k, v in (value or {}).items()}
        else:
            other.append(str(kind))
    return Grant(
        grant_id=str(entry.get("GrantId", "")),
        grantee=str(entry.get("GranteePrincipal", "")),
        operations=tuple(sorted(str(op) for op in entry.get("Operations", []))),
        name=str(entry.get("Name") or ""),
        retiring=str(entry.get("RetiringPrincipal") or ""),
        context_equals=context["context_equals"],
        context_subset=context["context_subset"],
        other_constraints=tuple(sorted(other)),
    )
