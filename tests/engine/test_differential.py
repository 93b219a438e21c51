"""Differential test: enjoin's engine against principalmapper 1.1.5 on 10,000 generated scenarios.

principalmapper (a dev-only dependency, never imported by the library) answers allowed / not
allowed with ``local_check_authorization_full``; enjoin answers with ``decide``. Every scenario on
which they disagree must be explained by one of the KNOWN principalmapper deviations below, each
backed by the AWS documentation that shows principalmapper wrong. An explanation is not taken on
faith from a predicate:

- a deviation with a *rewrite* is confirmed by rewriting the scenario into one the documentation
  says is equivalent (for this request) but that no longer contains the trigger: principalmapper
  must then agree with enjoin, and enjoin's own answer must not change;
- a deviation no rewrite can remove (a structural difference in the evaluation) is confirmed by
  its predicate, the direction of the disagreement, and a counterfactual scenario without its
  cause (the boundary dropped, say) on which principalmapper answers as before and enjoin now
  gives principalmapper's answer.

Explanations compose: a scenario with two deviations is rewritten or counterfactually changed
step by step (at most three steps) until both evaluators agree.

Anything else is an unexplained disagreement and fails the test. tests/engine/DIFFERENTIAL.md
lists the same deviations with the counts of a run.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import gen
from gen import Doc, Scenario, as_list, statements

from enjoin.engine import Decision, decide
from enjoin.errors import EnjoinError

SEED = 20250601
COUNT = 10_000
QI = gen.import_pmapper()
LPS = sys.modules["principalmapper.querying.local_policy_simulation"]  # its pattern helpers
Outcome = bool | str  # principalmapper: allowed, not allowed, or "crash: <exception>"
EnjoinAnswer = Decision | str  # enjoin: a decision, or "error: <EnjoinError>"

KNOWN_OPERATORS = frozenset(
    [f"{b}{s}" for b in ("String", "Numeric", "Date") for s in ("Equals", "NotEquals")]
    + [
        f"{b}{s}"
        for b in ("Numeric", "Date")
        for s in ("LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
    ]
    + [
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "Bool",
        "BinaryEquals",
    ]
    + ["IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]
)


# --------------------------------------------------------------------------- running both


def run_enjoin(sc: Scenario, cache: gen.PolicyCache) -> EnjoinAnswer:
    try:
        return decide(gen.to_request(sc, cache)).decision
    except EnjoinError as error:
        return f"error: {error}"


def run_pmapper(sc: Scenario) -> Outcome:
    try:
        return bool(QI.local_check_authorization_full(**gen.to_pmapper(sc)))
    except Exception as error:
        return f"crash: {type(error).__name__}: {error}"


def agree(e: EnjoinAnswer, p: Outcome) -> bool:
    return (
        isinstance(p, bool)
        and isinstance(e, Decision)
        and e is not Decision.INDETERMINATE
        and ((e is Decision.ALLOW) == p)
    )


# --------------------------------------------------------------------------- walking policies


def operators(sc: Scenario) -> Iterator[tuple[str, Doc, str, str, Any]]:
    """(policy kind, statement, operator, key, values) for every condition entry of the scenario."""
    for kind, doc in sc.policies():
        for st in statements(doc):
            for op, block in (st.get("Condition") or {}).items():
                for key, values in block.items():
                    yield kind, st, op, key, values


def base_operator(op: str) -> str:
    op = op.split(":", 1)[1] if ":" in op else op
    return op.removesuffix("IfExists")


def uses_variables(doc: Doc) -> bool:
    return doc.get("Version") == "2012-10-17"


def principal_value(sc: Scenario, key: str) -> Any:
    """The value the request has for ``key``: from the principal for derived keys, else the context."""
    derived = {
        "aws:PrincipalArn": sc.principal,
        "aws:username": sc.username,
        "aws:PrincipalAccount": sc.account,
    }
    if key in derived:
        return derived[key]
    if key.startswith("aws:PrincipalTag/"):
        return sc.tags.get(key.split("/", 1)[1])
    return sc.context.get(key)


def rewrite_conditions(sc: Scenario, fn: Callable[[Doc, str, str, Any], Any]) -> Scenario:
    """Rewrite every condition entry with ``fn(policy, op, key, values)``.

    ``fn`` returns the new ``(op, values)``, or ``DROP_KEY`` (the entry is true: remove it) or
    ``DROP_STATEMENT`` (the entry is false: the statement never applies).
    """

    def per_policy(_kind: str, doc: Doc) -> Doc:
        kept = []
        for st in statements(doc):
            cond = st.get("Condition")
            if not cond:
                kept.append(st)
                continue
            new: dict[str, dict[str, Any]] = {}
            dead = False
            for op, block in cond.items():
                for key, values in block.items():
                    out = fn(doc, op, key, values)
                    if out is DROP_STATEMENT:
                        dead = True
                    elif out is not DROP_KEY:
                        new_op, new_values = out
                        if key in new.get(new_op, {}) and new[new_op][key] != new_values:
                            raise AssertionError(f"rewrite would merge {new_op} {key}: not equivalent")
                        new.setdefault(new_op, {})[key] = new_values
            if dead:
                continue
            st = dict(st)
            if new:
                st["Condition"] = new
            else:
                st.pop("Condition")
            kept.append(st)
        return {**doc, "Statement": kept}

    return sc.map_policies(per_policy)


DROP_KEY = object()
DROP_STATEMENT = object()


# --------------------------------------------------------------------------- wildcard semantics

# The documented wildcard semantics, used only to find and rewrite the patterns principalmapper
# reads differently: * is any run of characters, ? one character, everything else is literal.


def aws_glob(pattern: str, value: str, *, ignore_case: bool) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.S | (re.I if ignore_case else 0)) is not None


def aws_arn_like(pattern: str, value: str) -> bool:
    """ArnLike: each of the six colon-delimited components matched separately, case-sensitively."""
    pp, vv = pattern.split(":", 5), value.split(":", 5)
    return len(pp) == len(vv) == 6 and all(
        aws_glob(p, v, ignore_case=False) for p, v in zip(pp, vv, strict=True)
    )


def pm_glob(pattern: str, value: str) -> bool | None:
    """principalmapper's reading of a Resource/Action pattern (None: it raises)."""
    try:
        return bool(LPS._matches_after_expansion(value, pattern))
    except re.error:
        return None


