"""Organisation policies (SCPs, RCPs) a Terraform plan writes: taken as if enjoin.yaml's ``organization:`` listed them.

An ``aws_organizations_policy`` is a document; an ``aws_organizations_policy_attachment`` puts it on a target
(``target_id``: an account id, an OU ``ou-...`` or the root ``r-...``; its ``policy_id`` a reference to the
policy, whose id is known only after apply). The engine's organisation model (:mod:`enjoin.deploy.organization`)
has two levels per account, the root and the account itself, and AWS requires every level on the path from the
root to the account to allow (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html;
RCPs the same: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html).
So a policy of the plan attached to an account by its id joins that account's own level, next to what enjoin.yaml
attaches there, when enjoin.yaml's ``accounts:`` names the account (:mod:`enjoin.deploy.organization`; an account it
does not name gets no level, as with ``organization:``, whose targets are names of ``accounts:``).

What is not taken stays a construct of the plan, each one named with its reason:

- a policy of another type (tag, backup, AI services opt-out, chatbot, declarative policies...) is inert: those
  types are not part of any authorization decision (``organization_policy_types.yaml`` gives the reason per type);
  a type that table does not name is unmodeled for all;
- a ``content`` known only after apply, a ``policy_id`` that is not a reference to a policy of the plan, a target
  that is an OU, the root, or a value known only after apply: unmodeled for all (INDETERMINATE), the reason naming
  the address and the target. enjoin.yaml's ``organization:`` section says which accounts a file targets, never
  where an account sits in the organisation, so the accounts under an OU or the root are not known: never guessed.
- a policy attached to nothing in the plan is inert (it is on no account's level).

A ``content`` that is not a JSON policy document is a :class:`~enjoin.errors.DeployError` naming the plan, the
address and ``content``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from enjoin.config_model import Template
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.terraform.plan import Instance, Plan
from enjoin.iac.terraform.references import follow, specific
from enjoin.yamlload import parse_yaml

POLICY = "aws_organizations_policy"
ATTACHMENT = "aws_organizations_policy_attachment"
_TAKEN = {"SERVICE_CONTROL_POLICY": "scps", "RESOURCE_CONTROL_POLICY": "rcps"}
_SHOWN = {"scps": "SCP", "rcps": "RCP"}
_ACCOUNT = re.compile(r"^\d{12}$")
_TYPES_FILE = "organization_policy_types.yaml"


@dataclass(frozen=True, slots=True)
class CodePolicy:
    """A policy of the plan on one account's own level."""

    kind: str  # "scps" | "rcps"
    account: str  # the 12-digit account id
    document: dict[str, Any]
    plan: Path
    policy: str  # the policy's address
    attachment: str  # the attachment's address


@functools.cache
def inert_types() -> dict[str, str]:
    """The policy types that are no authorization policy -> the reason (and the AWS page saying so)."""
    resource = resources.files(__package__ or "enjoin.iac.terraform").joinpath(_TYPES_FILE)
    doc = parse_yaml(resource.read_text(encoding="utf-8"), Path(str(resource)), DeployError)
    rows = doc.value.get("inert") if isinstance(doc.value, dict) else None
    if not isinstance(rows, dict) or not all(isinstance(r, str) and "https://docs.aws.amazon.com/" in r
                                             for r in rows.values()):
        raise DeployError(doc.shown, "inert: policy type -> its reason, citing the AWS page", repr(rows)[:200])
    return {str(k): str(v) for k, v in rows.items()}


