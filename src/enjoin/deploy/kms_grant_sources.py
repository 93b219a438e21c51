"""Where a KMS grant a plan declared is written: the ``aws_kms_grant`` address and its line in the plan.

Reach labels the policy that opens a key through a grant ``key policy of <key> with KMS grant <id> on <key>``
(:mod:`enjoin.reach_grants`): the key policy's statements, then one for the grant. The grant's id is minted at
CreateGrant, so a grant read back is matched to the request the plan made (:mod:`enjoin.iac.terraform.applied`) by
its key, and its name, operations, constraints and grantee where the request wrote them as text; a grant that more
than one request could have made is left without a source, as a report says rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from enjoin.deploy.stack import DeployedStack
from enjoin.iac.terraform.translate import PlanTemplate
from enjoin.reach_grants import grant_label
from enjoin.snapshot import Grant, PolicySource, Snapshot
from enjoin.yamlload import shown_path


def grant_sources(stack: DeployedStack, snapshot: Snapshot, written: Iterable[PolicySource]) -> Iterator[PolicySource]:
    """A source per grant of the stack's plan read back, after the key policy's own (``written``)."""
    template = stack.template
    if not isinstance(template, PlanTemplate) or not template.applied:
        return
    key_policies = {s.policy: s for s in written}
    file = shown_path(template.path)
    for key in snapshot.keys:
        for grant in key.grants:
            made = [
                address
                for address, call, request in template.applied
                if call == "kms:CreateGrant" and _made(stack, key.key_id, key.arn, grant, request)
            ]
            if len(made) != 1:
                continue
            line = template.address_line(made[0])
            base = key_policies.get(f"key policy of {key.arn}")
            statements = (*base.statements, line) if base is not None and base.statements and line else ()
            yield PolicySource(
                f"key policy of {key.arn} with {grant_label(grant, key)}", file, made[0], line, statements
            )


def _made(stack: DeployedStack, key_id: str, key_arn: str, grant: Grant, request: dict[str, Any]) -> bool:
    ref = request.get("KeyId")
    physical = stack.resources.get(ref["Ref"]) if isinstance(ref, dict) and "Ref" in ref else ref
    if physical not in (key_id, key_arn):
        return False
    grantee = request.get("GranteePrincipal")
    constraints = request.get("Constraints") or {}
    return (
        (not isinstance(grantee, str) or grantee == grant.grantee)
        and sorted(request.get("Operations", [])) == sorted(grant.operations)
        and request.get("Name", "") == grant.name
        and constraints.get("EncryptionContextEquals") == grant.context_equals
        and constraints.get("EncryptionContextSubset") == grant.context_subset
    )