def pm_like(pattern: str, value: str) -> bool | None:
    try:
        return bool(LPS._expand_str_and_compare(pattern, value))
    except re.error:
        return None


@dataclasses.dataclass(frozen=True)
class PatternDiff:
    """One pattern principalmapper matches differently from the documentation for this request."""

    where: str  # "Action", "Resource", "StringLike", "Arn"
    pattern: str
    value: str
    aws: bool
    pm: bool | None

    @property
    def case_only(self) -> bool:
        """principalmapper's answer is the documented one if case is ignored."""
        if self.where in ("Action",) or self.pm is None:
            return False
        if self.where == "Arn":
            return self.pm == aws_glob(self.pattern, self.value, ignore_case=True) and self.pm != self.aws
        return self.pm == aws_glob(self.pattern, self.value, ignore_case=True)


def pattern_diffs(sc: Scenario) -> list[PatternDiff]:
    out: list[PatternDiff] = []
    for _kind, doc in sc.policies():
        for st in statements(doc):
            for element, value, case in (("Action", sc.action, True), ("Resource", sc.resource, False)):
                for name in (element, "Not" + element):
                    for p in as_list(st.get(name, [])):
                        if "${" in p:
                            continue
                        aws, pm = aws_glob(p, value, ignore_case=case), pm_glob(p, value)
                        if aws != pm:
                            out.append(PatternDiff(element, p, value, aws, pm))
            for op, block in (st.get("Condition") or {}).items():
                if ":" in op:
                    continue
                for key, values in block.items():
                    ctx = principal_value(sc, key)
                    if not isinstance(ctx, str):
                        continue
                    for v in as_list(values):
                        if "${" in v:
                            continue
                        if base_operator(op) in ("StringLike", "StringNotLike"):
                            aws, pm = aws_glob(v, ctx, ignore_case=False), pm_like(v, ctx)
                            if aws != pm:
                                out.append(PatternDiff("StringLike", v, ctx, aws, pm))
                        elif base_operator(op).startswith("Arn"):
                            aws, pm = aws_arn_like(v, ctx), pm_glob(v, ctx)
                            if aws != pm:
                                out.append(PatternDiff("Arn", v, ctx, aws, pm))
    return out


