"""The engine's own exact solver for the existential question (z3 is the fallback).

Every atom of a formula tests one free key, and keys are independent, so the question splits: for
each key, compute every way the key's atoms can come out together (the achievable truth vectors),
each with a witness value; then search the product of the keys' ways for one under which the
formula is definitely true. Both steps are exact:

- numbers and dates: the atoms compare against constants, so the values fall into finitely many
  regions (each constant, each open interval between neighbours, below the least, above the
  greatest); one value per region covers every vector.
- IP addresses: CIDR blocks nest or are disjoint, so an address's vector is the chain of blocks
  containing it; one address per block outside its sub-blocks (and one outside every block, per IP
  version) covers every vector.
- strings: each policy value is a regular language (a literal, a glob whose ``*``/``?`` may or may
  not cross a ``:``, a case-insensitive literal). The product of their automata is explored
  breadth-first over an alphabet of the characters the patterns mention plus one character none of
  them mentions (which every pattern treats alike): every reachable product state gives a vector,
  with the shortest string reaching it as the witness.
- presence: absent is one of the ways (not for the keys AWS always sends, ``keyplan.ALWAYS_PRESENT``);
  multivalued keys take non-empty sets of at most
  ``E + 1`` distinct regions (see :mod:`enjoin.engine.solver` for why that bound is complete).

When a key cannot be handled this way (too many automaton states, too many combinations, a value
that is not an ARN...), :func:`solve` returns None and the z3 encoding decides instead.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from enjoin.engine import values as vals
from enjoin.engine.conditions import COMPARE, FOR_ALL, FOR_ANY
from enjoin.engine.keyplan import ALWAYS_PRESENT, BOOLEAN_KEYS, BOOLEAN_VALUES, KeyPlan, plan, text
from enjoin.engine.model import ContextValue, Outcome
from enjoin.engine.symbolic import And, Atom, Expr, Not, Or, atoms_of
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN
from enjoin.engine.wildcard import LIT, ONE, STAR, arn_tokens, glob_tokens

MAX_STATES = 5000
MAX_COMBINATIONS = 50_000


class _GiveUp(Exception):
    """This formula is left to z3."""


@dataclass(frozen=True, slots=True)
class Way:
    """One way a key can be: its witness value (None: absent) and the truth of each of its atoms."""

    value: ContextValue | None
    truths: tuple[bool, ...]


Region = tuple[str, tuple[bool, ...]]  # (witness text, positive match of each atom)


# --- Regions per kind ---------------------------------------------------------------------------


def _ordered_regions(
    atoms: Sequence[Atom],
    parse: Callable[[str], Any],
    between: Callable[[Any, Any], Any],
    step: Any,
    fmt: Callable[[Any], str],
    keep: Callable[[Any], bool] = lambda _: True,
) -> list[Region]:
    constants: set[Any] = set()
    parsed: list[list[Any]] = []
    for atom in atoms:
        values = []
        for piece in atom.values:
            value = parse(text(piece))
            if value is None:
                raise _GiveUp
            values.append(value)
            constants.add(value)
        parsed.append(values)
    ordered = sorted(constants)
    candidates: list[Any] = []
    if not ordered:
        candidates.append(step * 0)
    else:
        candidates.append(ordered[0] - step)
        for low, high in itertools.pairwise(ordered):
            candidates.append(low)
            candidates.append(between(low, high))
        candidates.append(ordered[-1])
        candidates.append(ordered[-1] + step)
    regions: list[Region] = []
    for candidate in candidates:
        if not keep(candidate):
            continue  # a date outside the years 1-9999
        truths = tuple(
            any(COMPARE[atom.compare](candidate, c) for c in values) if atom.family != "null" else False
            for atom, values in zip(atoms, parsed, strict=True)
        )
        regions.append((fmt(candidate), truths))
    return regions


def _number_between(low: Fraction, high: Fraction) -> Fraction:
    whole = Fraction(int(low) + (1 if low >= 0 or low.denominator == 1 else 0))
    if low < whole < high:
        return whole
    return (low + high) / 2


def _date_between(low: int, high: int) -> int:
    whole = (low // vals.MICROS + 1) * vals.MICROS
    return whole if whole < high else low + 1


def _numeric_regions(atoms: Sequence[Atom]) -> list[Region]:
    return _ordered_regions(atoms, vals.parse_number, _number_between, Fraction(1), vals.format_number)


def _date_regions(atoms: Sequence[Atom]) -> list[Region]:
    def in_range(micros: int) -> bool:
        return vals.DATE_MIN <= micros <= vals.DATE_MAX

    return _ordered_regions(atoms, vals.parse_date, _date_between, vals.MICROS, vals.format_date, in_range)


def _ip_regions(atoms: Sequence[Atom]) -> list[Region]:
    networks: list[list[vals.IpNetwork]] = []
    blocks: set[vals.IpNetwork] = set()
    for atom in atoms:
        found = []
        for piece in atom.values:
            network = vals.parse_network(text(piece))
            if network is None:
                raise _GiveUp
            found.append(network)
            blocks.add(network)
        networks.append(found)
    candidates: list[tuple[int, int]] = []
    for version in (4, 6):
        bits = vals.ip_bits(version)
        spans = sorted(
            ((net, net + (1 << (bits - prefix))) for v, net, prefix in blocks if v == version),
            key=lambda s: (s[0], -s[1]),
        )
        for start, end in [(0, 1 << bits), *spans]:
            inner = sorted(s for s in spans if start <= s[0] and s[1] <= end and s != (start, end))
            address = start
            for low, high in inner:
                if low > address:
                    break
                address = max(address, high)
            if address < end:
                candidates.append((version, address))
    regions: list[Region] = []
    for version, address in candidates:
        truths = tuple(any(vals.in_network((version, address), n) for n in found) for found in networks)
        regions.append((vals.format_ip(version, address), truths))
    return regions


# Character predicates of the pattern automata.
_ANY_CHAR = None  # any character
_NOT_COLON = ":"  # any character but ':'


def _program(atom: Atom, piece: Sequence[object]) -> list[tuple[bool, object]] | None:
    """A pattern as elements ``(is_star, predicate)``; None for a language that is empty."""
    family = atom.family
    word = text(piece)
    if family in ("string", "binary"):
        return [(False, frozenset(c)) for c in word]
    if family == "ignorecase":
        return [(False, vals.case_variants(c)) for c in word]
    if family == "bool":
        lower = word.lower()
        if not lower.isascii():
            return None
        return [(False, frozenset({c, c.upper()})) for c in lower]
    if family == "like":
        tokens = glob_tokens(piece)  # type: ignore[arg-type]
    else:
        found = arn_tokens(piece)  # type: ignore[arg-type]
        if found is None:
            raise _GiveUp
        tokens = found
    program: list[tuple[bool, object]] = []
    for kind, literal, bounded in tokens:
        if kind == STAR:
            program.append((True, _NOT_COLON if bounded else _ANY_CHAR))
        elif kind == ONE:
            program.append((False, _NOT_COLON if bounded else _ANY_CHAR))
        else:
            assert kind == LIT or literal
            program.extend((False, frozenset(c)) for c in literal)
    return program


def _accepts(predicate: object, ch: str) -> bool:
    if predicate is _ANY_CHAR:
        return True
    if predicate == _NOT_COLON and isinstance(predicate, str):
        return ch != ":"
    return ch in predicate  # type: ignore[operator]


def _closure(program: list[tuple[bool, object]], positions: set[int]) -> frozenset[int]:
    stack = list(positions)
    seen = set(positions)
    while stack:
        position = stack.pop()
        if position < len(program) and program[position][0] and position + 1 not in seen:
            seen.add(position + 1)
            stack.append(position + 1)
    return frozenset(seen)


def _step(program: list[tuple[bool, object]], state: frozenset[int], ch: str) -> frozenset[int]:
    reached: set[int] = set()
    for position in state:
        if position < len(program):
            is_star, predicate = program[position]
            if _accepts(predicate, ch):
                reached.add(position if is_star else position + 1)
    return _closure(program, reached) if reached else frozenset()


# The regions of one string key's atoms, by what they depend on (each atom's family and values):
# the same conditions recur across the many questions of one reach computation.
_STRING_REGIONS: dict[tuple[object, ...], list[Region] | None] = {}


def _string_regions(atoms: Sequence[Atom], words: Sequence[str] | None = None) -> list[Region]:
    """:func:`_string_regions_of`, memoised (None stands for a search given up)."""
    key = (words, *((a.family, a.values) for a in atoms))
    if key in _STRING_REGIONS:
        found = _STRING_REGIONS[key]
    else:
        try:
            found = _string_regions_of(atoms, words)
        except _GiveUp:
            found = None
        if len(_STRING_REGIONS) > 4096:
            _STRING_REGIONS.clear()
        _STRING_REGIONS[key] = found
    if found is None:
        raise _GiveUp
    return found


def _string_regions_of(atoms: Sequence[Atom], words: Sequence[str] | None = None) -> list[Region]:
    """The distinct ways the atoms can be, each with the shortest word that makes them so; with
    ``words``, only the ways those words give (a key whose values AWS restricts)."""
    programs: list[list[tuple[bool, object]]] = []
    owners: list[int] = []  # which atom each program belongs to
    mentioned: set[str] = set()
    for index, atom in enumerate(atoms):
        if atom.family == "null":
            continue
        for piece in atom.values:
            program = _program(atom, piece)
            if program is None:
                continue  # matches nothing
            programs.append(program)
            owners.append(index)
            for _, predicate in program:
                if isinstance(predicate, frozenset):
                    mentioned.update(predicate)
                elif predicate == _NOT_COLON:
                    mentioned.add(":")
    if words is not None:
        return [(word, _truths_of(word, atoms, programs, owners)) for word in words]
    fresh = next(c for c in "xaz0-_/" + "".join(map(chr, range(0x100, 0x200))) if c not in mentioned)
    alphabet = [
        *sorted(mentioned, key=lambda c: (not (c.isascii() and c.isprintable()), c.isupper(), c)),
        fresh,
    ]
    start = tuple(_closure(p, {0}) for p in programs)
    found: dict[tuple[bool, ...], str] = {}
    seen = {start}
    frontier: list[tuple[tuple[frozenset[int], ...], str]] = [(start, "")]
    while frontier:
        following: list[tuple[tuple[frozenset[int], ...], str]] = []
        for state, word in frontier:
            vector = tuple(len(p) in s for p, s in zip(programs, state, strict=True))
            found.setdefault(vector, word)
            for ch in alphabet:
                successor = tuple(_step(p, s, ch) for p, s in zip(programs, state, strict=True))
                if successor not in seen:
                    seen.add(successor)
                    if len(seen) > MAX_STATES:
                        raise _GiveUp
                    following.append((successor, word + ch))
        frontier = following
    regions: list[Region] = []
    for vector, word in found.items():
        truths = [False] * len(atoms)
        for owner, accepted in zip(owners, vector, strict=True):
            truths[owner] = truths[owner] or accepted
        regions.append((word, tuple(truths)))
    return regions


def _truths_of(
    word: str, atoms: Sequence[Atom], programs: Sequence[list[tuple[bool, object]]], owners: Sequence[int]
) -> tuple[bool, ...]:
    """Which atoms' (positive) patterns accept ``word``."""
    truths = [False] * len(atoms)
    for owner, program in zip(owners, programs, strict=True):
        state = _closure(program, {0})
        for ch in word:
            state = _step(program, state, ch)
        truths[owner] = truths[owner] or len(program) in state
    return tuple(truths)