def organization_policies(plan: Plan, entry: Template) -> tuple[tuple[CodePolicy, ...], dict[str, tuple[Class, str]]]:
    """The policies of the plan taken into accounts' levels, and how every organisation policy and attachment of
    the plan is classified instead of by classification.yaml: address -> (class, reason).

    Raises:
        DeployError: a policy's ``content`` (or ``type``) that is not what AWS accepts, naming plan and address.
    """
    accounts = {entry.account, *entry.providers.values()}
    policies = {i.address: i for i in plan.instances if i.mode == "managed" and i.type == POLICY}
    attachments = [i for i in plan.instances if i.mode == "managed" and i.type == ATTACHMENT]
    classes: dict[str, tuple[Class, str]] = {}
    documents: dict[str, tuple[str, dict[str, Any]]] = {}  # policy address -> (kind, document)
    for address, policy in policies.items():
        first, second = _policy(plan, policy)
        if isinstance(first, Class):
            classes[address] = (first, str(second))
        else:
            documents[address] = (first, dict(second))
    taken: list[CodePolicy] = []
    attached: set[str] = set()
    for attachment in attachments:
        address = attachment.address
        target = follow(plan, attachment, ("policy_id",))
        policy_address = target.address if target is not None and target.address in policies else None
        if policy_address is None:
            given = attachment.values.get("policy_id")
            shown = repr(given) if given is not None else _refs(attachment, "policy_id")
            classes[address] = (Class.UNMODELED, f"{ATTACHMENT} left out: policy_id {shown} is no policy of this "
                                                 "plan, so its content is not known")
            continue
        attached.add(policy_address)
        if policy_address in classes:  # the policy is inert or left out: so is its attachment
            klass, reason = classes[policy_address]
            classes[address] = (klass, f"attaches {policy_address}: {reason}")
            continue
        target_id = attachment.values.get("target_id")
        if _unknown(attachment, "target_id") or not isinstance(target_id, str):
            classes[address] = (Class.UNMODELED, f"{ATTACHMENT} left out: target_id known only after apply "
                                                 f"({_refs(attachment, 'target_id')}): which accounts it puts "
                                                 f"{policy_address} on is not known")
            continue
        if not _ACCOUNT.match(target_id):
            what = "the root" if target_id.startswith("r-") else "an OU" if target_id.startswith("ou-") else "a target"
            classes[address] = (Class.UNMODELED, f"{ATTACHMENT} left out: target_id {target_id} is {what}; the "
                                                 f"accounts under it are not known, so the levels {policy_address} "
                                                 "joins are not either")
            continue
        kind, document = documents[policy_address]
        taken.append(CodePolicy(kind, target_id, document, plan.path, policy_address, address))
        classes[address] = (Class.INERT, f"taken: attaches {policy_address} ({_SHOWN[kind]}) at the level of "
                                         f"account {target_id}, as enjoin.yaml's organization: would"
                                         + ("" if target_id in accounts else
                                            " (if enjoin.yaml's accounts: names it: an account it does not name "
                                            "has no level, as an account outside the organisation)"))
    for address, (kind, _) in documents.items():
        on = sorted(p.account for p in taken if p.policy == address)
        if on:
            classes[address] = (Class.INERT, f"taken: an {_SHOWN[kind]} on the level of account "
                                             f"{', '.join(on)}, as enjoin.yaml's organization: would")
        elif address not in attached:
            classes[address] = (Class.INERT, f"an {_SHOWN[kind]} this plan attaches to nothing: on no level")
        else:
            classes[address] = (Class.INERT, f"an {_SHOWN[kind]} whose attachments are left out (named there)")
    return tuple(taken), classes


def _policy(plan: Plan, policy: Instance) -> tuple[Class | str, Any]:
    """(kind, document) of a policy taken; (class, reason) of one that is not."""
    address = policy.address
    if _unknown(policy, "type"):
        return Class.UNMODELED, f"{POLICY} left out: type known only after apply ({_refs(policy, 'type')})"
    policy_type = policy.values.get("type") or "SERVICE_CONTROL_POLICY"  # the provider's default
    if not isinstance(policy_type, str):
        raise DeployError(plan.where(address, "type"), "a policy type (SERVICE_CONTROL_POLICY...)", repr(policy_type))
    inert = inert_types()
    if policy_type in inert:
        return Class.INERT, f"a {policy_type}: {inert[policy_type]}"
    if policy_type not in _TAKEN:
        return Class.UNMODELED, f"{POLICY} left out: type {policy_type} is not a type enjoin knows"
    if _unknown(policy, "content"):
        return Class.UNMODELED, (f"{POLICY} left out: content known only after apply ({_refs(policy, 'content')}): "
                                 f"the {_SHOWN[_TAKEN[policy_type]]} is not known")
    content = policy.values.get("content")
    if not isinstance(content, str):
        raise DeployError(plan.where(address, "content"), "a policy document in JSON", repr(content)[:200])
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise DeployError(plan.where(address, "content"), "a policy document in JSON",
                          f"{exc.msg} (line {exc.lineno} of the document)") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise DeployError(plan.where(address, "content"), "a policy document with a Statement", content[:200])
    return _TAKEN[policy_type], document


def _unknown(instance: Instance, attribute: str) -> bool:
    unknown = instance.unknown
    return isinstance(unknown, dict) and unknown.get(attribute) is True


def _refs(instance: Instance, attribute: str) -> str:
    config = instance.config
    expression = config.expressions.get(attribute) if config else None
    references = specific(tuple(getattr(expression, "references", ()) or ()))
    return ", ".join(references) or "no reference in the configuration"