def rewrite_patterns(sc: Scenario) -> Scenario:
    """Replace each pattern principalmapper reads differently by one both read as documented.

    For the one action and resource of the request, a pattern that matches (as documented) becomes
    ``*`` (``arn:*:*:*:*:*`` in ARN conditions) and one that does not is dropped; an element left
    empty makes the statement inapplicable (Action, Resource, positive conditions) or is replaced by
    a pattern matching nothing (NotAction, NotResource) or removed (negated conditions).
    """
    diffs = {(d.where, d.pattern, d.value) for d in pattern_diffs(sc)}

    def fix(where: str, patterns: list[str], value: str, match_all: str) -> list[str]:
        out = []
        for p in patterns:
            if (where, p, value) not in diffs:
                out.append(p)
            elif (
                aws_glob(p, value, ignore_case=where == "Action")
                if where != "Arn"
                else aws_arn_like(p, value)
            ):
                out.append(match_all)
        return out

    def per_policy(_kind: str, doc: Doc) -> Doc:
        kept = []
        for st in statements(doc):
            st = dict(st)
            dead = False
            for element, value, none in (
                ("Action", sc.action, "enjoin-none:Nothing"),
                ("Resource", sc.resource, "arn:aws:s3:::enjoin-differential-none"),
            ):
                if element in st:
                    st[element] = fix(element, as_list(st[element]), value, "*")
                    dead = dead or not st[element]
                if "Not" + element in st:
                    st["Not" + element] = fix(element, as_list(st["Not" + element]), value, "*") or [none]
            if not dead:
                kept.append(st)
        return {**doc, "Statement": kept}

    def per_condition(_doc: Doc, op: str, key: str, values: Any) -> Any:
        base = base_operator(op)
        ctx = principal_value(sc, key)
        if (
            ":" in op
            or not isinstance(ctx, str)
            or not (base in ("StringLike", "StringNotLike") or base.startswith("Arn"))
        ):
            return op, values
        where = "StringLike" if base.startswith("String") else "Arn"
        new = fix(where, as_list(values), ctx, "*" if where == "StringLike" else "arn:*:*:*:*:*")
        if new:
            return op, new
        return DROP_KEY if "Not" in base else DROP_STATEMENT

    return rewrite_conditions(sc.map_policies(per_policy), per_condition)


# --------------------------------------------------------------------------- the deviations


def _has_unknown_operator(sc: Scenario) -> bool:
    return any(base_operator(op) not in KNOWN_OPERATORS | {"Null"} for *_, op, _k, _v in operators(sc))


def _ifexists_present(sc: Scenario) -> bool:
    return any(
        op.endswith("IfExists")
        and base_operator(op).startswith(("Numeric", "Date", "IpAddress"))
        and key in sc.context
        for *_, op, key, _v in operators(sc)
    )


def _strip_ifexists(sc: Scenario) -> Scenario:
    def fn(_doc: Doc, op: str, key: str, values: Any) -> Any:
        if (
            op.endswith("IfExists")
            and base_operator(op).startswith(("Numeric", "Date", "IpAddress"))
            and key in sc.context
        ):
            return op.removesuffix("IfExists"), values
        return op, values

    return rewrite_conditions(sc, fn)


def _notlike_missing(sc: Scenario) -> bool:
    return any(
        op == "StringNotLike" and principal_value(sc, key) is None for *_, op, key, _v in operators(sc)
    )


