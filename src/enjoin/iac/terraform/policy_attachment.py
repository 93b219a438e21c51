"""``aws_iam_policy_attachment``: one managed policy attached exclusively to ``roles``, ``users`` and ``groups``, as
CloudFormation writes the same attachments (registered by :mod:`enjoin.iac.terraform.translate`):

- a customer managed policy the plan deploys (``aws_iam_policy``) gets them as its ``Roles``, ``Users`` and
  ``Groups`` (AWS::IAM::ManagedPolicy);
- an AWS managed policy (``arn:<partition>:iam::aws:policy/...``) is added to each entity's ``ManagedPolicyArns``.

Exclusivity: the provider attaches the policy to exactly the entities listed and detaches it from every other
entity of the account ("Across the entire AWS account, all of the users/roles/groups to which a single policy is
attached must be declared by a single aws_iam_policy_attachment resource",
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_policy_attachment). So for that
policy the plan is the whole truth: an attachment made outside the plan does not survive it, and enjoin, which
deploys the plan alone, has none. Another resource of the same plan that attaches the same policy (a role, user
or group policy attachment, a role's ``managed_policy_arns``, a second ``aws_iam_policy_attachment``) conflicts
with it: the provider documents a permanent difference, so which attachments AWS holds depends on the order of
applies. enjoin does not guess it: the attachment is left out, unmodeled, and what it affects is INDETERMINATE.
An entity, or a customer managed policy, that the plan does not deploy into the account leaves it out too.
"""

from __future__ import annotations

import re
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.terraform.references import expression_at, follow, specific
from enjoin.iac.terraform.translate import _MERGERS, _NAME, Unresolved, _at, _refs, _Resource, _Translation

_AWS_MANAGED = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/.+")
# The entity arguments: (argument, Terraform type, the ManagedPolicy property that lists them).
_ENTITIES = (("roles", "aws_iam_role", "Roles"), ("users", "aws_iam_user", "Users"),
             ("groups", "aws_iam_group", "Groups"))
# What else attaches a policy: (Terraform type, the argument naming the policy).
_OTHER_ATTACHMENTS = {"aws_iam_role_policy_attachment": "policy_arn", "aws_iam_user_policy_attachment": "policy_arn",
                      "aws_iam_group_policy_attachment": "policy_arn", "aws_iam_policy_attachment": "policy_arn"}


def _entities(t: _Translation, r: _Resource, attribute: str, into: str) -> list[_Resource]:
    """The resources of type ``into`` a set of names (``roles``) names: by its planned values, or, when known
    only after apply, by the references of its expression."""
    known, listed = _at(r.instance.values, r.instance.unknown, (attribute,))
    if known:
        if listed is None:
            return []
        if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
            raise DeployError(t.plan.where(r.instance.address, attribute), f"a set of {into} names", repr(listed))
        named: list[_Resource] = []
        for name in listed:
            match = [x for x in t.resources.values() if x.instance.type == into and x.account == r.account
                     and x.instance.values.get(_NAME[into]) == name]
            for each in match:
                t._ensure(each)
            if len(match) != 1 or match[0].body is None:
                raise Unresolved(attribute, f"names {name!r}, which is not a {into} this plan deploys into account "
                                 f"{r.account}")
            named.append(match[0])
        return named
    # Known only after apply: every reference of the expression must be a resource of type ``into`` the plan
    # deploys into the account (a variable or another resource could add anyone), and, when the planned set says
    # how many it holds, as many.
    expression = expression_at(r.instance, (attribute,))
    prefix = f"{r.instance.module}." if r.instance.module else ""
    found: list[_Resource] = []
    refs = specific(expression.references) if expression is not None else []
    for ref in refs:
        x: _Resource | None = t.resources.get(prefix + ref) or t.resources.get(prefix + ref.rsplit(".", 1)[0])
        if x is not None and x.instance.type == into:
            t._ensure(x)
        if x is None or x.instance.type != into or x.account != r.account or x.body is None:
            found = []
            break
        if x not in found:
            found.append(x)
    planned = r.instance.values.get(attribute)
    if not found or (isinstance(planned, list) and len(planned) != len(found)):
        raise Unresolved(attribute, f"is known only after apply, and its references ({_refs(expression)}) are not "
                         f"all of type {into} this plan deploys into account {r.account}")
    return found


