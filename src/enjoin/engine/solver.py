"""The z3 encoding of the existential question: formulas over free keys, decided exactly.

It is the fallback of :mod:`enjoin.engine.regions` (the engine's own solver, which answers most
questions faster) and the reference the tests hold that one to.

Each free key gets a model typed by the operators that compare it (see :mod:`enjoin.engine.keyplan`):

- strings (String, StringLike, IgnoreCase, Bool, Binary, ARN operators): a z3 string; wildcard
  patterns become z3 regular expressions (escaped literals, ``*`` and ``?`` translated; in ARN
  operators the wildcards of the first five components cannot cross a ``:``).
- numbers: an integer ``n`` standing for ``n / 10^(d+1)``, where ``d`` is the largest number of
  decimals among the policy's constants for that key. Exact: every comparison is against constants
  on the ``10^-d`` grid, so any non-empty interval between two of them holds a point of the finer
  grid, and every unbounded one holds an integer.
- dates: integer microseconds since the epoch (the concrete evaluator's own unit), within the years
  1-9999. ``aws:CurrentTime`` and ``aws:EpochTime`` are one instant.
- IP addresses: a 128-bit vector and an IPv6 flag (IPv4 addresses use the low 32 bits).
- presence: a Bool per key; absent keys are modelled, so ``Null``, ``...IfExists``, negated
  operators and ``ForAllValues`` on missing keys are exact; the keys AWS always sends
  (``keyplan.ALWAYS_PRESENT``) are held present.

Multivalued keys (those compared with ``ForAllValues``/``ForAnyValue``, unless AWS documents them as
single-valued) are modelled as a set of at most ``E + 1`` members, ``E`` being the number of set
atoms on the key. This bound is complete: in negation normal form every such atom is either
existential (it needs one member) or universal (it holds for any subset of a set where it holds),
so from any satisfying set, keeping one witness member per true existential atom (at most ``E``)
plus one member (to keep the set non-empty) yields a set that still satisfies the formula.

Three-valued logic: a formula may hold UNKNOWN (unsupported) parts. "Definitely allowed" and
"possibly allowed" are encoded separately (Kleene's strong logic): a witness is only sought for the
first; the second decides whether no context at all can allow.

A free key compared by two incompatible families (string and numeric, say), or by a plain operator
while also by a set operator, is not modelled: its atoms are UNKNOWN.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import z3  # type: ignore[import-untyped]  # z3-solver ships no type information

from enjoin.engine import values as vals
from enjoin.engine.conditions import FOR_ALL, FOR_ANY, PLAIN
from enjoin.engine.keyplan import ALWAYS_PRESENT, BOOLEAN_KEYS, BOOLEAN_VALUES, KeyPlan, alias, plan, text
from enjoin.engine.model import ContextValue, Outcome
from enjoin.engine.symbolic import And, Atom, Expr, Not, Or, atoms_of
from enjoin.engine.truth import FALSE, TRUE
from enjoin.engine.wildcard import COLON, LIT, ONE, STAR, Token, arn_tokens, glob_tokens

TIMEOUT_MS = 20_000


class _Key:
    """The z3 model of one free key."""

    def __init__(self, index: int, key_plan: KeyPlan) -> None:
        self.name = key_plan.name
        self.kind = key_plan.kind  # string, numeric, date, ip, presence
        self.multi = key_plan.multi
        self.scale = key_plan.scale  # numbers: value = n / scale
        count = key_plan.set_atoms + 1 if self.multi else 1
        tag = f"k{index}"
        self.active = [z3.Bool(f"{tag}_a{i}") for i in range(count)]
        self.present = z3.Or(*self.active) if self.multi else self.active[0]
        self.values: list[Any] = [self._variable(f"{tag}_v{i}") for i in range(count)]
        self.is6: list[Any] = [z3.Bool(f"{tag}_6_{i}") for i in range(count)] if self.kind == "ip" else []
        self.boolean = self.kind == "string" and key_plan.key in BOOLEAN_KEYS
        self.always = key_plan.key in ALWAYS_PRESENT

    def _variable(self, name: str) -> Any:
        if self.kind == "string":
            return z3.String(name)
        if self.kind in ("numeric", "date"):
            return z3.Int(name)
        if self.kind == "ip":
            return z3.BitVec(name, 128)
        return None

    def domain(self) -> list[Any]:
        """Constraints every value of this key satisfies."""
        out: list[Any] = []
        for i, value in enumerate(self.values):
            if self.kind == "date":
                out.append(z3.And(value >= vals.DATE_MIN, value <= vals.DATE_MAX))
            elif self.kind == "ip":
                out.append(z3.Or(self.is6[i], z3.Extract(127, 32, value) == 0))
            elif self.boolean:
                out.append(z3.Or(*(value == z3.StringVal(word) for word in BOOLEAN_VALUES)))
        if self.always:
            out.append(self.present)
        return out


def _lit(text: str) -> Any:
    """A z3 string literal built from code points (z3 would read backslash escapes in StringVal)."""
    if not text:
        return z3.StringVal("")
    parts: list[Any] = []
    run: list[str] = []
    for ch in text:
        if " " <= ch <= "~" and ch != "\\":
            run.append(ch)
            continue
        if run:
            parts.append(z3.StringVal("".join(run)))
            run = []
        parts.append(z3.Unit(z3.CharVal(ord(ch))))
    if run:
        parts.append(z3.StringVal("".join(run)))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


_ANY = z3.AllChar(z3.ReSort(z3.StringSort()))
_NOT_COLON = z3.Intersect(_ANY, z3.Complement(z3.Re(z3.StringVal(":"))))


def _regex(tokens: Sequence[Token]) -> Any:
    parts: list[Any] = []
    for kind, literal, bounded in tokens:
        if kind in (LIT, COLON):
            parts.append(z3.Re(_lit(literal)))
        elif kind == STAR:
            parts.append(z3.Star(_NOT_COLON if bounded else _ANY))
        elif kind == ONE:
            parts.append(_NOT_COLON if bounded else _ANY)
    if not parts:
        return z3.Re(z3.StringVal(""))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def _char_class(chars: Sequence[str]) -> Any:
    options = [z3.Re(_lit(c)) for c in sorted(chars)]
    return options[0] if len(options) == 1 else z3.Union(*options)


def _string_positive(atom: Atom, value: Any) -> Any:
    options: list[Any] = []
    for piece in atom.values:
        family = atom.family
        if family in ("string", "binary"):
            options.append(value == _lit(text(piece)))
        elif family == "like":
            options.append(z3.InRe(value, _regex(glob_tokens(piece))))
        elif family == "arn":
            tokens = arn_tokens(piece)
            if tokens is None:
                raise _Unsupported(f"{text(piece)!r} is not an ARN")
            options.append(z3.InRe(value, _regex(tokens)))
        elif family == "ignorecase":
            word = text(piece)
            if not word:
                options.append(value == z3.StringVal(""))
            else:
                classes = [_char_class(tuple(vals.case_variants(c))) for c in word]
                options.append(z3.InRe(value, classes[0] if len(classes) == 1 else z3.Concat(*classes)))
        elif family == "bool":
            word = text(piece).lower()
            if not word.isascii():
                continue
            classes = [_char_class((c, c.upper()) if c.isalpha() else (c,)) for c in word]
            if not classes:
                options.append(value == z3.StringVal(""))
            else:
                options.append(z3.InRe(value, classes[0] if len(classes) == 1 else z3.Concat(*classes)))
    return z3.Or(*options) if options else z3.BoolVal(False)


_COMPARE = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


class _Unsupported(Exception):
    """An atom the solver cannot model: it is UNKNOWN."""


class Encoder:
    """Translates formulas to z3 over typed key models."""

    def __init__(self, atoms: Sequence[Atom]) -> None:
        plans, self.unsupported = plan(atoms)
        self.keys: dict[str, _Key] = {key: _Key(i, p) for i, (key, p) in enumerate(plans.items())}

    def domain(self) -> list[Any]:
        """Constraints on every modelled key."""
        out: list[Any] = []
        for model in self.keys.values():
            out.extend(model.domain())
        return out

    def atom(self, atom: Atom) -> Any | None:
        """The atom as a z3 Bool, or None when it cannot be modelled (UNKNOWN)."""
        model = self.keys.get(alias(atom.key))
        if model is None:
            return None
        try:
            return self._atom(atom, model)
        except _Unsupported as why:
            self.unsupported[atom.key] = str(why)
            return None

    def _atom(self, atom: Atom, model: _Key) -> Any:
        if atom.family == "null":
            options = [z3.Not(model.present) if wants else model.present for wants in atom.null_wants]
            return z3.Or(*options)

        def member(i: int) -> Any:
            positive = self._positive(atom, model, i)
            return z3.Not(positive) if atom.negated else positive

        if atom.qualifier == PLAIN:
            absent = z3.BoolVal(atom.if_exists or atom.negated)
            return z3.If(model.present, member(0), absent)
        count = len(model.values)
        if atom.qualifier == FOR_ALL:
            return z3.And(*[z3.Implies(model.active[i], member(i)) for i in range(count)])
        assert atom.qualifier == FOR_ANY
        some = z3.Or(*[z3.And(model.active[i], member(i)) for i in range(count)])
        return z3.Or(z3.Not(model.present), some) if atom.if_exists else some

    def _positive(self, atom: Atom, model: _Key, i: int) -> Any:
        value = model.values[i]
        if model.kind == "string":
            return _string_positive(atom, value)
        compare = _COMPARE.get(atom.compare)
        if model.kind == "numeric":
            assert compare is not None
            options = []
            for piece in atom.values:
                number = vals.parse_number(text(piece))
                assert number is not None
                options.append(compare(value, int(number * model.scale)))
            return z3.Or(*options)
        if model.kind == "date":
            assert compare is not None
            options = []
            for piece in atom.values:
                date = vals.parse_date(text(piece))
                if date is None:
                    raise _Unsupported(f"{text(piece)!r} is not a date")
                options.append(compare(value, date))
            return z3.Or(*options)
        if model.kind == "ip":
            options = []
            for piece in atom.values:
                network = vals.parse_network(text(piece))
                if network is None:
                    raise _Unsupported(f"{text(piece)!r} is not a CIDR block")
                version, net, prefix = network
                shift = vals.ip_bits(version) - prefix
                same_version = model.is6[i] if version == 6 else z3.Not(model.is6[i])
                options.append(z3.And(same_version, z3.LShR(value, shift) == (net >> shift)))
            return z3.Or(*options)
        raise _Unsupported(f"{atom.key_name} cannot be compared with {atom.operator}")

    def definite(self, expr: Expr) -> tuple[Any, Any]:
        """``(definitely true, definitely false)`` of a formula, in Kleene's strong logic."""
        if isinstance(expr, int):
            return z3.BoolVal(expr == TRUE), z3.BoolVal(expr == FALSE)
        if isinstance(expr, Atom):
            encoded = self.atom(expr)
            if encoded is None:
                return z3.BoolVal(False), z3.BoolVal(False)
            return encoded, z3.Not(encoded)
        if isinstance(expr, Not):
            true, false = self.definite(expr.item)
            return false, true
        parts = [self.definite(item) for item in expr.items]
        if isinstance(expr, And):
            return z3.And(*[p[0] for p in parts]), z3.Or(*[p[1] for p in parts])
        assert isinstance(expr, Or)
        return z3.Or(*[p[0] for p in parts]), z3.And(*[p[1] for p in parts])

    def witness(self, model: Any) -> dict[str, ContextValue]:
        """The context a z3 model stands for (absent keys are left out)."""
        out: dict[str, ContextValue] = {}
        for key, spec in self.keys.items():
            present = [z3.is_true(model.eval(a, model_completion=True)) for a in spec.active]
            texts = [self._valuetext(model, spec, i, key) for i, on in enumerate(present) if on]
            if not texts:
                continue
            if key == "aws:currenttime" and spec.kind == "date":
                # One instant under both names.
                out["aws:CurrentTime"] = texts[0]
                out["aws:EpochTime"] = self._valuetext(model, spec, present.index(True), "aws:epochtime")
                continue
            out[spec.name] = tuple(dict.fromkeys(texts)) if spec.multi else texts[0]
        return out

    def _valuetext(self, model: Any, spec: _Key, i: int, key: str) -> str:
        if spec.kind == "presence":
            return "true"  # a key only tested for presence: any value will do
        value: Any = model.eval(spec.values[i], model_completion=True)
        if spec.kind == "string":
            length = model.eval(z3.Length(spec.values[i]), model_completion=True).as_long()
            codes = [
                model.eval(z3.StrToCode(z3.SubString(spec.values[i], j, 1)), model_completion=True).as_long()
                for j in range(length)
            ]
            return "".join(chr(c) for c in codes)
        if spec.kind == "numeric":
            return vals.format_number(Fraction(value.as_long(), spec.scale))
        if spec.kind == "date":
            return vals.format_date(value.as_long(), epoch=key == "aws:epochtime")
        if spec.kind == "ip":
            six = z3.is_true(model.eval(spec.is6[i], model_completion=True))
            return vals.format_ip(6 if six else 4, value.as_long())
        raise AssertionError(spec.kind)


