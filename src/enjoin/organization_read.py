"""The organisation policies of the accounts, read from AWS Organizations: SCPs and RCPs, level by level.

A live run with an organization role (``live.organization`` of enjoin.yaml) reads here what applies to each
account: for every level from the root down to the account (the root, each organisational unit, the account),
the service control policies and the resource control policies attached there. The levels are the
:class:`~enjoin.snapshot.Organization` the engine evaluates (a policy type must allow at every level). Calls, all
through ``backend.client("organizations", ...)`` (the live backend signs them as the organization role):
describe_organization, list_parents, list_policies_for_target (each policy type), describe_policy.

What AWS answers and what it means here:

- AWSOrganizationsNotInUseException (describe_organization): the role's account is in no organisation; no policy
  limits any account.
- ChildNotFoundException (list_parents; moto says AccountNotFoundException): the account is not in this
  organisation; no level of it applies. (Were it in another organisation, whose policies the role cannot read,
  the judgment would lack limits that exist: it can find too much access, never too little.)
- The management account (describe_organization's MasterAccountId): no level of either type, for SCPs do not
  affect its users and roles and RCPs do not affect its resources.
- PolicyTypeNotEnabledException (list_policies_for_target): the type is not enabled in the organisation, so it
  limits nothing (RCPs are off until enabled); no level of that type.
- Anything else (AccessDenied, throttling past the retries) is an InventoryError: a missing SCP must not read as
  no SCP.

The inventory's own reader (``enjoin.inventory._read_organization``) reads SCPs only, with each account's client;
this one is what the live backend needs, and the inventory's could become it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.errors import InventoryError
from enjoin.inventory_calls import call, document
from enjoin.snapshot import Document, Organization

SOURCE = "organizations"
# AWS answers ChildNotFoundException for an account outside the organisation; moto 5.2.1 AccountNotFoundException.
_NOT_A_MEMBER = frozenset({"ChildNotFoundException", "AccountNotFoundException"})
_TYPES = {"scps": "SERVICE_CONTROL_POLICY", "rcps": "RESOURCE_CONTROL_POLICY"}


def read_organization(backend: Backend, accounts: Sequence[str], region: str) -> Organization:
    """SCPs and RCPs per account, levels root first and account last (see the module docstring).

    Raises:
        InventoryError: a read failed, or a policy's content is not a JSON policy document.
    """
    org = backend.client("organizations", accounts[0], region)
    try:
        described = org.describe_organization()["Organization"]
        org_id = described["Id"]
        management = described.get("MasterAccountId")
    except ClientError as exc:
        if _code(exc) == "AWSOrganizationsNotInUseException":
            return Organization(source=SOURCE)
        raise _failure("organizations describe_organization", exc) from None
    except BotoCoreError as exc:
        raise InventoryError("organizations describe_organization", "a reachable backend", str(exc)) from None
    documents: dict[str, Document] = {}  # policy id -> document: a policy attached at many levels is read once
    levels: dict[str, dict[str, tuple[tuple[Document, ...], ...]]] = {kind: {} for kind in _TYPES}
    names: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {kind: {} for kind in _TYPES}
    paths: dict[str, str] = {}
    for account in accounts:
        chain = _chain(org, account)
        if chain is None:
            continue
        paths[account] = f"{org_id}/" + "".join(f"{target}/" for target in reversed(chain[1:]))
        if account == management:
            # Neither type limits the management account: "SCPs don't affect users or roles in the management
            # account" and "RCPs don't affect resources in the management account" (AWS Organizations User Guide,
            # orgs_manage_policies_scps.html, orgs_manage_policies_rcps.html). Its path still names the organisation.
            continue
        for kind, policy_type in _TYPES.items():
            found = [_attached(org, target, policy_type, documents) for target in reversed(chain)]
            if all(level is not None for level in found):
                levels[kind][account] = tuple(tuple(doc for doc, _ in level) for level in found if level is not None)
                names[kind][account] = tuple(tuple(name for _, name in level) for level in found if level is not None)
    return Organization(org_id=org_id, scps=levels["scps"], rcps=levels["rcps"], paths=paths, source=SOURCE,
                        scp_names=names["scps"], rcp_names=names["rcps"])


def _chain(org: Any, account: str) -> list[str] | None:
    """The account, then each parent up to the root; None when the account is not in the organisation."""
    chain = [account]
    while True:
        where = f"organizations list_parents {chain[-1]}"
        try:
            parents = _listed(org, "list_parents", "Parents", ChildId=chain[-1])
        except ClientError as exc:
            if _code(exc) in _NOT_A_MEMBER and len(chain) == 1:
                return None
            raise _failure(where, exc) from None
        if len(parents) != 1:
            raise InventoryError(where, "exactly one parent", str(len(parents)))
        chain.append(parents[0]["Id"])
        if parents[0]["Type"] == "ROOT":
            return chain


def _attached(
    org: Any, target: str, policy_type: str, documents: dict[str, Document]
) -> tuple[tuple[Document, str], ...] | None:
    """The documents of the policies of ``policy_type`` attached to ``target``, each with its name and id as a
    reader of the organisation finds it ("DenyS3 (p-...)"); None: the type is not enabled."""
    where = f"organizations list_policies_for_target {target} {policy_type}"
    try:
        listed = _listed(org, "list_policies_for_target", "Policies", TargetId=target, Filter=policy_type)
    except ClientError as exc:
        if _code(exc) == "PolicyTypeNotEnabledException":
            return None
        raise _failure(where, exc) from None
    out = []
    for summary in sorted(listed, key=lambda p: p["Id"]):
        policy_id = summary["Id"]
        if policy_id not in documents:
            described = call(f"organizations describe_policy {policy_id}", org.describe_policy, PolicyId=policy_id)
            documents[policy_id] = document(described["Policy"]["Content"], f"{policy_type} {policy_id}")
        out.append((documents[policy_id], f"{summary.get('Name') or policy_id} ({policy_id})"))
    return tuple(out)


def _listed(org: Any, operation: str, items: str, **kwargs: Any) -> list[Any]:
    """Every item of a paginated listing; an AWS error answer is raised as botocore raises it."""
    try:
        return [item for page in org.get_paginator(operation).paginate(**kwargs) for item in page.get(items, [])]
    except BotoCoreError as exc:
        raise InventoryError(f"organizations {operation}", "a reachable backend", str(exc)) from None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _failure(where: str, exc: ClientError) -> InventoryError:
    error = exc.response.get("Error", {})
    return InventoryError(where, "a successful read-only call", f"{error.get('Code')}: {error.get('Message')}")
