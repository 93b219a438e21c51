"""The Condition element: operators, qualifiers, missing keys, and their concrete evaluation.

Semantics (IAM User Guide, "IAM JSON policy elements: Condition operators", "Creating a condition with
multiple context keys or values", "Single-valued vs. multivalued context keys"):

- Several operators in a block, and several keys under one operator, must all be true (AND); several
  values for one key match if any matches (OR); a negated operator (``StringNotEquals``,
  ``StringNotEqualsIgnoreCase``, ``StringNotLike``, ``NumericNotEquals``, ``DateNotEquals``,
  ``ArnNotEquals``, ``ArnNotLike``, ``NotIpAddress``) is the negation of its positive form (NOR).
- A key absent from the request: the condition is false, except that a negated operator is true,
  an ``...IfExists`` operator is true, and ``Null`` tests presence itself.
- ``ForAllValues:`` is true when every value of the (multivalued) key matches, and when the key is
  absent or empty; ``ForAnyValue:`` is true when at least one value matches, false when it is absent.
- A plain operator applied to a key that has several values in the request is not documented by
  AWS: the engine answers UNKNOWN for it (fail closed).
- An operator the engine does not know compiles, and evaluates to UNKNOWN with its name (never
  treated as satisfied).

String and ARN values may hold policy variables (Version 2012-10-17): they are resolved per request.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from enjoin.engine import values as v
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN, Truth
from enjoin.engine.variables import Template, has_variables, literal_template, parse_template, resolve
from enjoin.engine.wildcard import GlobSet, Literal, compile_arn_pattern, literal_text

# Looks a lower-cased key up: a string, a tuple of strings, None (absent), or UNKNOWN_VALUE.
Lookup = Callable[[str], object]


class _UnknownValue:
    """The marker for a context value that exists but is not known to the engine."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN_VALUE"


UNKNOWN_VALUE: Any = _UnknownValue()


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """What a base operator (without qualifier or IfExists) does."""

    family: str  # string, like, ignorecase, numeric, date, bool, binary, ip, arn, null
    negated: bool  # a Not* operator: the negation of the positive comparison
    compare: str  # for numeric and date: eq, lt, le, gt, ge; empty otherwise


OPERATORS: dict[str, OperatorSpec] = {
    "StringEquals": OperatorSpec("string", False, ""),
    "StringNotEquals": OperatorSpec("string", True, ""),
    "StringEqualsIgnoreCase": OperatorSpec("ignorecase", False, ""),
    "StringNotEqualsIgnoreCase": OperatorSpec("ignorecase", True, ""),
    "StringLike": OperatorSpec("like", False, ""),
    "StringNotLike": OperatorSpec("like", True, ""),
    "NumericEquals": OperatorSpec("numeric", False, "eq"),
    "NumericNotEquals": OperatorSpec("numeric", True, "eq"),
    "NumericLessThan": OperatorSpec("numeric", False, "lt"),
    "NumericLessThanEquals": OperatorSpec("numeric", False, "le"),
    "NumericGreaterThan": OperatorSpec("numeric", False, "gt"),
    "NumericGreaterThanEquals": OperatorSpec("numeric", False, "ge"),
    "DateEquals": OperatorSpec("date", False, "eq"),
    "DateNotEquals": OperatorSpec("date", True, "eq"),
    "DateLessThan": OperatorSpec("date", False, "lt"),
    "DateLessThanEquals": OperatorSpec("date", False, "le"),
    "DateGreaterThan": OperatorSpec("date", False, "gt"),
    "DateGreaterThanEquals": OperatorSpec("date", False, "ge"),
    "Bool": OperatorSpec("bool", False, ""),
    "BinaryEquals": OperatorSpec("binary", False, ""),
    "IpAddress": OperatorSpec("ip", False, ""),
    "NotIpAddress": OperatorSpec("ip", True, ""),
    "ArnEquals": OperatorSpec("arn", False, ""),
    "ArnLike": OperatorSpec("arn", False, ""),
    "ArnNotEquals": OperatorSpec("arn", True, ""),
    "ArnNotLike": OperatorSpec("arn", True, ""),
    "Null": OperatorSpec("null", False, ""),
}
# Families whose values may hold policy variables.
VARIABLE_FAMILIES = frozenset({"string", "like", "ignorecase", "arn"})
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}

# Qualifiers.
PLAIN = 0
FOR_ALL = 1
FOR_ANY = 2

# One request value against all policy values of the condition (positive form).
Matcher = Callable[[str], Truth]
Pieces = tuple["str | Literal", ...]