def _readable(encoder: Encoder, lower: bool) -> list[Any]:
    """Prefer witnesses a person can read: printable ASCII strings (lower-case if possible), whole
    numbers, whole seconds."""
    out: list[Any] = []
    printable = z3.Range(" ", "~")
    if lower:
        printable = z3.Union(z3.Range(" ", "@"), z3.Range("[", "~"))
    for spec in encoder.keys.values():
        for value in spec.values:
            if spec.kind == "string":
                out.append(z3.InRe(value, z3.Star(printable)))
            elif spec.kind == "numeric":
                out.append(value % spec.scale == 0)
            elif spec.kind == "date":
                out.append(value % vals.MICROS == 0)
    return out


def solve(final: Expr, allow_part: Expr) -> Outcome:
    """Decide whether any context allows: a witness, a proof that none does, or 'unknown'."""
    return _solve_cached(final, allow_part)


@functools.lru_cache(maxsize=4096)
def _solve_cached(final: Expr, allow_part: Expr) -> Outcome:
    encoder = Encoder(atoms_of(final) + atoms_of(allow_part))
    domain = encoder.domain()
    true_final, false_final = encoder.definite(final)
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(*domain)
    solver.push()
    solver.add(true_final)
    answer = solver.check()
    if answer == z3.sat:
        for lower in (True, False):
            solver.push()
            solver.add(*_readable(encoder, lower))
            if solver.check() == z3.sat:
                return Outcome("allow", encoder.witness(solver.model()))
            solver.pop()
        solver.check()
        return Outcome("allow", encoder.witness(solver.model()))
    if answer != z3.unsat:
        return Outcome("unknown", note=f"the solver gave up ({solver.reason_unknown()})")
    solver.pop()
    solver.push()
    solver.add(z3.Not(false_final))
    maybe = solver.check()
    solver.pop()
    if maybe == z3.sat:
        why = "; ".join(f"{k}: {v}" for k, v in encoder.unsupported.items())
        return Outcome("unknown", note=why or "an unsupported element decides whether it is allowed")
    if maybe != z3.unsat:
        return Outcome("unknown", note=f"the solver gave up ({solver.reason_unknown()})")
    # No context allows. Explicit or implicit? Does some context allow, denies aside?
    true_part, false_part = encoder.definite(allow_part)
    solver.push()
    solver.add(true_part)
    if solver.check() == z3.sat:
        return Outcome("deny", note="explicit")
    solver.pop()
    solver.add(z3.Not(false_part))
    if solver.check() == z3.unsat:
        return Outcome("deny", note="implicit")
    return Outcome("deny", note="either")
