"""Wildcard matching for actions, resources and ``StringLike``/``ArnLike`` values.

AWS policies use two wildcards: ``*`` (any run of characters, including none) and ``?`` (exactly one
character). Everything else is literal, so a pattern is ESCAPED first and only then are the two
wildcards translated: a ``.`` in ``arn:aws:s3:::my.bucket`` matches a dot and nothing else (moto's
``*`` -> ``.*`` without escaping is the bug this module exists to avoid).

Patterns are compiled once into the cheapest test that is exact: equality, ``str.startswith``,
``str.endswith``, or one pre-compiled regular expression. :class:`GlobSet` folds a whole list of
patterns (a statement's ``Action`` or ``Resource``) into a set lookup, one ``startswith`` call with a
tuple and one alternation regex, so matching a list costs a few C calls at decision time.

A pattern can carry literal segments (the value of a policy variable substituted into it, or the
special variables ``${*}``, ``${?}``, ``${$}``): those are passed as :class:`Literal` pieces and
are never read as wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Matcher = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Literal:
    """A piece of a pattern that is matched literally, wildcard characters included."""

    text: str


# A pattern is plain text (wildcards active) or a sequence of text and Literal pieces.
Pattern = str | Sequence["str | Literal"]


def pieces(pattern: Pattern) -> tuple[str | Literal, ...]:
    """Normalise a pattern to a tuple of pieces."""
    if isinstance(pattern, str):
        return (pattern,)
    return tuple(pattern)


def has_wildcard(pattern: Pattern) -> bool:
    """Whether any active (non-literal) part of ``pattern`` holds ``*`` or ``?``."""
    return any(isinstance(p, str) and ("*" in p or "?" in p) for p in pieces(pattern))


def literal_text(pattern: Pattern) -> str:
    """The text of a pattern without wildcards (callers check :func:`has_wildcard` first)."""
    return "".join(p if isinstance(p, str) else p.text for p in pieces(pattern))


def regex_source(pattern: Pattern, *, star: str = ".*", one: str = ".") -> str:
    """Translate a pattern to regular-expression source: escape everything, then the wildcards."""
    out: list[str] = []
    for piece in pieces(pattern):
        if isinstance(piece, Literal):
            out.append(re.escape(piece.text))
            continue
        for ch in piece:
            if ch == "*":
                out.append(star)
            elif ch == "?":
                out.append(one)
            else:
                out.append(re.escape(ch))
    return "".join(out)


def _always(_: str) -> bool:
    return True


def compile_glob(pattern: Pattern) -> Matcher:
    """Compile one pattern into the cheapest exact test (case-sensitive; lower-case both sides first
    for a case-insensitive match)."""
    parts = pieces(pattern)
    if not has_wildcard(parts):
        return literal_text(parts).__eq__
    if parts == ("*",):
        return _always
    if len(parts) == 1 and isinstance(parts[0], str):
        text = parts[0]
        body = text[:-1]
        if text.endswith("*") and "*" not in body and "?" not in body:
            return _startswith(body)
        body = text[1:]
        if text.startswith("*") and "*" not in body and "?" not in body:
            return _endswith(body)
    regex = re.compile(regex_source(parts), re.DOTALL)
    return lambda value: regex.fullmatch(value) is not None


def _startswith(prefix: str) -> Matcher:
    return lambda value: value.startswith(prefix)


def _endswith(suffix: str) -> Matcher:
    return lambda value: value.endswith(suffix)


class GlobSet:
    """A list of patterns matched as one: does any pattern match the value?

    Exact patterns go to a frozenset, ``prefix*`` patterns to one tuple for ``str.startswith``, and
    the rest to a single alternation regex. ``"*"`` makes the set match everything.
    """

    __slots__ = ("_exact", "_matches_all", "_patterns", "_prefixes", "_regex")

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        # Sorted on first use: most statements compiled for one request (``enjoin decide``) are
        # decided by the compiled core, which matches its own way, and never ask their GlobSets.
        self._patterns: tuple[Pattern, ...] | None = tuple(patterns)

    def _build(self) -> None:
        patterns = self._patterns
        if patterns is None:  # built meanwhile by another thread
            return
        exact: set[str] = set()
        prefixes: list[str] = []
        regexes: list[str] = []
        matches_all = False
        for pattern in patterns:
            parts = pieces(pattern)
            if not has_wildcard(parts):
                exact.add(literal_text(parts))
                continue
            if parts == ("*",):
                matches_all = True
                continue
            if len(parts) == 1 and isinstance(parts[0], str):
                body = parts[0][:-1]
                if parts[0].endswith("*") and "*" not in body and "?" not in body:
                    prefixes.append(body)
                    continue
            regexes.append(regex_source(parts))
        self._matches_all = matches_all
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._regex = re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL) if regexes else None
        self._patterns = None

    @property
    def matches_all(self) -> bool:
        """Whether the set holds a bare ``*``."""
        if self._patterns is not None:
            self._build()
        return self._matches_all

    def match(self, value: str) -> bool:
        """Whether any pattern of the set matches ``value`` in full."""
        if self._patterns is not None:
            self._build()
        if self._matches_all or value in self._exact:
            return True
        if self._prefixes and value.startswith(self._prefixes):
            return True
        regex = self._regex
        return regex is not None and regex.fullmatch(value) is not None


ARN_COMPONENTS = 6


# Tokens of a pattern, shared by the regex and the solver translations.
LIT = "lit"  # literal text
STAR = "star"  # any run of characters
ONE = "one"  # exactly one character
COLON = "colon"  # an ARN component separator (ARN patterns only)
Token = tuple[str, str, bool]  # (kind, literal text, bounded: the wildcard may not cross a colon)


def glob_tokens(pattern: Pattern) -> list[Token]:
    """The tokens of a whole-string glob (``StringLike``, actions, resources)."""
    out: list[Token] = []
    for piece in pieces(pattern):
        if isinstance(piece, Literal):
            out.append((LIT, piece.text, False))
            continue
        run: list[str] = []
        for ch in piece:
            if ch in "*?":
                if run:
                    out.append((LIT, "".join(run), False))
                    run = []
                out.append((STAR if ch == "*" else ONE, "", False))
            else:
                run.append(ch)
        if run:
            out.append((LIT, "".join(run), False))
    return out


def arn_tokens(pattern: Pattern) -> list[Token] | None:
    """The tokens of an ARN-operator pattern (``ArnEquals``, ``ArnLike`` and their negations).

    AWS checks each of the six colon-delimited components of the ARN separately, each with its own
    wildcards. Splitting the value at its first five colons, the first five components hold no colon
    and the sixth (the resource) may: so within the first five components a wildcard is BOUNDED (it
    stands for characters other than ``:``), in the sixth it is not. Returns None when the pattern does
    not have six components (it is not an ARN).
    """
    out: list[Token] = []
    component = 0
    last = ARN_COMPONENTS - 1
    for kind, text, _ in glob_tokens(pattern):
        if kind != LIT:
            out.append((kind, "", component < last))
            continue
        while component < last and ":" in text:
            head, text = text.split(":", 1)
            if head:
                out.append((LIT, head, False))
            out.append((COLON, ":", False))
            component += 1
        if text:
            out.append((LIT, text, False))
    if component != last:
        return None
    return out


def tokens_regex_source(tokens: Sequence[Token]) -> str:
    """Regular-expression source for tokens (escaped literals, translated wildcards)."""
    out: list[str] = []
    for kind, text, bounded in tokens:
        if kind in (LIT, COLON):
            out.append(re.escape(text))
        elif kind == STAR:
            out.append("[^:]*" if bounded else ".*")
        else:
            out.append("[^:]" if bounded else ".")
    return "".join(out)


def arn_regex_source(pattern: Pattern) -> str | None:
    """Regex source for an ARN-operator pattern (see :func:`arn_tokens`), or None."""
    tokens = arn_tokens(pattern)
    return None if tokens is None else tokens_regex_source(tokens)


def compile_arn_pattern(pattern: Pattern) -> Matcher | None:
    """Compile an ARN-operator pattern (see :func:`arn_regex_source`); None when it is not an ARN."""
    source = arn_regex_source(pattern)
    if source is None:
        return None
    regex = re.compile(source, re.DOTALL)
    return lambda value: regex.fullmatch(value) is not None