def _regions(key_plan: KeyPlan) -> list[Region]:
    atoms = key_plan.atoms
    if key_plan.kind == "string":
        return _string_regions(atoms, BOOLEAN_VALUES if key_plan.key in BOOLEAN_KEYS else None)
    if key_plan.kind == "numeric":
        return _numeric_regions(atoms)
    if key_plan.kind == "date":
        return _date_regions(atoms)
    if key_plan.kind == "ip":
        return _ip_regions(atoms)
    return [("true", tuple(False for _ in atoms))]


# --- Ways per key -------------------------------------------------------------------------------


def _absent_truth(atom: Atom) -> bool:
    if atom.family == "null":
        return True in atom.null_wants
    if atom.qualifier == FOR_ALL:
        return True
    if atom.qualifier == FOR_ANY:
        return atom.if_exists
    return atom.if_exists or atom.negated


def _ways(key_plan: KeyPlan) -> list[Way]:
    atoms = key_plan.atoms
    regions = _regions(key_plan)
    ways: dict[tuple[bool, ...], Way] = {}
    if key_plan.key not in ALWAYS_PRESENT:
        ways[tuple(_absent_truth(a) for a in atoms)] = Way(None, tuple(_absent_truth(a) for a in atoms))
    if not key_plan.multi:
        for word, positives in regions:
            truths = tuple(
                (False in a.null_wants) if a.family == "null" else (positive != a.negated)
                for a, positive in zip(atoms, positives, strict=True)
            )
            ways.setdefault(truths, Way(word, truths))
        return list(ways.values())
    # Multivalued: a non-empty set of distinct regions, at most E + 1 of them.
    distinct: dict[tuple[bool, ...], str] = {}
    for word, positives in regions:
        distinct.setdefault(positives, word)
    members = list(distinct.items())
    for size in range(1, min(key_plan.set_atoms + 1, len(members)) + 1):
        for chosen in itertools.combinations(members, size):
            truths_list = []
            for index, atom in enumerate(atoms):
                if atom.family == "null":
                    truths_list.append(False in atom.null_wants)
                    continue
                results = [positives[index] != atom.negated for positives, _ in chosen]
                truths_list.append(all(results) if atom.qualifier == FOR_ALL else any(results))
            truths = tuple(truths_list)
            ways.setdefault(truths, Way(tuple(word for _, word in chosen), truths))
            if len(ways) > MAX_COMBINATIONS:
                raise _GiveUp
    return list(ways.values())