def scalar_text(value: object) -> str | None:
    """A JSON scalar as the string IAM compares: booleans lower-case, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return None


def _make_matcher(spec: OperatorSpec, values: tuple[Pieces, ...]) -> Matcher | str:
    """Compile the positive comparison of one request value with every policy value, or a reason
    string when a policy value cannot be read as the operator's type."""
    family = spec.family
    if family in ("string", "binary"):
        exact = frozenset(literal_text(p) for p in values)
        return lambda value: TRUE if value in exact else FALSE
    if family == "like":
        globs = GlobSet(values)
        return lambda value: TRUE if globs.match(value) else FALSE
    if family == "ignorecase":
        texts = tuple(literal_text(p) for p in values)
        return lambda value: TRUE if any(v.equals_ignoring_case(value, t) for t in texts) else FALSE
    if family == "bool":
        texts_b = frozenset(literal_text(p).lower() for p in values)
        return lambda value: TRUE if value.isascii() and value.lower() in texts_b else FALSE
    if family == "arn":
        arn_matchers = []
        for piece in values:
            compiled = compile_arn_pattern(piece)
            if compiled is None:
                return f"{literal_text(piece)!r} is not an ARN (six colon-separated components)"
            arn_matchers.append(compiled)
        return lambda value: TRUE if any(m(value) for m in arn_matchers) else FALSE
    if family == "numeric":
        numbers: list[Fraction] = []
        for piece in values:
            number = v.parse_number(literal_text(piece))
            if number is None:
                return f"{literal_text(piece)!r} is not a number"
            numbers.append(number)
        return _ordered_matcher(v.parse_number, COMPARE[spec.compare], tuple(numbers))
    if family == "date":
        dates: list[int] = []
        for piece in values:
            date = v.parse_date(literal_text(piece))
            if date is None:
                return f"{literal_text(piece)!r} is not an ISO 8601 date or epoch time"
            dates.append(date)
        return _ordered_matcher(v.parse_date, COMPARE[spec.compare], tuple(dates))
    if family == "ip":
        networks: list[v.IpNetwork] = []
        for piece in values:
            network = v.parse_network(literal_text(piece))
            if network is None:
                return f"{literal_text(piece)!r} is not an IP address or CIDR block"
            networks.append(network)
        return _ip_matcher(tuple(networks))
    raise AssertionError(family)  # pragma: no cover - null is handled by the caller


def _ordered_matcher(
    parse: Callable[[str], Any], compare: Callable[[Any, Any], bool], policy: tuple[Any, ...]
) -> Matcher:
    def match(value: str) -> Truth:
        parsed = parse(value)
        if parsed is None:
            return UNKNOWN
        return TRUE if any(compare(parsed, p) for p in policy) else FALSE

    return match


def _ip_matcher(networks: tuple[v.IpNetwork, ...]) -> Matcher:
    def match(value: str) -> Truth:
        address = v.parse_ip(value)
        if address is None:
            return UNKNOWN
        return TRUE if any(v.in_network(address, n) for n in networks) else FALSE

    return match


