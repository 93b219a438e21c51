"""The request context: keys derived from the principal and the resource, plus the caller's keys.

AWS sets some context keys itself from who is calling and what is called (IAM User Guide, "AWS
global condition context keys"); a caller cannot choose them, so the engine derives them from the
request:

- ``aws:PrincipalArn`` (the ROLE ARN for a role session), ``aws:PrincipalAccount``,
  ``aws:PrincipalType`` (``User`` or ``AssumedRole``), ``aws:PrincipalIsAWSService`` (``false``),
  ``aws:PrincipalTag/*`` (from ``principal_tags``; a tag not listed is absent),
  ``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths`` (absent when not given: not in an organization),
  ``aws:userid`` (from ``principal_id``; unknown when not given), ``aws:username`` (users only),
  ``aws:ResourceAccount``, ``aws:ResourceTag/*`` (from ``resource_tags``), ``kms:CallerAccount``
  (KMS actions only), and ``aws:PrincipalServiceName``/``aws:PrincipalServiceNamesList`` (absent:
  the caller is never an AWS service).

A principal key the case does not fix (``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths``
without ``principal_org_*``, ``aws:userid`` without a known principal id, an ``aws:PrincipalTag/*``
that ``principal_tags`` does not list, the path in ``aws:PrincipalArn`` of a session given by its
session ARN) is taken from ``request.context`` when given there: it
describes the principal, as AWS would put it in the request context. A ``context`` value that
contradicts what the case fixes (:func:`principal_key_conflict`) is a mistake in the case; the
``enjoin decide`` CLI rejects it, and the engine itself keeps the value it derives. The resource
keys (``aws:ResourceAccount``, ``aws:ResourceTag/*``, ``kms:CallerAccount``) are always derived.

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


# Principal keys the case may leave open: when it does, a value in ``request.context`` is used.
SUPPLIABLE_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths", "aws:userid"})


def is_suppliable(key_lower: str) -> bool:
    """Whether a derived key takes its value from ``request.context`` when the case leaves it open."""
    return key_lower in SUPPLIABLE_KEYS or key_lower.startswith(_PRINCIPAL_TAG)


def derive(request: Request, caller: Caller, action_lower: str, resource_account: str) -> dict[str, object]:
    """Compute the derived keys of a request (a principal key the case leaves open from its context)."""
    keys = derive_own(request, caller, action_lower, resource_account)
    if request.context:
        given = {k.lower(): v for k, v in request.context.items()}  # the last spelling wins
        for key_lower, value in given.items():
            if value is not None and is_suppliable(key_lower):  # null: absent, the case's own stays
                own = keys.get(key_lower)
                if own is None or own is UNKNOWN_VALUE:
                    keys[key_lower] = value
        arn = given.get("aws:principalarn")
        if arn is not None and same_principal_arn(arn, caller, request.principal):
            keys["aws:principalarn"] = arn  # a session ARN does not show the role's path; this does
    return keys


def derive_own(request: Request, caller: Caller, action_lower: str, resource_account: str) -> dict[str, object]:
    """The keys the case itself fixes (its principal, its fields), without its ``context``."""
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


# Principal keys whose value the principal's ARN fixes (AWS sets them for every IAM user and role
# session): a ``context`` entry must agree with the derived value.
_FIXED_BY_ARN = ("aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username")
# Keys present only when an AWS service principal calls (never an IAM user or role session).
_SERVICE_ONLY = ("aws:principalservicename", "aws:principalservicenameslist")


def principal_key_conflict(request: Request, caller: Caller) -> tuple[str, str, str] | None:
    """The first ``context`` entry that contradicts what the case fixes of its principal.

    Returns ``(key as written, what the case fixes, what the context gives)``, or None when every
    supplied principal key agrees with the principal's ARN, ``principal_id``, ``principal_org_id``,
    ``principal_org_paths`` and ``principal_tags`` (or names what the case leaves open).
    """
    own = derive_own(request, caller, "", caller.account)
    who = f"the principal {request.principal}"
    for key, raw in request.context.items():
        key_lower = key.lower()
        value = raw[0] if isinstance(raw, tuple) and len(raw) == 1 else raw
        expected: str | None = None
        if key_lower == "aws:principalarn":
            if not same_principal_arn(value, caller, request.principal):
                expected = f"{caller.arn!r}, as {who} fixes it"
        elif key_lower in _FIXED_BY_ARN:
            if value != own[key_lower]:
                fixed = "absent" if own[key_lower] is None else repr(own[key_lower])
                expected = f"{fixed}, as {who} fixes it"
        elif key_lower == "aws:principalisawsservice":
            if not isinstance(value, str) or value.lower() != "false":
                expected = f"'false': {who} is not an AWS service principal"
        elif key_lower in _SERVICE_ONLY:
            if value is not None and value != ():
                expected = f"absent: {who} is not an AWS service principal"
        elif key_lower == "aws:userid":
            expected = _userid_conflict(value, own["aws:userid"], caller)
        elif key_lower == "aws:principalorgid":
            if request.principal_org_id and value != request.principal_org_id:
                expected = f"{request.principal_org_id!r}, as principal_org_id gives it"
        elif key_lower == "aws:principalorgpaths":
            paths = set(raw) if isinstance(raw, tuple) else {raw}
            if request.principal_org_paths and paths != set(request.principal_org_paths):
                expected = f"{list(request.principal_org_paths)!r}, as principal_org_paths gives it"
        elif key_lower.startswith(_PRINCIPAL_TAG):
            tag = own.get(key_lower)
            if tag is not None and value != tag:
                expected = f"{tag!r}, as principal_tags gives it"
        if expected is not None:
            return key, expected, repr(list(raw) if isinstance(raw, tuple) else raw)
    return None


def same_principal_arn(value: object, caller: Caller, principal: str) -> bool:
    """Whether a supplied aws:PrincipalArn is the caller's: its ARN, or for a session given by its
    session ARN (which does not carry the role's path) that role's ARN with any path."""
    if value == caller.arn:
        return True
    if not isinstance(value, str) or caller.session_arn != principal:
        return False
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[:5] == ["arn", caller.partition, "iam", "", caller.account]
        and parts[5].startswith("role/")
        and parts[5].rsplit("/", 1)[1] == caller.name
    )


def _userid_conflict(value: object, own: object, caller: Caller) -> str | None:
    """What aws:userid must be, when a supplied value contradicts the case; None when it agrees."""
    if isinstance(own, str):
        return None if value == own else f"{own!r}, as principal_id gives it"
    if not isinstance(value, str):
        return "the principal's unique id: AWS sets aws:userid for every IAM user and role session"
    if caller.kind is CallerKind.USER:
        return None
    role_id, colon, session = value.partition(":")
    if not colon:
        return "ROLEID:SESSION, the form aws:userid has for a role session"
    if caller.principal_id and role_id != caller.principal_id.split(":", 1)[0]:
        return f"{caller.principal_id}:SESSION, as principal_id gives the role's id"
    if caller.session_name is not None and session != caller.session_name:
        return f"ROLEID:{caller.session_name}, as {caller.session_arn} fixes the session name"
    return None
