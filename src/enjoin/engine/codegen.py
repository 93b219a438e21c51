"""Compiles a policy's Action and Resource elements into one generated Python function.

The decision hot path asks every policy of a request which of its statements name the action and
cover the resource. Interpreting each statement (method calls, set and regex objects) costs a
microsecond or so; a function generated once per policy, with every test inlined as a comparison,
a set membership, ``str.startswith``/``str.endswith`` or (only when a pattern needs it) a
pre-compiled regular expression, answers for the whole policy at a fraction of that. Wildcards are
translated exactly as in :mod:`enjoin.engine.wildcard` (escape first, then translate): the
generated code only chooses the cheapest exact test per pattern.

Generated source never contains policy text: every constant is bound by name in the function's
namespace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from enjoin.engine.wildcard import Pattern, has_wildcard, literal_text, pieces, regex_source

Scanner = Callable[[str, str], list[int]]


class _Namespace:
    """Constants of the generated function, bound by generated names."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"_c{len(self.values)}"
        self.values[name] = value
        return name


def _test(var: str, patterns: Sequence[Pattern], namespace: _Namespace) -> str:
    """A boolean expression: does any pattern match ``var`` in full?"""
    exact: list[str] = []
    prefixes: list[str] = []
    suffixes: list[str] = []
    regexes: list[str] = []
    for pattern in patterns:
        parts = pieces(pattern)
        if not has_wildcard(parts):
            exact.append(literal_text(parts))
            continue
        if parts == ("*",):
            return "True"
        if len(parts) == 1 and isinstance(parts[0], str):
            text = parts[0]
            if text.endswith("*") and "*" not in text[:-1] and "?" not in text[:-1]:
                prefixes.append(text[:-1])
                continue
            if text.startswith("*") and "*" not in text[1:] and "?" not in text[1:]:
                suffixes.append(text[1:])
                continue
        regexes.append(regex_source(parts))
    tests: list[str] = []
    if len(exact) == 1:
        tests.append(f"{var} == {namespace.bind(exact[0])}")
    elif exact:
        tests.append(f"{var} in {namespace.bind(frozenset(exact))}")
    if prefixes:
        tests.append(f"{var}.startswith({namespace.bind(tuple(prefixes))})")
    if suffixes:
        tests.append(f"{var}.endswith({namespace.bind(tuple(suffixes))})")
    if regexes:
        matcher = re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL).fullmatch
        tests.append(f"{namespace.bind(matcher)}({var}) is not None")
    if not tests:
        return "False"
    return " or ".join(tests)


_EMPTY: list[int] = []
_MEMO_LIMIT = 4096


def build_scanner(
    statements: Sequence[tuple[Sequence[Pattern], bool, Sequence[Pattern] | None, bool]],
) -> Scanner:
    """Generate ``scan(action_lower, resource) -> [indices of the statements that cover it]``.

    Each statement is given as ``(action patterns (lower-cased), NotAction?, resource patterns or
    None for any resource, NotResource?)``. Which statements name an action is memoised as a bit
    mask per action (actions recur far more than resources), so a request tests only the resources
    of the statements that name its action. The returned list must not be modified.
    """
    namespace = _Namespace()
    memo: dict[str, int] = {}
    mask_lines = ["def mask(a):", "    m = 0"]
    scan_lines = [
        "def scan(a, r):",
        f"    m = {namespace.bind(memo)}.get(a)",
        "    if m is None:",
        "        m = mask(a)",
        "    if not m:",
        f"        return {namespace.bind(_EMPTY)}",
        "    hits = []",
    ]
    for index, (actions, not_action, resources, not_resource) in enumerate(statements):
        bit = 1 << index
        action_test = _test("a", actions, namespace)
        if not_action:
            action_test = f"not ({action_test})"
        mask_lines.append(f"    if {action_test}:")
        mask_lines.append(f"        m |= {bit}")
        if resources is None:
            scan_lines.append(f"    if m & {bit}:")
        else:
            resource_test = _test("r", resources, namespace)
            if not_resource:
                resource_test = f"not ({resource_test})"
            scan_lines.append(f"    if m & {bit} and ({resource_test}):")
        scan_lines.append(f"        hits.append({index})")
    memo_name = namespace.bind(memo)
    mask_lines += [
        f"    if len({memo_name}) > {_MEMO_LIMIT}:",
        f"        {memo_name}.clear()",
        f"    {memo_name}[a] = m",
        "    return m",
    ]
    scan_lines.append("    return hits")
    # The constants are the parameters of a factory, so the generated functions read them as closure
    # cells (no dictionary lookup, even before the interpreter specialises the code).
    names = list(namespace.values)
    body = "\n".join("    " + line for line in mask_lines + scan_lines)
    source = f"def factory({', '.join(names)}):\n{body}\n    return scan\n"
    scope: dict[str, Any] = {}
    exec(compile(source, "<enjoin policy scanner>", "exec"), scope)  # generated from bound names only
    scanner: Scanner = scope["factory"](*namespace.values.values())
    return scanner
