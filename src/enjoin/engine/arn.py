"""ARNs of the principals the engine reasons about, and the account of a resource.

A request's principal is an IAM user, a role (meaning a session of that role, its session name
unknown unless ``principal_id`` carries it) or an assumed-role session. This module turns the ARN into
a :class:`Caller` once (cached), so the hot path never parses strings.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

_ACCOUNT = re.compile(r"\d{12}")
# The resource of a service-linked role's ARN begins so: AWS creates them under this path.
SERVICE_ROLE_PATH = "role/aws-service-role/"


class CallerKind(enum.Enum):
    """What kind of principal makes the request."""

    # An IAM user, signing with its own long-term credentials.
    USER = "User"
    # A session of an IAM role (assumed with sts:AssumeRole*).
    ROLE_SESSION = "AssumedRole"


# Compared and hashed by identity (parse_caller memoises them): callers key per-caller caches on the
# hot path, where hashing eight fields per lookup would cost more than the lookup saves.
@dataclass(frozen=True, slots=True, eq=False)
class Caller:
    """The requesting principal, parsed.

    Attributes:
        kind: user or role session.
        partition: ``aws``, ``aws-cn``, ``aws-us-gov``...
        account: the 12-digit account id.
        arn: the user ARN, or for a session the role ARN (with its path when the request gave the
            role ARN; without when it gave only the session ARN, which does not carry the path).
        name: the user name or the role name.
        session_name: the role session name, when known.
        session_arn: ``arn:aws:sts::111:assumed-role/Role/session``, when the session name is known.
        principal_id: the unique id as ``aws:userid`` shows it (``AIDA...`` for a user,
            ``AROA...:session`` for a session), when known.
    """

    kind: CallerKind
    partition: str
    account: str
    arn: str
    name: str
    session_name: str | None
    session_arn: str | None
    principal_id: str | None

    @property
    def is_session(self) -> bool:
        """Whether the caller is a role session."""
        return self.kind is CallerKind.ROLE_SESSION

    @property
    def is_service_linked(self) -> bool:
        """Whether the caller is a session of a service-linked role: a role whose ARN has the path
        ``/aws-service-role/`` (IAM User Guide, "Using service-linked roles"). Only a role ARN
        shows the path; an assumed-role session ARN does not, and is not taken for one."""
        return self.kind is CallerKind.ROLE_SESSION and self.arn.split(":", 5)[-1].startswith(SERVICE_ROLE_PATH)


def split_arn(arn: str) -> list[str] | None:
    """The six components of an ARN (the last may hold colons), or None when it is not an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts


def arn_problem(arn: str) -> str | None:
    """Why ``arn`` is not an ARN the engine can read, or ``None`` when it is one.

    An ARN is ``arn:partition:service:region:account:resource``: six parts, of which the partition,
    the service and the resource may not be empty (region and account may, as in S3's).
    """
    parts = arn.split(":", 5)
    if parts[0] != "arn":
        return "it does not begin with 'arn:'"
    if len(parts) != 6:
        return f"{len(parts)} of the 6 colon-separated parts"
    for name, part in (("partition", parts[1]), ("service", parts[2]), ("resource", parts[5])):
        if not part:
            return f"an empty {name}"
    return None


def principal_problem(principal: str) -> str | None:
    """Why the engine cannot read ``principal`` as the requester of a request, or ``None``.

    ``None`` for what :func:`parse_caller` reads (a user, a role, an assumed-role session) and for
    the account root user and a federated user session, which it recognizes and answers
    INDETERMINATE about; a reason for anything else, which is a mistake in the request, not a
    question the engine could answer.
    """
    problem = arn_problem(principal)
    if problem is not None:
        return problem
    _, _, service, _, account, resource = principal.split(":", 5)
    if not is_account_id(account):
        return "no 12-digit account id"
    if service == "iam" and resource == "root":
        return None
    if service == "iam" and resource in ("user", "role"):
        return f"no {resource} name"
    for kind, prefix in (("user", "user/"), ("role", "role/"), ("federated user", "federated-user/")):
        if service == ("sts" if kind == "federated user" else "iam") and resource.startswith(prefix):
            return None if resource.rsplit("/", 1)[1] else f"no {kind} name"
    if service == "sts" and resource.startswith("assumed-role/"):
        pieces = resource.split("/")
        return None if len(pieces) == 3 and all(pieces) else "not assumed-role/ROLE/SESSION"
    return "not an IAM user, a role, an assumed-role session, the root user or a federated user"


def is_account_id(value: str) -> bool:
    """Whether ``value`` is a 12-digit AWS account id."""
    return _ACCOUNT.fullmatch(value) is not None


@functools.lru_cache(maxsize=65536)
def parse_caller(principal: str, principal_id: str | None = None) -> Caller | str:
    """Parse the request's principal; returns the Caller, or a reason string when unsupported."""
    parts = split_arn(principal)
    if parts is None:
        return f"principal {principal!r} is not an ARN"
    _, partition, service, _region, account, resource = parts
    if not is_account_id(account):
        return f"principal {principal!r} has no 12-digit account id"
    if service == "iam" and resource.startswith("user/"):
        name = resource.rsplit("/", 1)[1]
        if not name:
            return f"principal {principal!r} has no user name"
        pid = principal_id or None
        return Caller(CallerKind.USER, partition, account, principal, name, None, None, pid)
    if service == "iam" and resource.startswith("role/"):
        name = resource.rsplit("/", 1)[1]
        if not name:
            return f"principal {principal!r} has no role name"
        session: str | None = None
        pid = principal_id or None
        if pid and ":" in pid:
            session = pid.split(":", 1)[1] or None
        session_arn = f"arn:{partition}:sts::{account}:assumed-role/{name}/{session}" if session else None
        return Caller(CallerKind.ROLE_SESSION, partition, account, principal, name, session, session_arn, pid)
    if service == "sts" and resource.startswith("assumed-role/"):
        pieces = resource.split("/")
        if len(pieces) != 3 or not pieces[1] or not pieces[2]:
            return f"principal {principal!r} is not arn:...:sts::ACCOUNT:assumed-role/ROLE/SESSION"
        name, session = pieces[1], pieces[2]
        role_arn = f"arn:{partition}:iam::{account}:role/{name}"
        pid = principal_id or None
        if pid and ":" not in pid:
            pid = f"{pid}:{session}"
        return Caller(CallerKind.ROLE_SESSION, partition, account, role_arn, name, session, principal, pid)
    if service == "iam" and resource == "root":
        return "the account root user is not supported (it is not limited by identity policies)"
    if service == "sts" and resource.startswith("federated-user/"):
        return "federated user sessions (sts:GetFederationToken) are not supported"
    return f"principal {principal!r} is not an IAM user, role or assumed-role session ARN"
