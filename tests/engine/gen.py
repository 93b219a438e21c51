"""Seeded generators of authorization scenarios for the differential test (the benchmark reuses its
principalmapper import).

A :class:`Scenario` is plain data (policy documents as dicts, the context as a dict) and says
nothing about either evaluator; :func:`to_request` turns it into an enjoin ``Request`` and
:func:`to_pmapper` into the arguments of principalmapper's ``local_check_authorization_full``.
principalmapper is imported lazily and only by the latter (it is a dev-only dependency).

The universe is small on purpose (two accounts, a handful of users, roles, buckets, queues,
tables, keys and roles to assume) so that generated patterns, principals and context values
collide often with the request: most scenarios are decided by something interesting.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

A = "111111111111"
B = "222222222222"
ACCOUNTS = (A, B)
USERS = ("alice", "bob", "carol")
ROLES = ("Analyst", "Etl")
BUCKETS = ("data-bucket", "logs.bucket")
KEYS = (
    "reports/q1.csv",
    "home/alice/notes.txt",
    "home/bob/notes.txt",
    "home/carol/notes.txt",
    "public/index.html",
)
ODD_KEY = "a+b/(x).txt"  # regex metacharacters in an object key: only in one bucket
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
TEAMS = ("data", "ops")
# IAM names are unique in an account whatever their path, so each name has one path everywhere.
PATHS = {"alice": "/", "bob": "/eng/", "carol": "/", "Analyst": "/", "Etl": "/eng/"}

Doc = dict[str, Any]


def _iam_arn(acct: str, kind: str, name: str) -> str:
    return f"arn:aws:iam::{acct}:{kind}{PATHS[name]}{name}"


@dataclass(frozen=True)
class Scenario:
    """One generated authorization question, independent of any evaluator.

    ``principal`` is an IAM user ARN or a role ARN (a session of that role). ``identity`` holds
    the principal's own policies, ``groups`` the policies of each of a user's groups.
    """

    principal: str
    principal_id: str
    tags: Mapping[str, str]
    identity: tuple[Doc, ...]
    groups: tuple[tuple[Doc, ...], ...]
    boundary: Doc | None
    session: Doc | None
    scps: tuple[tuple[Doc, ...], ...] | None
    resource_policy: Doc | None
    resource_account: str
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> str:
        return self.principal.split(":")[4]

    @property
    def is_role(self) -> bool:
        return ":role/" in self.principal

    @property
    def username(self) -> str | None:
        return None if self.is_role else self.principal.rsplit("/", 1)[1]

    def policies(self) -> list[tuple[str, Doc]]:
        """Every policy document of the scenario with its kind (for walking statements)."""
        out: list[tuple[str, Doc]] = [("identity", d) for d in self.identity]
        out += [("identity", d) for g in self.groups for d in g]
        if self.boundary is not None:
            out.append(("boundary", self.boundary))
        if self.session is not None:
            out.append(("session", self.session))
        out += [("scp", d) for level in self.scps or () for d in level]
        if self.resource_policy is not None:
            out.append(("resource", self.resource_policy))
        return out

    def map_policies(self, fn: Callable[[str, Doc], Doc]) -> Scenario:
        """A copy with every policy document replaced by ``fn(kind, deep copy of the document)``."""

        def f(kind: str, doc: Doc) -> Doc:
            return fn(kind, copy.deepcopy(doc))

        return replace(
            self,
            identity=tuple(f("identity", d) for d in self.identity),
            groups=tuple(tuple(f("identity", d) for d in g) for g in self.groups),
            boundary=None if self.boundary is None else f("boundary", self.boundary),
            session=None if self.session is None else f("session", self.session),
            scps=None if self.scps is None else tuple(tuple(f("scp", d) for d in lv) for lv in self.scps),
            resource_policy=None if self.resource_policy is None else f("resource", self.resource_policy),
        )


def statements(doc: Doc) -> list[Doc]:
    """The statements of a policy document (``Statement`` may be one object or a list)."""
    s = doc.get("Statement", [])
    return s if isinstance(s, list) else [s]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- resources, actions


@dataclass(frozen=True)
class Target:
    """A resource with the actions that apply to it."""

    service: str
    arn: str
    account: str
    actions: tuple[str, ...]
    needs_policy: bool  # KMS keys and roles to assume always carry a resource policy
    takes_policy: bool = True  # IAM users have no resource-based policy
    case_sensitive_name: bool = False  # documented case-sensitive names: S3 object keys, IAM user names


def _targets(acct: str) -> list[Target]:
    objects = [f"arn:aws:s3:::{b}/{k}" for b in BUCKETS for k in KEYS] + [
        f"arn:aws:s3:::{BUCKETS[1]}/{ODD_KEY}"
    ]
    s3_actions = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
    out = [Target("s3", o, acct, s3_actions, False, case_sensitive_name=True) for o in objects]
    out += [Target("s3", f"arn:aws:s3:::{b}", acct, ("s3:ListBucket",), False) for b in BUCKETS]
    out += [
        Target(
            "iam",
            _iam_arn(acct, "user", u),
            acct,
            ("iam:GetUser", "iam:CreateAccessKey"),
            False,
            takes_policy=False,
            case_sensitive_name=True,
        )
        for u in USERS
    ]
    out += [
        Target(
            "sqs",
            f"arn:aws:sqs:us-east-1:{acct}:orders",
            acct,
            ("sqs:SendMessage", "sqs:ReceiveMessage"),
            False,
        ),
        Target(
            "dynamodb",
            f"arn:aws:dynamodb:us-east-1:{acct}:table/Books",
            acct,
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
            False,
        ),
        Target(
            "ec2",
            f"arn:aws:ec2:us-east-1:{acct}:instance/i-0abc123",
            acct,
            ("ec2:StartInstances", "ec2:StopInstances"),
            False,
        ),
        Target(
            "kms",
            f"arn:aws:kms:us-east-1:{acct}:key/{KEY_ID}",
            acct,
            ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
            True,
        ),
        Target("sts", f"arn:aws:iam::{acct}:role/Target", acct, ("sts:AssumeRole",), True),
    ]
    return out


TARGETS = {acct: _targets(acct) for acct in ACCOUNTS}
ALL_ACTIONS = sorted({a for t in TARGETS[A] for a in t.actions} | {"iam:CreateUser", "ec2:DescribeInstances"})


def _case_flip(rng: random.Random, s: str) -> str:
    """``s`` with the letter case of one letter (after the last colon or slash) swapped."""
    cut = max(s.rfind(":"), s.rfind("/")) + 1
    idx = [i for i in range(cut, len(s)) if s[i].isalpha()]
    if not idx:
        return s
    i = rng.choice(idx)
    return s[:i] + s[i].swapcase() + s[i + 1 :]


def _action_pattern(rng: random.Random, action: str) -> str:
    svc, name = action.split(":")
    r = rng.random()
    if r < 0.30:
        return action
    if r < 0.40:
        return action.upper() if rng.random() < 0.5 else action.lower()
    if r < 0.55:
        return f"{svc}:*"
    if r < 0.65:
        return f"{svc}:{name[:3]}*"
    if r < 0.72:
        return f"{svc}:?{name[1:]}"
    if r < 0.80:
        return "*"
    return rng.choice(ALL_ACTIONS)


def _resource_pattern(rng: random.Random, t: Target, sc_user: str | None) -> str:
    arn = t.arn
    r = rng.random()
    if r < 0.30:
        return arn
    if r < 0.40:
        return "*"
    if r < 0.52:
        cut = max(arn.rfind("/"), arn.rfind(":")) + 1
        return arn[: cut + rng.randrange(0, max(1, len(arn) - cut))] + "*"
    if r < 0.60:
        i = rng.randrange(len(arn) - 6, len(arn))
        return arn[:i] + "?" + arn[i + 1 :]
    if r < 0.65 and sc_user is not None and t.service == "s3" and "/" in arn.split(":::", 1)[1]:
        bucket = arn.split(":::", 1)[1].split("/")[0]
        return f"arn:aws:s3:::{bucket}/home/${{aws:username}}/*"
    if r < 0.69 and t.case_sensitive_name:
        return _case_flip(rng, arn)
    if r < 0.73 and t.service in ("sqs", "dynamodb", "kms", "ec2"):
        parts = arn.split(":")
        parts[3] = "*"
        return ":".join(parts)
    other = rng.choice(TARGETS[rng.choice(ACCOUNTS)])
    return other.arn


# --------------------------------------------------------------------------- conditions

IPS = ("10.0.0.5", "10.1.2.3", "192.168.1.10", "203.0.113.7", "2001:db8::1", "2001:db8:1::5")
CIDRS = (
    "10.0.0.0/8",
    "10.0.0.0/24",
    "192.168.0.0/16",
    "203.0.113.0/24",
    "203.0.113.7",
    "2001:db8::/32",
    "2001:db8:1::/48",
)
PREFIXES = ("home/", "home/alice/", "home/bob/docs", "public/x", "Home/alice/", "a+b/")
LIKE = (
    "home/*",
    "home/*/docs",
    "public/?",
    "*",
    "Home/*",
    "a+b/*",
    "home/${aws:username}/*",
    "${aws:username}*",
)
TIMES = ("2024-01-01T00:00:00Z", "2025-06-01T12:00:00Z", "2026-01-01T00:00:00Z")
EPOCHS = ("1704067200", "1748779200", "1767225600")
TOPICS = tuple(f"arn:aws:sns:us-east-1:{a}:topic-{x}" for a in ACCOUNTS for x in ("a", "b"))
ARN_PATTERNS = (
    f"arn:aws:sns:*:{A}:topic-*",
    f"arn:aws:sns:us-east-1:{A}:topic-a",
    f"arn:aws:SNS:us-east-1:{A}:topic-a",
    f"arn:aws:sns:*:{B}:*",
    "arn:aws:sns:*:*:topic-b",
)
TAGKEYS = ("env", "owner", "cost-center")
SIGS = ("QUJD", "REVG")


def _values(rng: random.Random, pool: Sequence[str]) -> str | list[str]:
    if rng.random() < 0.6:
        return rng.choice(pool)
    return rng.sample(list(pool), rng.randint(1, min(3, len(pool))))


def _ifx(rng: random.Random, op: str) -> str:
    return op + "IfExists" if rng.random() < 0.25 else op


def _condition_entry(rng: random.Random, user: str | None) -> tuple[str, str, Any]:
    """One (operator, key, values) triple from a family both evaluators implement.

    Policy variables appear only where they resolve (``${aws:username}`` for users): the
    documentation leaves a statement with an unresolvable variable "invalid", not decided.
    """
    fam = rng.randrange(12)
    if fam == 0:
        op = rng.choice(
            ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase")
        )
        key = rng.choice(
            (
                "s3:prefix",
                "aws:RequestedRegion",
                "aws:PrincipalTag/team",
                "aws:username",
                "aws:PrincipalAccount",
            )
        )
        pool = {
            "s3:prefix": PREFIXES,
            "aws:RequestedRegion": ("us-east-1", "eu-west-1"),
            "aws:PrincipalTag/team": TEAMS,
            "aws:username": USERS + ("Alice",) + (("${aws:username}",) if user else ()),
            "aws:PrincipalAccount": ACCOUNTS,
        }[key]
        return _ifx(rng, op), key, _values(rng, pool)
    if fam == 1:
        pool = LIKE if user else tuple(v for v in LIKE if "${" not in v)
        return _ifx(rng, rng.choice(("StringLike", "StringNotLike"))), "s3:prefix", _values(rng, pool)
    if fam == 2:
        op = rng.choice(
            (
                "NumericEquals",
                "NumericNotEquals",
                "NumericLessThan",
                "NumericLessThanEquals",
                "NumericGreaterThan",
                "NumericGreaterThanEquals",
            )
        )
        key = rng.choice(("s3:max-keys", "aws:MultiFactorAuthAge"))
        return _ifx(rng, op), key, _values(rng, ("5", "10", "10.5", "100"))
    if fam == 3:
        op = rng.choice(
            (
                "DateEquals",
                "DateNotEquals",
                "DateLessThan",
                "DateLessThanEquals",
                "DateGreaterThan",
                "DateGreaterThanEquals",
            )
        )
        key = rng.choice(("aws:CurrentTime", "aws:EpochTime", "aws:TokenIssueTime"))
        return _ifx(rng, op), key, _values(rng, TIMES + EPOCHS)
    if fam == 4:
        key = rng.choice(("aws:SecureTransport", "aws:MultiFactorAuthPresent"))
        return _ifx(rng, "Bool"), key, rng.choice(("true", "false"))
    if fam == 5:
        return _ifx(rng, rng.choice(("IpAddress", "NotIpAddress"))), "aws:SourceIp", _values(rng, CIDRS)
    if fam == 6:
        op = rng.choice(("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"))
        if rng.random() < 0.5:
            return _ifx(rng, op), "aws:SourceArn", _values(rng, ARN_PATTERNS + TOPICS)
        roles = tuple(_iam_arn(a, "role", r) for a in ACCOUNTS for r in ROLES)
        return _ifx(rng, op), "aws:PrincipalArn", _values(rng, (*roles, f"arn:aws:iam::{A}:user/*"))
    if fam == 7:
        key = rng.choice(("aws:MultiFactorAuthPresent", "s3:prefix", "aws:TokenIssueTime", "aws:SourceIp"))
        return "Null", key, rng.choice(("true", "false"))
    if fam == 8:
        return _ifx(rng, "BinaryEquals"), "s3:ExistingObjectTag/sig", _values(rng, SIGS)
    if fam in (9, 10):
        op = rng.choice(
            (
                "ForAllValues:StringEquals",
                "ForAllValues:StringLike",
                "ForAnyValue:StringEquals",
                "ForAnyValue:StringLike",
            )
        )
        return op, "aws:TagKeys", _values(rng, (*TAGKEYS, "cost-*"))
    # an operator neither evaluator knows: enjoin must answer INDETERMINATE
    if rng.random() < 0.15:
        return "StringEqualsFoo", "s3:prefix", "home/"
    return _ifx(rng, "StringEquals"), "aws:SecureTransport", "true"


def _condition(rng: random.Random, user: str | None) -> Doc:
    cond: Doc = {}
    for _ in range(rng.choice((1, 1, 1, 2))):
        op, key, values = _condition_entry(rng, user)
        cond.setdefault(op, {})[key] = values
    return cond


# --------------------------------------------------------------------------- policies


def _statement(
    rng: random.Random,
    effect: str,
    t: Target,
    action: str,
    user: str | None,
    *,
    principal: Any = None,
    not_principal: Any = None,
    resource: bool = True,
) -> Doc:
    st: Doc = {"Effect": effect}
    if principal is not None:
        st["Principal"] = principal
    if not_principal is not None:
        st["NotPrincipal"] = not_principal
    acts = [_action_pattern(rng, action) for _ in range(rng.choice((1, 1, 2, 3)))]
    key = "NotAction" if rng.random() < 0.1 else "Action"
    st[key] = acts[0] if len(acts) == 1 else acts
    if resource:
        res = [_resource_pattern(rng, t, user) for _ in range(rng.choice((1, 1, 2)))]
        rkey = "NotResource" if rng.random() < 0.08 else "Resource"
        st[rkey] = res[0] if len(res) == 1 else res
    if rng.random() < 0.4:
        st["Condition"] = _condition(rng, user)
    return st


def _version(rng: random.Random) -> dict[str, str]:
    r = rng.random()
    if r < 0.08:
        return {"Version": "2008-10-17"}
    if r < 0.10:
        return {}
    return {"Version": "2012-10-17"}


def identity_policy(
    rng: random.Random, t: Target, action: str, user: str | None, n: int | None = None
) -> Doc:
    """An identity-based (or boundary, session, SCP) policy with ``n`` (default 1-4) statements."""
    count = n if n is not None else rng.randint(1, 4)
    sts = [_statement(rng, "Deny" if rng.random() < 0.25 else "Allow", t, action, user) for _ in range(count)]
    return {**_version(rng), "Statement": sts}


def _principal_element(rng: random.Random, sc_principal: str, acct: str, safe_star: bool) -> Any:
    other_acct = B if acct == A else A
    choices: list[Any] = [
        {"AWS": sc_principal},
        {"AWS": acct},
        {"AWS": f"arn:aws:iam::{acct}:root"},
        {"AWS": _iam_arn(acct, "user", rng.choice(USERS))},
        {"AWS": _iam_arn(acct, "role", rng.choice(ROLES))},
        {"AWS": f"arn:aws:iam::{other_acct}:root"},
        {"AWS": [f"arn:aws:iam::{other_acct}:root", sc_principal]},
        {"Service": "ec2.amazonaws.com"},
    ]
    if safe_star:
        choices += ["*", {"AWS": "*"}]
    return rng.choice(choices)


def resource_policy(
    rng: random.Random,
    sc_principal: str,
    t: Target,
    action: str,
    user: str | None,
    same_account_limited: bool,
) -> Doc:
    """A resource-based policy for ``t`` whose principals often name the requester.

    Only principal forms whose meaning the documentation settles are generated:

    - ``Principal: "*"`` in an Allow only when the requester is not a same-account principal with a
      permissions boundary or session policy (the documentation does not say how those limit it),
      and never in a role trust policy.
    - ``NotPrincipal`` (with Deny) only for IAM users, listing the user and its account (the
      documented example) or another user and the account (the requester is then denied).
    """
    acct = sc_principal.split(":")[4]
    is_user = ":user/" in sc_principal
    trust = t.service == "sts"
    sts: list[Doc] = []
    for _ in range(rng.randint(1, 3)):
        effect = "Deny" if rng.random() < 0.2 else "Allow"
        if effect == "Deny" and is_user and rng.random() < 0.4:
            listed = sc_principal if rng.random() < 0.6 else f"arn:aws:iam::{acct}:user/someone-else"
            np_ = {"AWS": [listed, f"arn:aws:iam::{acct}:root"]}
            st = _statement(rng, effect, t, action, user, not_principal=np_, resource=not trust)
        else:
            star = not trust and (effect == "Deny" or not same_account_limited)
            principal = _principal_element(rng, sc_principal, acct, safe_star=star)
            st = _statement(rng, effect, t, action, user, principal=principal, resource=not trust)
        sts.append(st)
    return {**_version(rng), "Statement": sts}


FULL_ACCESS: Doc = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def scenario(rng: random.Random) -> Scenario:
    """One random scenario."""
    acct = A if rng.random() < 0.8 else B
    is_role = rng.random() < 0.4
    name = rng.choice(ROLES if is_role else USERS)
    path = PATHS[name]
    principal = f"arn:aws:iam::{acct}:{'role' if is_role else 'user'}{path}{name}"
    principal_id = ("AROA" if is_role else "AIDA") + f"{acct}{name.upper()}"
    tags = {"team": rng.choice(TEAMS)} if rng.random() < 0.6 else {}
    user = None if is_role else name
    r_acct = A if rng.random() < 0.75 else B
    t = rng.choice(TARGETS[r_acct])
    action = rng.choice(t.actions)
    identity = tuple(identity_policy(rng, t, action, user) for _ in range(rng.choice((0, 1, 1, 2, 3))))
    groups: tuple[tuple[Doc, ...], ...] = ()
    if not is_role and rng.random() < 0.4:
        groups = tuple((identity_policy(rng, t, action, user),) for _ in range(rng.randint(1, 2)))
    boundary = identity_policy(rng, t, action, user, rng.randint(1, 2)) if rng.random() < 0.15 else None
    session = (
        identity_policy(rng, t, action, user, rng.randint(1, 2)) if is_role and rng.random() < 0.2 else None
    )
    scps = None
    if rng.random() < 0.15:
        scps = tuple(
            tuple(
                FULL_ACCESS
                if rng.random() < 0.6
                else identity_policy(rng, t, action, user, rng.randint(1, 2))
                for _ in range(rng.randint(1, 2))
            )
            for _ in range(rng.randint(1, 3))
        )
    limited = r_acct == acct and (boundary is not None or session is not None)
    rp = None
    # Across accounts a resource policy is nearly always given: without one the answer is plain.
    if t.needs_policy or (t.takes_policy and rng.random() < (0.9 if r_acct != acct else 0.55)):
        rp = resource_policy(rng, principal, t, action, user, limited)
    return Scenario(
        principal,
        principal_id,
        tags,
        identity,
        groups,
        boundary,
        session,
        scps,
        rp,
        r_acct,
        action,
        t.arn,
        _context(rng),
    )


def _context(rng: random.Random) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        # principalmapper assumes these when absent (TLS on, the current clock): always give them.
        "aws:SecureTransport": rng.choice(("true", "false")),
        "aws:CurrentTime": rng.choice(TIMES),
        "aws:EpochTime": rng.choice(EPOCHS),
    }
    optional: dict[str, Callable[[], Any]] = {
        "aws:SourceIp": lambda: rng.choice(IPS),
        "s3:prefix": lambda: rng.choice((*PREFIXES, "home/alice/x", "home/bob/y", "alice/z")),
        "s3:max-keys": lambda: rng.choice(("3", "5", "10", "10.5", "50")),
        "aws:MultiFactorAuthPresent": lambda: rng.choice(("true", "false")),
        "aws:MultiFactorAuthAge": lambda: rng.choice(("5", "600", "100")),
        "aws:TokenIssueTime": lambda: rng.choice(TIMES),
        "aws:RequestedRegion": lambda: rng.choice(("us-east-1", "eu-west-1")),
        "aws:SourceArn": lambda: rng.choice(TOPICS),
        "aws:TagKeys": lambda: rng.sample(TAGKEYS, rng.randint(0, 3)),
        "s3:ExistingObjectTag/sig": lambda: rng.choice(SIGS),
    }
    for key, make in optional.items():
        if rng.random() < 0.5:
            ctx[key] = make()
    return ctx


def scenarios(seed: int, n: int) -> list[Scenario]:
    """``n`` scenarios from ``seed`` (deterministic)."""
    rng = random.Random(seed)
    return [scenario(rng) for _ in range(n)]


# --------------------------------------------------------------------------- evaluator adapters


class PolicyCache:
    """Compiles each distinct (document, kind) once, the way a caller of the engine should."""

    def __init__(self) -> None:
        from enjoin.engine import compile_policy

        self._compile = compile_policy
        self._cache: dict[tuple[str, Any], Any] = {}

    def get(self, doc: Doc, kind: Any, label: str) -> Any:
        key = (json.dumps(doc, sort_keys=True), kind)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._compile(doc, label=label, kind=kind)
            self._cache[key] = hit
        return hit

    def __len__(self) -> int:
        return len(self._cache)


def to_request(sc: Scenario, cache: PolicyCache, context: Mapping[str, Any] | None = None) -> Any:
    """The enjoin ``Request`` for ``sc`` (policies compiled through ``cache``)."""
    from enjoin.engine import PolicyKind, Request

    ident = [cache.get(d, PolicyKind.IDENTITY, f"identity policy {i}") for i, d in enumerate(sc.identity)]
    ident += [
        cache.get(d, PolicyKind.IDENTITY, f"group {g} policy") for g, ds in enumerate(sc.groups) for d in ds
    ]
    ctx = sc.context if context is None else context
    return Request(
        principal=sc.principal,
        action=sc.action,
        resource=sc.resource,
        identity_policies=tuple(ident),
        permissions_boundary=None
        if sc.boundary is None
        else cache.get(sc.boundary, PolicyKind.BOUNDARY, "boundary"),
        session_policy=None
        if sc.session is None
        else cache.get(sc.session, PolicyKind.SESSION, "session policy"),
        scps=tuple(
            tuple(cache.get(d, PolicyKind.SCP, f"SCP level {i}") for d in lv)
            for i, lv in enumerate(sc.scps or ())
        ),
        resource_policy=None
        if sc.resource_policy is None
        else cache.get(sc.resource_policy, PolicyKind.RESOURCE, "resource policy"),
        resource_account=sc.resource_account,
        principal_tags=dict(sc.tags),
        principal_id=sc.principal_id,
        context={k: tuple(v) if isinstance(v, list) else v for k, v in ctx.items()},
    )


def import_pmapper() -> Any:
    """principalmapper's local policy simulation module (patching what Python 3.10+ removed)."""
    import collections
    import collections.abc

    for name in ("Mapping", "MutableMapping", "Iterable", "Sequence", "Callable"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    from principalmapper.querying import query_interface

    return query_interface


def to_pmapper(sc: Scenario) -> dict[str, Any]:
    """Keyword arguments of principalmapper's ``local_check_authorization_full`` for ``sc``."""
    from principalmapper.common import Group, Node, Policy

    acct = sc.account
    pols = [Policy(f"arn:aws:iam::{acct}:policy/p{i}", f"p{i}", d) for i, d in enumerate(sc.identity)]
    groups = [
        Group(
            f"arn:aws:iam::{acct}:group/g{i}",
            [Policy(f"arn:aws:iam::{acct}:policy/g{i}p{j}", f"g{i}p{j}", d) for j, d in enumerate(ds)],
        )
        for i, ds in enumerate(sc.groups)
    ]
    boundary = (
        None
        if sc.boundary is None
        else Policy(f"arn:aws:iam::{acct}:policy/boundary", "boundary", sc.boundary)
    )
    node = Node(
        sc.principal,
        sc.principal_id,
        pols,
        groups,
        {} if sc.is_role else None,
        None,
        0,
        False,
        False,
        boundary,
        False,
        dict(sc.tags),
    )
    scps = None
    if sc.scps is not None:
        scps = [
            [Policy(f"arn:aws:organizations::{A}:policy/p-{i}{j}", f"scp{i}{j}", d) for j, d in enumerate(lv)]
            for i, lv in enumerate(sc.scps)
        ]
    return {
        "principal": node,
        "action_to_check": sc.action,
        "resource_to_check": sc.resource,
        "condition_keys_to_check": {
            k: list(v) if isinstance(v, (list, tuple)) else v for k, v in sc.context.items()
        },
        "resource_policy": sc.resource_policy,
        "resource_owner": sc.resource_account,
        "service_control_policy_groups": scps,
        "session_policy": sc.session,
    }