def _notlike_ifexists(sc: Scenario) -> Scenario:
    def fn(_doc: Doc, op: str, key: str, values: Any) -> Any:
        if op == "StringNotLike" and principal_value(sc, key) is None:
            return "StringNotLikeIfExists", values
        return op, values

    return rewrite_conditions(sc, fn)


DATE_RANGE = ("DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals")


def _date(text: str) -> datetime.datetime:
    """A W3C ISO 8601 date-time or an epoch time, as documented for the Date operators."""
    if text.isdigit():
        return datetime.datetime.fromtimestamp(int(text), datetime.UTC)
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _date_holds(op: str, policy: str, request: str) -> bool:
    a, b = _date(request), _date(policy)
    return {
        "DateLessThan": a < b,
        "DateLessThanEquals": a <= b,
        "DateGreaterThan": a > b,
        "DateGreaterThanEquals": a >= b,
    }[op]


def _date_range_lists(sc: Scenario) -> bool:
    return any(
        op in DATE_RANGE and isinstance(values, list) and len(values) > 1 and key in sc.context
        for *_, op, key, values in operators(sc)
    )


def _date_range_single_value(sc: Scenario) -> Scenario:
    """Several values are ORed: keep one value that holds for the request (or any one if none does)."""

    def fn(_doc: Doc, op: str, key: str, values: Any) -> Any:
        if op not in DATE_RANGE or not isinstance(values, list) or key not in sc.context:
            return op, values
        holding = [v for v in values if _date_holds(op, v, sc.context[key])]
        return op, (holding or values)[:1]

    return rewrite_conditions(sc, fn)


def _notprincipal_account(sc: Scenario) -> bool:
    rp = sc.resource_policy
    root = f"arn:aws:iam::{sc.account}:root"
    return rp is not None and any(
        st["Effect"] == "Deny"
        and _names(st, "NotPrincipal", root)
        and not _names(st, "NotPrincipal", sc.principal)
        for st in statements(rp)
    )


def _binary_ifexists_missing(sc: Scenario) -> bool:
    return any(op == "BinaryEqualsIfExists" and key not in sc.context for *_, op, key, _v in operators(sc))


def _drop_true_binary_ifexists(sc: Scenario) -> Scenario:
    def fn(_doc: Doc, op: str, key: str, values: Any) -> Any:
        return DROP_KEY if op == "BinaryEqualsIfExists" and key not in sc.context else (op, values)

    return rewrite_conditions(sc, fn)


def _aws_star(sc: Scenario) -> bool:
    rp = sc.resource_policy
    return rp is not None and any(st.get("Principal") == {"AWS": "*"} for st in statements(rp))


def _aws_star_as_star(sc: Scenario) -> Scenario:
    def per_policy(kind: str, doc: Doc) -> Doc:
        if kind != "resource":
            return doc
        sts = [
            {**st, "Principal": "*"} if st.get("Principal") == {"AWS": "*"} else st for st in statements(doc)
        ]
        return {**doc, "Statement": sts}

    return sc.map_policies(per_policy)


def _old_version_variables(sc: Scenario) -> bool:
    return any(
        not uses_variables(doc) and "${" in p
        for _k, doc in sc.policies()
        for st in statements(doc)
        for p in as_list(st.get("Resource", [])) + as_list(st.get("NotResource", []))
    )


def _drop_literal_variables(sc: Scenario) -> Scenario:
    """Before 2012-10-17, ``${...}`` is literal text; no generated resource contains it, so it never "
    "matches."""

    def per_policy(_kind: str, doc: Doc) -> Doc:
        if uses_variables(doc):
            return doc
        kept = []
        for st in statements(doc):
            st = dict(st)
            if "Resource" in st:
                st["Resource"] = [p for p in as_list(st["Resource"]) if "${" not in p]
                if not st["Resource"]:
                    continue
            if "NotResource" in st:
                st["NotResource"] = [p for p in as_list(st["NotResource"]) if "${" not in p] or [
                    "arn:aws:s3:::enjoin-differential-none"
                ]
            kept.append(st)
        return {**doc, "Statement": kept}

    return sc.map_policies(per_policy)


