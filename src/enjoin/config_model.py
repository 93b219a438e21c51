"""The user's enjoin.yaml, as frozen values. :mod:`enjoin.config` loads and validates it.

Paths are absolute (resolved against the directory of the enjoin.yaml they came from).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedDecision:
    """The agency's recorded answer to a question the order leaves open (e.g. may ``name`` be shared)."""

    question: str  # "name", "daca", ... (ids of the case's open questions)
    share: str  # "allowed" | "forbidden" (for a field) or the answer the question's vocabulary permits
    basis: str  # the legal basis, required: a decision without one is not a decision


@dataclass(frozen=True, slots=True)
class Template:
    path: Path
    account: str  # the 12-digit account id (short names already resolved)
    parameters: dict[str, str] = field(default_factory=dict)
    line: int = 0  # line in enjoin.yaml, for error messages
    # The service role the stack is deployed with (``aws cloudformation deploy --role-arn``): CloudFormation then
    # makes every call of the stack, on every later update too, with that role's permissions.
    role_arn: str | None = None
    # A Terraform plan's aliased provider configurations ("aws.dhs") -> the account id each deploys into; the
    # plan's default provider configuration deploys into ``account``.
    providers: dict[str, str] = field(default_factory=dict)
    # "file:line: templates[0]" in the file that wrote it (with extends, maybe a base config)
    where: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ScpAttachment:
    """A service (or resource) control policy file attached to accounts."""

    path: Path
    targets: tuple[str, ...]  # account ids
    line: int = 0
    # "file:line: organization.scps[0]" in the file that wrote it
    where: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    accounts: tuple[str, ...] = ()  # account ids: every principal in them belongs to the party
    principals: tuple[str, ...] = ()  # ARN patterns with * and ?
    identity_providers: tuple[str, ...] = ()  # SAML/OIDC provider ARN patterns
    line: int = field(default=0, compare=False)
    # "file:line: parties.DHS" in the file that wrote it
    where: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Holding:
    """What one store (or a set of objects, or a table) holds, as the agency declares it."""

    resource: str  # ARN pattern (* and ?): "arn:aws:s3:::cms-tmsis-eligibility/*"
    program: str
    states: tuple[str, ...]  # two-letter codes; ("all",) for all
    populations: tuple[str, ...]  # vocabulary populations; ("all",) for all
    fields: tuple[str, ...]
    columns: dict[str, tuple[str, ...]] | None = None  # table column -> fields
    line: int = 0
    # "file:line: holdings[2]" in the file that wrote it (with extends, maybe a base config)
    where: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class AuditRole:
    """A role enjoin assumes to read an account (or the organisation) on a live run."""

    role_arn: str  # arn:aws:iam::111111111111:role/enjoin-audit
    external_id: str | None = None  # sts:AssumeRole's ExternalId, when the role's trust policy requires one
    # "file:line: live.accounts.cms" in the file that wrote it
    where: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """The ``live:`` section: how the live backend reads the accounts (README, "Nightly")."""

    accounts: dict[str, AuditRole]  # 12-digit account id -> the audit role assumed there (every account has one)
    region: str  # the region of the STS and Organizations calls
    organization: AuditRole | None = None  # the role SCPs and RCPs are read through; None: from organization:
    where: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Config:
    path: Path  # the enjoin.yaml itself
    case: str  # a shipped case name, or the absolute path of a case file
    as_of: _dt.date
    region: str
    accounts: dict[str, str]  # short name -> 12-digit id
    templates: tuple[Template, ...]
    scps: tuple[ScpAttachment, ...]
    rcps: tuple[ScpAttachment, ...]
    parties: tuple[Party, ...]
    holdings: tuple[Holding, ...]
    decisions: tuple[RecordedDecision, ...] = ()
    image: str | None = None  # container backend image override
    live: LiveConfig | None = None  # the live backend's audit roles; None when the section is absent
    extra: dict[str, Any] = field(default_factory=dict)
