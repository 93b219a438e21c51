"""The request context: keys derived from the principal and the resource, plus the caller's keys.

AWS sets some context keys itself from who is calling and what is called (IAM User Guide, "AWS
global condition context keys"); a caller cannot choose them, so the engine derives them from the
request and ignores a ``context`` entry of the same name:

- ``aws:PrincipalArn`` (the ROLE ARN for a role session), ``aws:PrincipalAccount``,
  ``aws:PrincipalType`` (``User`` or ``AssumedRole``), ``aws:PrincipalIsAWSService`` (``false``),
  ``aws:PrincipalTag/*`` (from ``principal_tags``; a tag not listed is absent),
  ``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths`` (absent when not given: not in an organization),
  ``aws:userid`` (from ``principal_id``; unknown when not given), ``aws:username`` (users only),
  ``aws:ResourceAccount``, ``aws:ResourceTag/*`` (from ``resource_tags``), ``kms:CallerAccount``
  (KMS actions only), and ``aws:PrincipalServiceName``/``aws:PrincipalServiceNamesList`` (absent:
  the caller is never an AWS service).

Every other key comes from ``request.context``; key names are case-insensitive.
"""

from __future__ import annotations

from enjoin.engine.arn import Caller, CallerKind
from enjoin.engine.conditions import UNKNOWN_VALUE
from enjoin.engine.model import Request

_PRINCIPAL_TAG = "aws:principaltag/"
_RESOURCE_TAG = "aws:resourcetag/"
TAG_PREFIXES = (_PRINCIPAL_TAG, _RESOURCE_TAG)
FIXED_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:principalisawsservice",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:userid",
        "aws:username",
        "aws:resourceaccount",
        "kms:calleraccount",
        "aws:principalservicename",
        "aws:principalservicenameslist",
    }
)


def is_fixed_key(key_lower: str) -> bool:
    """Whether the engine derives this key from the principal or resource (callers cannot set it)."""
    return key_lower in FIXED_KEYS or key_lower.startswith(TAG_PREFIXES)


def account_of_resource(request: Request, caller: Caller) -> str:
    """The resource's account: as given, else from the resource ARN, else the principal's."""
    if request.resource_account:
        return request.resource_account
    parts = request.resource.split(":", 5)
    if len(parts) == 6 and len(parts[4]) == 12 and parts[4].isdigit() and parts[0] == "arn":
        return parts[4]
    return caller.account


class EvalContext:
    """Looks context keys up for one request: derived keys first, then the caller's context."""

    __slots__ = ("_derived", "_given", "action_lower", "caller", "request", "resource_account")

    def __init__(self, request: Request, caller: Caller, action_lower: str, resource_account: str) -> None:
        self.request = request
        self.caller = caller
        self.action_lower = action_lower
        self.resource_account = resource_account
        self._derived: dict[str, object] | None = None
        self._given: dict[str, object] | None = None

    def derived(self) -> dict[str, object]:
        """The derived keys (lower-cased names); a None value means the key is absent."""
        found = self._derived
        if found is None:
            found = self._derived = derive(
                self.request, self.caller, self.action_lower, self.resource_account
            )
        return found

    def given(self) -> dict[str, object]:
        """The caller-supplied context, keys lower-cased."""
        found = self._given
        if found is None:
            found = self._given = {k.lower(): v for k, v in self.request.context.items()}
        return found

    def lookup(self, key_lower: str) -> object:
        """A key's value: a string, a tuple of strings, None (absent) or UNKNOWN_VALUE."""
        if key_lower in FIXED_KEYS or key_lower.startswith(TAG_PREFIXES):
            derived = self._derived
            if derived is None:
                derived = self.derived()
            return derived.get(key_lower)
        given = self._given
        if given is None:
            given = self.given()
        return given.get(key_lower)


def derive(request: Request, caller: Caller, action_lower: str, resource_account: str) -> dict[str, object]:
    """Compute the derived keys of a request."""
    user = caller.kind is CallerKind.USER
    userid: object = caller.principal_id
    if userid is None or (not user and ":" not in str(userid)):
        userid = UNKNOWN_VALUE
    keys: dict[str, object] = {
        "aws:principalarn": caller.arn,
        "aws:principalaccount": caller.account,
        "aws:principaltype": "User" if user else "AssumedRole",
        "aws:principalisawsservice": "false",
        "aws:principalorgid": request.principal_org_id or None,
        "aws:principalorgpaths": tuple(request.principal_org_paths) or None,
        "aws:userid": userid,
        "aws:username": caller.name if user else None,
        "aws:resourceaccount": resource_account,
        "kms:calleraccount": caller.account if action_lower.startswith("kms:") else None,
        "aws:principalservicename": None,
        "aws:principalservicenameslist": None,
    }
    for tag, value in request.principal_tags.items():
        keys[_PRINCIPAL_TAG + tag.lower()] = value
    for tag, value in request.resource_tags.items():
        keys[_RESOURCE_TAG + tag.lower()] = value
    return keys