def _condition_variables(sc: Scenario) -> bool:
    return any(
        uses_variables(doc) and "${" in v
        for _kind, doc in sc.policies()
        for st in statements(doc)
        for block in (st.get("Condition") or {}).values()
        for values in block.values()
        for v in as_list(values)
    )


def _substitute_condition_variables(sc: Scenario) -> Scenario:
    assert sc.username is not None, "the generator puts ${aws:username} in conditions only for users"

    def fn(doc: Doc, op: str, key: str, values: Any) -> Any:
        if not uses_variables(doc):
            return op, values
        subst = [v.replace("${aws:username}", sc.username or "") for v in as_list(values)]
        return op, subst if isinstance(values, list) else subst[0]

    return rewrite_conditions(sc, fn)


def _names(st: Doc, element: str, arn: str) -> bool:
    block = st.get(element)
    return isinstance(block, dict) and arn in as_list(block.get("AWS", []))


def _same_account_role_grant(sc: Scenario) -> bool:
    rp = sc.resource_policy
    return (
        sc.is_role
        and sc.resource_account == sc.account
        and (sc.boundary is not None or sc.session is not None)
        and rp is not None
        and any(st["Effect"] == "Allow" and _names(st, "Principal", sc.principal) for st in statements(rp))
    )


def _trust_names_user_with_boundary(sc: Scenario) -> bool:
    rp = sc.resource_policy
    return (
        not sc.is_role
        and sc.action == "sts:AssumeRole"
        and sc.resource_account == sc.account
        and sc.boundary is not None
        and rp is not None
        and any(st["Effect"] == "Allow" and _names(st, "Principal", sc.principal) for st in statements(rp))
    )


def _notprincipal_with_boundary(sc: Scenario) -> bool:
    rp = sc.resource_policy
    return (
        sc.boundary is not None
        and rp is not None
        and any(st["Effect"] == "Deny" and _names(st, "NotPrincipal", sc.principal) for st in statements(rp))
    )


def _cross_account_without_resource_policy(sc: Scenario) -> bool:
    return sc.resource_account != sc.account and sc.resource_policy is None


def _unknown_as_principalmapper_reads_it(sc: Scenario) -> Scenario:
    """Each unknown operator replaced by what principalmapper makes of it (it tests for substrings)."""

    def fn(_doc: Doc, op: str, _key: str, values: Any) -> Any:
        if base_operator(op) in KNOWN_OPERATORS | {"Null"}:
            return op, values
        return ("StringEquals", values) if "StringEquals" in op else DROP_KEY

    return rewrite_conditions(sc, fn)


def _without_boundary_and_session_policy(sc: Scenario) -> Scenario:
    return dataclasses.replace(sc, boundary=None, session=None)


def _without_notprincipal_account_denies(sc: Scenario) -> Scenario:
    root = f"arn:aws:iam::{sc.account}:root"

    def per_policy(kind: str, doc: Doc) -> Doc:
        if kind != "resource":
            return doc
        keep = [
            st
            for st in statements(doc)
            if not (
                st["Effect"] == "Deny"
                and _names(st, "NotPrincipal", root)
                and not _names(st, "NotPrincipal", sc.principal)
            )
        ]
        return {**doc, "Statement": keep}

    return sc.map_policies(per_policy)


def _with_resource_policy_granting_the_principal(sc: Scenario) -> Scenario:
    grant = {"Effect": "Allow", "Principal": {"AWS": sc.principal}, "Action": "*", "Resource": "*"}
    if sc.action == "sts:AssumeRole":
        grant.pop("Resource")
    return dataclasses.replace(sc, resource_policy={"Version": "2012-10-17", "Statement": [grant]})


IAM = "IAM User Guide"
CO = f"{IAM}, IAM JSON policy elements: Condition operators"


