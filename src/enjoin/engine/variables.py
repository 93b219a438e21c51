"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${aws:userid, 'anonymous'}``.

Only policies of Version ``2012-10-17`` substitute variables, and only in ``Resource``/``NotResource``
and in the values of the String and ARN condition operators; everywhere else (and in every policy of
the 2008 version) ``${...}`` is literal text. A template is parsed once into pieces; at decision time
each variable is replaced by the request-context value of its key, which is matched LITERALLY (a
``*`` in a tag value is not a wildcard). The special variables ``${*}``, ``${?}`` and ``${$}`` stand for
those characters, literally.

A variable whose key is absent from the request, without a default, makes the whole statement
invalid (AWS: "any attempt to match it fails and causes the statement to be invalid"): the statement
does not apply. A multivalued key cannot be a variable; a key whose value the engine does not know
(``aws:userid`` without a principal id) makes the statement's outcome unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from enjoin.engine.wildcard import Literal

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Variable:
    """One ``${key}`` or ``${key, 'default'}`` in a template."""

    key: str  # lower-cased: condition key names are case-insensitive
    source: str  # as written, for explanations
    default: str | None


Template = tuple["str | Literal | Variable", ...]


class Unresolvable(Exception):
    """A variable's key is absent (and it has no default): the statement is invalid."""


class UnknownVariable(Exception):
    """A variable's value cannot be known (multivalued, or not known to the engine)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_template(text: str) -> Template:
    """Split ``text`` into literal text (wildcards active), literal characters and variables."""
    out: list[str | Literal | Variable] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > position:
            out.append(text[position : found.start()])
        inner = found.group(1)
        if inner in _SPECIAL:
            out.append(Literal(_SPECIAL[inner]))
        else:
            with_default = _DEFAULT.fullmatch(inner)
            if with_default:
                out.append(Variable(with_default.group(1).lower(), found.group(0), with_default.group(2)))
            else:
                out.append(Variable(inner.strip().lower(), found.group(0), None))
        position = found.end()
    if position < len(text):
        out.append(text[position:])
    return tuple(out)


def has_variables(template: Template) -> bool:
    """Whether the template holds a variable whose value comes from the request."""
    return any(isinstance(piece, Variable) for piece in template)


# Looks a lower-cased key up: a string, a tuple of strings, None (absent), or UNKNOWN_VALUE.
Lookup = Callable[[str], object]


def resolve(template: Template, lookup: Lookup, unknown_marker: object) -> tuple[str | Literal, ...]:
    """Substitute every variable; raise :class:`Unresolvable` or :class:`UnknownVariable`."""
    out: list[str | Literal] = []
    for piece in template:
        if not isinstance(piece, Variable):
            out.append(piece)
            continue
        value = lookup(piece.key)
        if value is unknown_marker:
            raise UnknownVariable(f"the value of {piece.source} is not known")
        if isinstance(value, tuple):
            if len(value) == 1:
                value = value[0]
            elif not value:
                value = None
            else:
                raise UnknownVariable(f"{piece.source} names a multivalued key, which cannot be a variable")
        if value is None:
            if piece.default is None:
                raise Unresolvable(piece.source)
            value = piece.default
        out.append(Literal(str(value)))
    return tuple(out)


def literal_template(text: str) -> Template:
    """A template for a policy of the 2008 version: no variables at all."""
    return (text,)
