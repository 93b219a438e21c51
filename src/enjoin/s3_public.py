"""S3's definition of a public bucket policy ("The meaning of 'public'", Amazon S3 User Guide, Blocking public
access to your Amazon S3 storage), shared by the template validation (S3-POLICY-PUBLIC-BLOCKED) and reach
(RestrictPublicBuckets).

A statement is public unless its principal is fixed (no wildcard, not federated) or a condition limits it
to fixed values of one of the keys the definition lists. :func:`statement_public` answers True only when a
statement is certainly public: a value enjoin cannot know (``UNKNOWN``, or a string holding ``FIXED``, a
value fixed but not known before deploying) never makes it so.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()  # a value enjoin cannot know before deploying
FIXED = "\x00fixed\x00"  # stands in a resolved string for a value that is fixed but unknown (an account id)

# Condition keys whose fixed values make a statement non-public ("The meaning of 'public'", bucket policies),
# lower case: IAM compares condition keys case-insensitively.
_LIMITING_KEYS = {
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    # "An AWS principal, user, role, or service principal (e.g. aws:PrincipalOrgID)"
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
}
_LIMITING_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
_ROLE_SESSIONS = re.compile(r"^AROA[A-Z0-9]+:\*$")  # aws:userid "AROLEID:*": a role's sessions
_ACCESS_POINT = re.compile(r"^arn:[^:*?]+:s3:[^:*?]+:(\d{12}|" + re.escape(FIXED) + r"):accesspoint/[^:]*$")


def _wildcard(value: str) -> bool:
    """A value that is not fixed: it has a wildcard or a policy variable."""
    return "*" in value or "?" in value or "${" in value


def _principal_public(principal: Any) -> bool | None:
    """True: the principal is public (a wildcard, federated); False: fixed; None: not known."""
    if principal is UNKNOWN:
        return None
    if isinstance(principal, str):
        return _wildcard(principal)
    if not isinstance(principal, dict):
        return None
    public: bool | None = False
    for kind, values in principal.items():
        listed = values if isinstance(values, list) else [values]
        if kind == "Federated" and listed:
            return True  # the doc's first public example: a federated principal
        for value in listed:
            if not isinstance(value, str):
                public = None
            elif _wildcard(value):
                return True
    return public


def _limiting(operator: str, key: str, values: Any) -> bool | None:
    """Does one condition limit the statement to fixed values? None: not known."""
    op = operator.lower()
    if op.startswith("foranyvalue:"):
        op = op.removeprefix("foranyvalue:")
    if op not in _LIMITING_OPERATORS or key.lower() not in _LIMITING_KEYS:
        return False
    if op == "ipaddress" and key.lower() != "aws:sourceip":
        return False
    listed = values if isinstance(values, list) else [values]
    if not listed:
        return False
    known = True
    for value in listed:
        if value is UNKNOWN or (isinstance(value, str) and FIXED in value and key.lower() == "aws:sourceip"):
            known = False
            continue
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                continue  # a number is a fixed value
            return False
        if key.lower() == "aws:sourceip":
            if not _narrow_cidr(value):
                return False
        elif _fixed_pattern(key.lower(), value):
            continue
        elif _wildcard(value):
            return False
    return True if known else None


def _fixed_pattern(key: str, value: str) -> bool:
    """The two wildcards the doc allows: a role's sessions in aws:userid, any access point of a fixed account."""
    if key == "aws:userid":
        return _ROLE_SESSIONS.match(value) is not None
    return key == "s3:dataaccesspointarn" and _ACCESS_POINT.match(value) is not None


def _narrow_cidr(value: str) -> bool:
    """A CIDR no broader than /8 (IPv4) or /32 (IPv6); RFC 1918 ranges are not broad."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    if network.version == 4:
        private = any(
            network.subnet_of(ipaddress.IPv4Network(r)) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
        )
        return private or network.prefixlen >= 8
    return network.prefixlen >= 32


def statement_public(statement: Any) -> bool:
    """True only when the statement is certainly public by S3's definition."""
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        principal_public: bool | None = True
    else:
        principal_public = _principal_public(statement.get("Principal", UNKNOWN))
    if principal_public is not True:
        return False
    conditions = statement.get("Condition")
    if conditions is None:
        return True
    if not isinstance(conditions, dict):
        return False
    for operator, block in conditions.items():
        if not isinstance(block, dict):
            return False
        for key, values in block.items():
            limits = _limiting(str(operator), str(key), values)
            if limits is not False:
                return False  # limited to fixed values, or perhaps: not certainly public
    return True


def policy_public(document: Any) -> bool:
    """Whether a bucket policy document is certainly public: some Allow statement is."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    listed = statements if isinstance(statements, list) else [statements]
    return any(statement_public(s) for s in listed)