@dataclasses.dataclass(frozen=True)
class Deviation:
    """A documented way principalmapper 1.1.5 departs from AWS's documented evaluation."""

    id: str
    behaviour: str  # what principalmapper does
    doc: str  # the documentation that shows it wrong
    applies: Callable[[Scenario], bool]
    # A scenario the documentation says is equivalent for this request, without the trigger: both
    # evaluators must then agree and enjoin must answer as before.
    rewrite: Callable[[Scenario], Scenario] | None = None
    # For a deviation no rewrite can remove: the direction of the disagreement it causes, and a
    # counterfactual scenario without its cause, on which principalmapper answers as before and enjoin
    # must now give principalmapper's answer.
    direction: Callable[[EnjoinAnswer, Outcome], bool] | None = None
    confirm: Callable[[Scenario], Scenario] | None = None


def _pattern_case(sc: Scenario) -> bool:
    return any(d.case_only for d in pattern_diffs(sc))


def _pattern_regex(sc: Scenario) -> bool:
    return any(not d.case_only for d in pattern_diffs(sc))


P_NOTPRINCIPAL = f"{IAM}, AWS JSON policy elements: NotPrincipal"
P_PRINCIPAL = f"{IAM}, AWS JSON policy elements: Principal"
P_VARIABLES = f"{IAM}, IAM policy elements: Variables and tags"
P_EVAL = (
    f"{IAM}, Policy evaluation logic > Determining whether a request is allowed or denied within an account"
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "unknown-operator-ignored",
        "reads an operator it does not know by substring (StringEqualsFoo as StringEquals) or skips it: "
        "it never refuses one (fails open)",
        f"{CO}: the operators are the String, Numeric, Date, Boolean, Binary, IP address, ARN, "
        f"...IfExists and Null families; {IAM}, Grammar of the IAM JSON policy language: a "
        "condition_type_string is one of them. enjoin answers INDETERMINATE rather than guess",
        _has_unknown_operator,
        direction=lambda e, _p: e is Decision.INDETERMINATE,
        confirm=_unknown_as_principalmapper_reads_it,
    ),
    Deviation(
        "ifexists-with-present-key",
        "evaluates Numeric...IfExists and Date...IfExists as false, and IpAddressIfExists as "
        "NotIpAddress, when the key is present (it compares operator names with the plain names)",
        f"{CO} > ...IfExists condition operators: if the policy key is present in the context of "
        "the request, process the key as specified in the policy",
        _ifexists_present,
        rewrite=_strip_ifexists,
    ),
    Deviation(
        "negated-operator-missing-key",
        "evaluates StringNotLike on a key absent from the request as false",
        f"{CO}: if the policy condition requires that the key is not matched, such as StringNotLike "
        "or ArnNotLike, and the right key is not present, the condition is true",
        _notlike_missing,
        rewrite=_notlike_ifexists,
    ),
    Deviation(
        "date-range-first-value-only",
        "evaluates only the first value of a DateLessThan/DateGreaterThan(Equals) condition",
        f"{IAM}, IAM JSON policy elements: Condition > The condition block: if a single condition "
        "operator includes multiple values for one key, that condition operator is evaluated using a "
        "logical OR",
        _date_range_lists,
        rewrite=_date_range_single_value,
    ),
    Deviation(
        "binary-ifexists-missing-key",
        "evaluates BinaryEqualsIfExists on a key absent from the request as false",
        f"{CO} > ...IfExists condition operators: if the key is not present, evaluate the condition "
        "element as true",
        _binary_ifexists_missing,
        rewrite=_drop_true_binary_ifexists,
    ),
    Deviation(
        "aws-star-principal-as-account",
        'treats {"AWS": "*"} in a same-account resource policy as naming the account (an identity '
        'policy must then allow too), unlike "*"',
        f'{P_PRINCIPAL} > All principals: "Principal": "*" and "Principal": {{"AWS": "*"}} are '
        "equivalent; for IAM users and role principals within your account, no other permissions "
        "are required",
        _aws_star,
        rewrite=_aws_star_as_star,
    ),
    Deviation(
        "arn-case-insensitive",
        "matches Resource/NotResource ARNs and ARN condition values ignoring letter case",
        f"{IAM}, IAM JSON policy elements: Resource: in a Resource element, the IAM user name is case "
        "sensitive; Amazon S3 User Guide, Naming Amazon S3 objects: object key names are case "
        f"sensitive; {CO} > Amazon Resource Name (ARN) condition operators: case-sensitive matching",
        _pattern_case,
        rewrite=rewrite_patterns,
    ),
    Deviation(
        "regex-metacharacters",
        "turns * and ? into a regular expression escaping only . $ ^, so + ( ) [ ] { } | in a "
        "Resource, Action or StringLike pattern act as regex syntax (unbalanced ( raises re.error)",
        f"{IAM}, IAM JSON policy elements: Resource: an asterisk (*) represents any combination of "
        "characters and a question mark (?) represents any single character (nothing else is a "
        f"wildcard); {CO} > String condition operators: StringLike takes the * and ? wildcards",
        _pattern_regex,
        rewrite=rewrite_patterns,
    ),
    Deviation(
        "variables-in-old-versions",
        "substitutes policy variables in Resource elements of policies without Version 2012-10-17",
        f"{P_VARIABLES}: variables were introduced in version 2012-10-17; without that Version, "
        "variables like ${aws:username} are treated as literal strings in the policy",
        _old_version_variables,
        rewrite=_drop_literal_variables,
    ),
    Deviation(
        "no-variables-in-conditions",
        "does not substitute policy variables in condition values",
        f"{P_VARIABLES} > Condition element: you can use a policy variable for Condition values in "
        "any condition that involves the string operators or the ARN operators",
        _condition_variables,
        rewrite=_substitute_condition_variables,
    ),
    Deviation(
        "role-grant-skips-boundary-and-session-policy",
        "allows what a same-account resource policy grants to the role ARN without consulting the "
        "role's permissions boundary or session policy",
        f"{P_EVAL}: resource-based policies that grant permissions to an IAM role ARN are limited by "
        "an implicit deny in a permissions boundary or session policy",
        _same_account_role_grant,
        direction=lambda e, p: p is True and e is Decision.IMPLICIT_DENY,
        confirm=_without_boundary_and_session_policy,
    ),
    Deviation(
        "trust-grant-skips-user-boundary",
        "allows sts:AssumeRole when the trust policy names the IAM user, without consulting the "
        "user's permissions boundary",
        f"{IAM}, Update a role trust policy > Notes: if a user is listed as the principal in a role's "
        "trust policy but cannot assume the role, check the user's permissions boundary: it must "
        "allow the sts:AssumeRole action",
        _trust_names_user_with_boundary,
        direction=lambda e, p: p is True and e is Decision.IMPLICIT_DENY,
        confirm=_without_boundary_and_session_policy,
    ),
    Deviation(
        "notprincipal-account-spares-its-users",
        "spares every principal of an account whose root ARN a NotPrincipal Deny lists",
        f"{P_NOTPRINCIPAL} > NotPrincipal with Deny: listing the user Bob and his account, all "
        "principals except the user named Bob are explicitly denied (the account is listed so that "
        "Bob's account is not denied as a whole)",
        _notprincipal_account,
        direction=lambda e, p: p is True and e is Decision.EXPLICIT_DENY,
        confirm=_without_notprincipal_account_denies,
    ),
    Deviation(
        "notprincipal-deny-spares-bounded-principal",
        "spares a principal a NotPrincipal Deny lists even when it has a permissions boundary",
        f"{P_NOTPRINCIPAL} > Key points: the NotPrincipal element with a Deny effect will always deny "
        "any IAM principal that has a permissions boundary policy attached, regardless of the values "
        "specified in the NotPrincipal element",
        _notprincipal_with_boundary,
        direction=lambda e, p: p is True and e is Decision.EXPLICIT_DENY,
        confirm=_without_boundary_and_session_policy,
    ),
    Deviation(
        "cross-account-without-resource-policy",
        "allows a request for a resource of another account on the identity policy alone when no "
        "resource policy is given",
        f"{IAM}, Cross-account policy evaluation logic: the identity-based policy in the trusted "
        "account and the resource-based policy in the trusting account must both allow the request",
        _cross_account_without_resource_policy,
        direction=lambda e, p: p is True and e is Decision.IMPLICIT_DENY,
        confirm=_with_resource_policy_granting_the_principal,
    ),
)


