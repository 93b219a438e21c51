"""How each free key of an existential question is modelled; shared by both exact solvers.

A free key is typed by the operator families that compare it: strings (String, StringLike,
IgnoreCase, Bool, Binary, ARN operators), numbers, dates or IP addresses; a key only tested by
``Null`` is presence-only. It is multivalued when a set operator (``ForAllValues``/``ForAnyValue``)
tests it, unless AWS documents it as single-valued. ``aws:CurrentTime`` and ``aws:EpochTime`` are one
instant. A key compared by two incompatible families, or by plain and set operators while
multivalued, is not modelled: its atoms stay UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from enjoin.engine import values as vals
from enjoin.engine.conditions import PLAIN
from enjoin.engine.symbolic import Atom

# Keys AWS documents as single-valued although a policy may apply a set operator to them.
SINGLE_VALUED = frozenset(
    {
        "aws:sourceip",
        "aws:securetransport",
        "aws:currenttime",
        "aws:epochtime",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:requestedregion",
        "aws:useragent",
        "aws:referer",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:tokenissuetime",
        "aws:viaawsservice",
        "aws:sourceidentity",
        "s3:prefix",
        "sts:externalid",
        "sts:rolesessionname",
        "kms:viaservice",
    }
)
# Keys AWS documents as boolean: when present, the request carries "true" or "false" and nothing
# else ("AWS global condition context keys"), so a witness may only give them those values.
BOOLEAN_KEYS = frozenset({"aws:multifactorauthpresent", "aws:securetransport", "aws:viaawsservice"})
BOOLEAN_VALUES = ("true", "false")
# Keys AWS documents as always in the request context ("AWS global condition context keys",
# Availability): the time of the request, and whether it came over TLS. A witness never leaves them
# out (aws:EpochTime is planned as aws:currenttime).
ALWAYS_PRESENT = frozenset({"aws:currenttime", "aws:securetransport"})
TIME_KEYS = ("aws:currenttime", "aws:epochtime")
STRING_FAMILIES = frozenset({"string", "like", "ignorecase", "bool", "binary", "arn"})


@dataclass(slots=True)
class KeyPlan:
    """The model of one free key."""

    key: str  # lower-cased (aws:EpochTime is planned as aws:currenttime)
    name: str  # as written in the policy
    kind: str  # string, numeric, date, ip, presence
    multi: bool  # a set of values rather than one
    atoms: list[Atom] = field(default_factory=list)
    scale: int = 1  # numbers: a value n stands for n / scale

    @property
    def set_atoms(self) -> int:
        """How many atoms test the key with a set operator (bounds the members needed)."""
        return sum(1 for a in self.atoms if a.qualifier != PLAIN)


def alias(key: str) -> str:
    """aws:EpochTime and aws:CurrentTime are one instant."""
    return "aws:currenttime" if key in TIME_KEYS else key


def text(piece: Sequence[object]) -> str:
    """The text of a resolved value (its pieces joined)."""
    return "".join(p if isinstance(p, str) else getattr(p, "text", "") for p in piece)


def decimals(number: Fraction) -> int:
    """How many decimals a (finite decimal) number has."""
    digits = 0
    while (number * 10**digits).denominator != 1:
        digits += 1
    return digits


def plan(atoms: Sequence[Atom]) -> tuple[dict[str, KeyPlan], dict[str, str]]:
    """Model every key of the atoms: ``(plans by key, reasons for the keys that cannot be modelled)``."""
    by_key: dict[str, list[Atom]] = {}
    for atom in atoms:
        by_key.setdefault(alias(atom.key), []).append(atom)
    plans: dict[str, KeyPlan] = {}
    unsupported: dict[str, str] = {}
    for key, key_atoms in by_key.items():
        families = {a.family for a in key_atoms if a.family != "null"}
        kinds = {"string" if f in STRING_FAMILIES else f for f in families}
        name = key_atoms[0].key_name
        if len(kinds) > 1:
            unsupported[key] = f"{name} is compared as {' and as '.join(sorted(kinds))}"
            continue
        kind = kinds.pop() if kinds else "presence"
        multi = any(a.qualifier != PLAIN for a in key_atoms) and key not in SINGLE_VALUED
        if multi and any(a.qualifier == PLAIN and a.family != "null" for a in key_atoms):
            unsupported[key] = f"{name} is compared both with and without ForAllValues/ForAnyValue"
            continue
        scale = 1
        if kind == "numeric":
            digits = 0
            bad = None
            for atom in key_atoms:
                for piece in atom.values:
                    number = vals.parse_number(text(piece))
                    if number is None:
                        bad = text(piece)
                        break
                    digits = max(digits, decimals(number))
            if bad is not None:
                unsupported[key] = f"{bad!r} is not a number"
                continue
            scale = 10 ** (digits + 1)
        plans[key] = KeyPlan(key, name, kind, multi, key_atoms, scale)
    return plans, unsupported