# --- The search ---------------------------------------------------------------------------------


def _compile(expr: Expr, index: dict[Atom, tuple[int, int]]) -> Callable[[Sequence[Way]], int]:
    """A function from one way per key to the formula's three-valued truth."""
    if isinstance(expr, int):
        constant = expr
        return lambda _: constant
    if isinstance(expr, Atom):
        key, position = index[expr]
        return lambda ways: TRUE if ways[key].truths[position] else FALSE
    if isinstance(expr, Not):
        inner = _compile(expr.item, index)
        return lambda ways: 2 - inner(ways)
    parts = [_compile(item, index) for item in expr.items]
    if isinstance(expr, And):
        return lambda ways: min(part(ways) for part in parts)
    assert isinstance(expr, Or)
    return lambda ways: max(part(ways) for part in parts)


def solve(final: Expr, allow_part: Expr) -> Outcome | None:
    """The exact answer, or None when the formula is left to z3."""
    try:
        return _solve(final, allow_part)
    except _GiveUp:
        return None


@functools.lru_cache(maxsize=8192)
def _solve(final: Expr, allow_part: Expr) -> Outcome | None:
    plans, unsupported = plan(atoms_of(final) + atoms_of(allow_part))
    if unsupported:
        return None
    keys = list(plans.values())
    index: dict[Atom, tuple[int, int]] = {}
    for number, key_plan in enumerate(keys):
        for position, atom in enumerate(key_plan.atoms):
            index[atom] = (number, position)
    ways = [_ways(key_plan) for key_plan in keys]
    total = 1
    for options in ways:
        total *= len(options)
    if total > MAX_COMBINATIONS:
        return None
    evaluate_final = _compile(final, index)
    evaluate_part = _compile(allow_part, index)
    possibly = False
    part_true = False
    part_all_false = True
    for combination in itertools.product(*ways):
        value = evaluate_final(combination)
        if value == TRUE:
            return Outcome("allow", _witness(keys, combination))
        if value == UNKNOWN:
            possibly = True
        part = evaluate_part(combination)
        if part == TRUE:
            part_true = True
        if part != FALSE:
            part_all_false = False
    if possibly:
        return Outcome("unknown", note="an unsupported element decides whether it is allowed")
    if part_true:
        return Outcome("deny", note="explicit")
    return Outcome("deny", note="implicit" if part_all_false else "either")


def _witness(keys: Sequence[KeyPlan], combination: Sequence[Way]) -> dict[str, ContextValue]:
    out: dict[str, ContextValue] = {}
    for key_plan, way in zip(keys, combination, strict=True):
        if way.value is None:
            continue
        if key_plan.key == "aws:currenttime" and key_plan.kind == "date":
            assert isinstance(way.value, str)
            micros = vals.parse_date(way.value)
            assert micros is not None
            out["aws:CurrentTime"] = way.value
            out["aws:EpochTime"] = vals.format_date(micros, epoch=True)
            continue
        out[key_plan.name] = way.value
    return out
