"""The organisation policies (SCPs, RCPs) of a deployment, built from the config.

The config's ``organization.scps`` (and ``rcps``) are files, not stacks.
moto's Organizations cannot create accounts with chosen ids, so deploy builds the
:class:`~enjoin.snapshot.Organization` from the config: each target account gets two levels, the
root (FullAWSAccess, AWS's default there, or RCPFullAWSAccess for RCPs) and the account itself
with exactly the policies the config attaches to it. An SCP must allow at every level, so a config
that attaches only Deny statements to an account allows nothing there, as AWS would: attach
FullAWSAccess explicitly where it is attached in the organisation. Accounts no file targets get no
levels (no organisation policy limits them).

A Terraform plan's own SCPs and RCPs (:mod:`enjoin.iac.terraform.organization`), and a template's
(:mod:`enjoin.iac.cloudformation.organization`), join the level of the account they are attached to, after the
config's files. An account the config attaches nothing to has, besides them, what AWS
attaches to every account once the policy type is enabled: FullAWSAccess (or RCPFullAWSAccess), which for SCPs
AWS attaches "to every root, OU, and account" and which for RCPs cannot be detached
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html,
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html). An account
enjoin.yaml's ``accounts:`` does not name is not deployed: a plan's policy there limits no account enjoin judges.
The same document both in a file of the config and in a plan is refused: the agency's review would read one
guardrail in two places, and a later edit of one of them would be hidden by the other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from enjoin.config_model import Config, ScpAttachment
from enjoin.errors import DeployError
from enjoin.iac.terraform.organization import CodePolicy
from enjoin.snapshot import Document, Organization

_FULL_AWS_ACCESS: Document = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
_RCP_FULL_AWS_ACCESS: Document = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "RCPFullAWSAccess", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    ],
}


def organization_from_config(config: Config, code: Sequence[CodePolicy] = ()) -> Organization:
    """The organisation policies the config attaches, as levels per account (see the module docstring); each
    named by its file, as enjoin.yaml gives it, and the root's by what AWS attaches there; ``code``: the policies
    the deployment's plans and templates attach to accounts.

    Raises:
        DeployError: a policy file that is missing or no policy document; a plan's policy whose document a file
            of the config also holds.
    """
    scps, scp_names = _levels(config.scps, _FULL_AWS_ACCESS, "FullAWSAccess (AWS's default at the root)", config,
                              [c for c in code if c.kind == "scps"], "FullAWSAccess")
    rcps, rcp_names = _levels(
        config.rcps, _RCP_FULL_AWS_ACCESS, "RCPFullAWSAccess (AWS's default at the root)", config,
        [c for c in code if c.kind == "rcps"], "RCPFullAWSAccess",
    )
    return Organization(scps=scps, rcps=rcps, scp_names=scp_names, rcp_names=rcp_names)


Levels = dict[str, tuple[tuple[Document, ...], ...]]
Names = dict[str, tuple[tuple[str, ...], ...]]


def _levels(
    attachments: tuple[ScpAttachment, ...], root: Document, root_name: str, config: Config,
    code: Sequence[CodePolicy] = (), default: str = "",
) -> tuple[Levels, Names]:
    attached: dict[str, list[tuple[Document, str]]] = {}
    files: list[tuple[Document, str]] = []
    for attachment in attachments:
        document = _policy_file(attachment, config)
        files.append((document, _file_name(attachment, config)))
        for account in attachment.targets:
            attached.setdefault(account, []).append((document, _file_name(attachment, config)))
    named = set(config.accounts.values())
    for policy in code:
        twin = next((name for document, name in files if document == policy.document), None)
        if twin is not None:
            raise DeployError(f"{policy.plan}: {policy.policy}, attribute content",
                              "an organisation policy written once: in the plan or under enjoin.yaml's organization:",
                              f"the document of {twin}, which enjoin.yaml lists too")
        if policy.account not in named:
            continue
        level = attached.get(policy.account)
        if level is None:  # what AWS attaches to the account itself, the config saying nothing of it
            level = attached[policy.account] = [(root, f"{default} (AWS's default on the account)")]
        shown = os.path.relpath(policy.plan, Path(config.path).parent)
        level.append((policy.document, f"{shown}: {policy.policy} (attached by {policy.attachment})"))
    levels: Levels = {account: ((root,), tuple(doc for doc, _ in docs)) for account, docs in attached.items()}
    names: Names = {account: ((root_name,), tuple(name for _, name in docs)) for account, docs in attached.items()}
    return levels, names


def _file_name(attachment: ScpAttachment, config: Config) -> str:
    """The policy file as a reader of enjoin.yaml finds it: relative to the configuration's directory."""
    return os.path.relpath(attachment.path, Path(config.path).parent)


def _policy_file(attachment: ScpAttachment, config: Config) -> Document:
    written = attachment.where or (
        f"{config.path}: line {attachment.line}" if attachment.line else str(config.path)
    )
    where = f"{written}: {attachment.path}"
    try:
        document = json.loads(attachment.path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployError(where, "an organisation policy file (JSON)", "no such file") from None
    except json.JSONDecodeError as exc:
        raise DeployError(
            f"{attachment.path}: line {exc.lineno}", "a policy document in JSON", exc.msg
        ) from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise DeployError(str(attachment.path), "a policy document with a Statement", repr(document)[:200])
    return document