def _policy(t: _Translation, r: _Resource) -> tuple[str | None, str | None]:
    """(the AWS managed policy's ARN, or None; the address of the plan's aws_iam_policy it names, or None)."""
    known, arn = _at(r.instance.values, r.instance.unknown, ("policy_arn",))
    if known and isinstance(arn, str) and _AWS_MANAGED.fullmatch(arn):
        return arn, None
    target = follow(t.plan, r.instance, ("policy_arn",)) if not known else None
    if target is not None:
        policy = t.resources.get(target.address)
        ok = policy is not None and policy.instance.type == "aws_iam_policy" and policy.account == r.account
        return None, target.address if ok else None
    if known:  # a customer managed policy's ARN, written out: the plan's policy of that name, if any
        for other in t.resources.values():
            name = other.instance.values.get("name")
            path = other.instance.values.get("path") or "/"
            if (other.instance.type == "aws_iam_policy" and other.account == r.account and isinstance(arn, str)
                    and arn.endswith(f":policy{path}{name}") and f"::{r.account}:" in arn):
                return None, other.instance.address
    return None, None


def _conflicts(t: _Translation, r: _Resource, managed: str | None, address: str | None) -> list[str]:
    """The plan's other resources in the same account that attach the same policy."""
    found = []
    for other in t.resources.values():
        if other is r or other.account != r.account or other.instance.mode != "managed":
            continue
        argument = _OTHER_ATTACHMENTS.get(other.instance.type)
        if argument is not None:
            known, arn = _at(other.instance.values, other.instance.unknown, (argument,))
            target = follow(t.plan, other.instance, (argument,)) if not known else None
            if (managed is not None and known and arn == managed) or (
                    address is not None and target is not None and target.address == address):
                found.append(other.instance.address)
        elif other.instance.type == "aws_iam_role" and managed in (other.instance.values.get("managed_policy_arns")
                                                                   or []):
            found.append(other.instance.address)
    return found


def _attach(t: _Translation, r: _Resource) -> list[_Resource]:
    managed, address = _policy(t, r)
    if managed is None and address is None:
        raise Unresolved("policy_arn", "names neither an AWS managed policy nor an aws_iam_policy this plan deploys "
                         f"into account {r.account} ({_refs(expression_at(r.instance, ('policy_arn',)))})")
    conflicts = _conflicts(t, r, managed, address)
    if conflicts:
        raise Unresolved("policy_arn", f"is attached also by {', '.join(sorted(conflicts))}: an exclusive attachment "
                         "and another of the same policy show a permanent difference, and which attachments AWS "
                         "holds depends on the order of applies")
    entities = [(prop, _entities(t, r, attribute, into)) for attribute, into, prop in _ENTITIES]
    written: list[_Resource] = []
    if managed is not None:
        for _, found in entities:
            for entity in found:
                assert entity.body is not None  # _entities keeps translated ones only
                entity.body["Properties"].setdefault("ManagedPolicyArns", []).append(managed)
                entity.attributes["ManagedPolicyArns"] = f"ManagedPolicyArns (from {r.instance.address})"
                written.append(entity)
        return written
    policy = t.resources[str(address)]
    t._ensure(policy)
    if policy.body is None:
        raise Unresolved("policy_arn", f"names {policy.instance.address}, which enjoin does not deploy")
    props: dict[str, Any] = policy.body["Properties"]
    for prop, found in entities:
        if found:
            props.setdefault(prop, []).extend({"Ref": x.logical_id} for x in found)
            policy.attributes[prop] = f"{prop} (from {r.instance.address})"
    return [policy]


_MERGERS["aws_iam_policy_attachment"] = _attach