def explain(sc: Scenario, e: EnjoinAnswer, cache: gen.PolicyCache, depth: int = 0) -> tuple[str, ...] | None:
    """The deviations that explain a disagreement on ``sc``: () when there is none, None if unexplained."""
    p = run_pmapper(sc)
    if agree(e, p):
        return ()
    if depth > 2:
        return None
    hits = [d for d in DEVIATIONS if d.applies(sc)]
    for d in hits:
        if d.direction is None or d.confirm is None or not d.direction(e, p):
            continue
        counterfactual = d.confirm(sc)
        if run_pmapper(counterfactual) != p:
            continue
        rest = explain(counterfactual, run_enjoin(counterfactual, cache), cache, depth + 1)
        if rest is not None:
            return (d.id, *rest)
    rewritable = [d for d in hits if d.rewrite is not None]
    # The smallest explanation first: one rewrite alone, then all of them together.
    attempts = [[d] for d in rewritable] + ([rewritable] if len(rewritable) > 1 else [])
    for group in attempts:
        rewritten = sc
        for d in group:
            assert d.rewrite is not None
            rewritten = d.rewrite(rewritten)
        e2 = run_enjoin(rewritten, cache)
        if e2 != e:
            continue  # enjoin does not find the rewrite equivalent: it explains nothing
        rest = explain(rewritten, e2, cache, depth + 1)
        if rest is not None:
            return (*(d.id for d in group), *rest)
    return None