class Condition:
    """One (operator, key, values) triple of a Condition block, compiled."""

    __slots__ = (
        "_cache",
        "_fast",
        "_static",
        "family",
        "if_exists",
        "key",
        "key_lower",
        "negated",
        "null_wants",
        "operator",
        "qualifier",
        "spec",
        "templates",
        "unsupported",
        "values",
        "variables",
    )

    def __init__(self, operator_name: str, key: str, raw_values: tuple[str, ...], *, variables: bool) -> None:
        self.operator = operator_name
        self.key = key
        self.key_lower = key.lower()
        self.values = raw_values
        self.unsupported: str | None = None
        self.qualifier = PLAIN
        self.if_exists = False
        self.negated = False
        self.family = ""
        self.spec: OperatorSpec | None = None
        self.null_wants: frozenset[bool] = frozenset()
        self.templates: tuple[Template, ...] = ()
        # Whether a value holds a policy variable (resolved per request).
        self.variables = False
        self._static: Matcher | None = None
        # The static matcher of a plain (unqualified) operator: the common case, tested first.
        self._fast: Matcher | None = None
        self._cache: dict[tuple[Pieces, ...], Matcher | str] = {}

        base = operator_name
        if base.startswith("ForAllValues:"):
            self.qualifier, base = FOR_ALL, base[len("ForAllValues:") :]
        elif base.startswith("ForAnyValue:"):
            self.qualifier, base = FOR_ANY, base[len("ForAnyValue:") :]
        if base.endswith("IfExists") and base != "IfExists":
            self.if_exists, base = True, base[: -len("IfExists")]
        spec = OPERATORS.get(base)
        if spec is None or (spec.family == "null" and (self.if_exists or self.qualifier != PLAIN)):
            self.unsupported = f"condition operator {operator_name!r} is not supported"
            return
        self.spec = spec
        self.family = spec.family
        self.negated = spec.negated
        if spec.family == "null":
            wants = set()
            for raw in raw_values:
                if raw.lower() not in ("true", "false"):
                    self.unsupported = f"Null expects 'true' or 'false', found {raw!r}"
                    return
                wants.add(raw.lower() == "true")
            self.null_wants = frozenset(wants)
            return
        if variables and spec.family in VARIABLE_FAMILIES:
            self.templates = tuple(parse_template(raw) for raw in raw_values)
        else:
            self.templates = tuple(literal_template(raw) for raw in raw_values)
        self.variables = any(has_variables(t) for t in self.templates)
        if not self.variables:
            static = _make_matcher(spec, tuple(_static_pieces(t) for t in self.templates))
            if isinstance(static, str):
                self.unsupported = static
            else:
                self._static = static
                if self.qualifier == PLAIN:
                    self._fast = static

    def resolved_values(self, lookup: Lookup) -> tuple[Pieces, ...]:
        """The policy values with variables substituted (raises Unresolvable/UnknownVariable)."""
        return tuple(resolve(t, lookup, UNKNOWN_VALUE) for t in self.templates)

    def matcher(self, lookup: Lookup) -> Matcher | str:
        """The positive matcher for this request (variables resolved), or a reason it cannot be built."""
        if self._static is not None:
            return self._static
        return self.matcher_of(self.resolved_values(lookup))

    def matcher_of(self, resolved: tuple[Pieces, ...]) -> Matcher | str:
        """The positive matcher for these values (variables already substituted), kept per values."""
        assert self.spec is not None
        found = self._cache.get(resolved)
        if found is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            found = self._cache[resolved] = _make_matcher(self.spec, resolved)
        return found

    def evaluate(self, lookup: Lookup) -> Truth:
        """Evaluate against the request context. May raise Unresolvable (statement invalid) or
        UnknownVariable (outcome unknown)."""
        if self.unsupported is not None:
            return UNKNOWN
        value = lookup(self.key_lower)
        fast = self._fast
        if fast is not None and value.__class__ is str:
            result = fast(value)  # a str, checked above
            return 2 - result if self.negated else result
        if value is UNKNOWN_VALUE:
            return UNKNOWN
        if value is None or value == ():
            members: tuple[str, ...] = ()
        elif isinstance(value, str):
            members = (value,)
        else:
            members = value  # type: ignore[assignment]  # lookups hold str, tuple[str, ...] or None
        if self.family == "null":
            return TRUE if (not members) in self.null_wants else FALSE
        qualifier = self.qualifier
        if not members:
            if self.if_exists or qualifier == FOR_ALL:
                return TRUE
            if qualifier == FOR_ANY:
                return FALSE
            return TRUE if self.negated else FALSE
        match = self.matcher(lookup)
        if isinstance(match, str):
            return UNKNOWN
        negated = self.negated
        if qualifier == PLAIN:
            if len(members) > 1:
                return UNKNOWN
            result = match(members[0])
            return 2 - result if negated else result
        results = [(2 - match(m)) if negated else match(m) for m in members]
        return min(results) if qualifier == FOR_ALL else max(results)

    def unknown_reason(self, lookup: Lookup) -> str:
        """Why :meth:`evaluate` answered UNKNOWN, in words."""
        if self.unsupported is not None:
            return self.unsupported
        value = lookup(self.key_lower)
        if value is UNKNOWN_VALUE:
            return f"the value of {self.key} is not known to the engine"
        if isinstance(value, tuple) and len(value) > 1 and self.qualifier == PLAIN:
            return (
                f"{self.operator} without ForAllValues/ForAnyValue applied to {self.key}, "
                f"which has {len(value)} values (behaviour not documented)"
            )
        match = self.matcher(lookup)
        if isinstance(match, str):
            return match
        return f"a value of {self.key} ({value!r}) cannot be read as {self.family} for {self.operator}"


def _static_pieces(template: Template) -> Pieces:
    """A template without request variables, as matcher pieces."""
    return tuple(p for p in template if isinstance(p, str | Literal))