@dataclasses.dataclass
class Tally:
    agreements: int = 0
    disagreements: int = 0
    explained: Counter[str] = dataclasses.field(default_factory=Counter)
    unexplained: list[str] = dataclasses.field(default_factory=list)
    decisions: Counter[str] = dataclasses.field(default_factory=Counter)


def differential(seed: int = SEED, count: int = COUNT) -> Tally:
    cache = gen.PolicyCache()
    tally = Tally()
    for index, sc in enumerate(gen.scenarios(seed, count)):
        e, p = run_enjoin(sc, cache), run_pmapper(sc)
        tally.decisions[e.value if isinstance(e, Decision) else "error"] += 1
        if agree(e, p):
            tally.agreements += 1
            continue
        tally.disagreements += 1
        why = explain(sc, e, cache)
        if not why:  # None: unexplained; () cannot happen for a disagreement
            tally.unexplained.append(f"#{index}: enjoin {e} vs principalmapper {p}: {sc}")
        else:
            tally.explained.update(why)
    return tally


def test_every_disagreement_with_principalmapper_is_a_documented_deviation() -> None:
    tally = differential()
    print(f"\n{COUNT} scenarios: {tally.agreements} agree, {tally.disagreements} disagree")
    print(f"enjoin's decisions: {dict(sorted(tally.decisions.items()))}")
    for d in DEVIATIONS:
        print(f"  {d.id}: {tally.explained[d.id]}")
    assert len(tally.unexplained) == 0, "\n".join(tally.unexplained[:5])
    # The list has no dead entries: with this seed every documented deviation shows up at least once.
    assert {d.id for d in DEVIATIONS} - set(tally.explained) == set()
    # The generator reaches every decision: allows, both denies and fail-closed answers.
    assert set(tally.decisions) == {"ALLOW", "EXPLICIT_DENY", "IMPLICIT_DENY", "INDETERMINATE"}
    assert tally.agreements + tally.disagreements == COUNT
