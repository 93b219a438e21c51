"""``enjoin decide FILE [--any-context]``: answer authorization questions with the engine.

FILE holds one JSON object, a JSON array of them, or JSON Lines (one object per line); ``-`` reads
standard input. Each object is one case; only ``principal``, ``action`` and ``resource`` are required:

    name                  a name for the case, echoed in the output
    principal             IAM user ARN, role ARN (a session of it) or assumed-role session ARN
    action                service:Action
    resource              the resource ARN
    identity_policies     list of policy documents (user, groups or role; inline and managed)
    permissions_boundary  a policy document, or null
    session_policy        a policy document, or null
    scps                  SCP levels, root first, account last: a list of lists of documents
    rcps                  RCP levels likewise; they apply to resource_account
    resource_policy       the policy the action's service consults (bucket, key, trust policy...)
    resource_account      the account owning the resource (default: from the ARN, else the principal's)
    context               request context keys: {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"]};
                          null means absent (with --any-context: held absent rather than free).
                          Principal keys the other fields leave open are read from here
                          (aws:userid, aws:PrincipalOrgID, aws:PrincipalOrgPaths,
                          aws:PrincipalTag/...); a principal key that contradicts the principal's
                          ARN or those fields (aws:PrincipalArn, aws:PrincipalAccount,
                          aws:PrincipalType, aws:username, aws:userid, aws:PrincipalIsAWSService...)
                          makes the case malformed
    principal_tags        {"team": "x"}: aws:PrincipalTag/...
    resource_tags         {"class": "phi"}: aws:ResourceTag/...
    principal_org_id      aws:PrincipalOrgID
    principal_org_paths   aws:PrincipalOrgPaths, a list of strings
    principal_id          aws:userid: AIDA... for a user, AROA...:session for a role session

Output: one JSON line per valid case, in order:
    {"name": ..., "decision": "ALLOW|EXPLICIT_DENY|IMPLICIT_DENY|INDETERMINATE", "explanation": [...]}
With --any-context the question is existential (is there ANY context for the keys not fixed by the
principal, the resource or "context" under which it is allowed?) and each line adds
"witness": {...} (a context that allows it, confirmed by the concrete evaluation) or null.

A malformed case (bad JSON, JSON nested deeper than 100 levels, unknown key, wrong type, a principal
or resource that is not an ARN the engine reads, a policy that is not valid grammar, a context key
that contradicts the principal) gets an error
line on standard error naming the case and the place; the other cases are still answered.

Exit codes: 0 every case answered; 1 some case malformed (the others answered); 2 the input as a
whole unusable: a missing, unreadable, empty (or blank) file or standard input, one that is not UTF-8
text, or a usage error. Every error is one line on standard error.
"""

from __future__ import annotations

import gc
import itertools
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, TextIO

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, decide, possible
from enjoin.engine.arn import Caller, arn_problem, parse_caller, principal_problem
from enjoin.engine.conditions import scalar_text
from enjoin.engine.context import principal_key_conflict
from enjoin.engine.model import ContextValue
from enjoin.errors import CaseError, EnjoinError, excerpt
from enjoin.textfile import decode, os_problem, parse_json

_KEYS = frozenset(
    {
        "name",
        "principal",
        "principal_tags",
        "identity_policies",
        "permissions_boundary",
        "session_policy",
        "scps",
        "rcps",
        "resource_policy",
        "resource_account",
        "action",
        "resource",
        "context",
        "resource_tags",
        "principal_org_id",
        "principal_org_paths",
        "principal_id",
    }
)
_REQUIRED = ("principal", "action", "resource")
_FIRST_VALUE = json.JSONDecoder().raw_decode  # json.loads's own parser, stopping after one value


@dataclass(frozen=True, slots=True)
class RawCase:
    """One case as read: its position in the file and its parsed JSON (or the JSON error)."""

    index: int
    line: int | None  # for JSON Lines
    value: Any
    error: str | None = None


def read_cases(text: str) -> Iterator[RawCase]:
    """Split a file's text into cases: one object, an array, or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        return
    if not stripped.startswith("[") and _more_than_one_value(stripped):
        # JSON Lines: the whole text is not one document, which parsing it whole would only say
        # after checking all of it.
        yield from _json_lines(text)
        return
    try:
        whole = parse_json(stripped)
    except json.JSONDecodeError as error:
        if stripped.startswith("["):
            yield RawCase(0, None, None, f"the file is not valid JSON ({error})")
            return
        yield from _json_lines(text)
        return
    if isinstance(whole, list):
        for index, item in enumerate(whole):
            yield RawCase(index, None, item)
    else:
        yield RawCase(0, None, whole)


def _more_than_one_value(stripped: str) -> bool:
    """Whether parsing ``stripped`` whole would fail: its first value does not reach its end, or
    the first value is itself unreadable (too deep, an integer too long). Either way the whole text
    is no document, and it is read as JSON Lines, as a failed whole parse would have it read."""
    try:
        _, end = _FIRST_VALUE(stripped, 0)
    except (ValueError, RecursionError):
        return True
    return end != len(stripped)


def _json_lines(text: str) -> Iterator[RawCase]:
    index = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield RawCase(index, number, parse_json(line))
        except json.JSONDecodeError as error:
            yield RawCase(index, number, None, f"invalid JSON ({error.msg} at column {error.colno})")
        index += 1


def case_name(raw: RawCase) -> str:
    """How an error names a case: its name, its index, and its line for JSON Lines."""
    parts = []
    if isinstance(raw.value, Mapping) and isinstance(raw.value.get("name"), str):
        parts.append(excerpt(repr(raw.value["name"]), 100))
    parts.append(f"#{raw.index}")
    if raw.line is not None:
        parts.append(f"line {raw.line}")
    return "case " + ", ".join(parts)


def _string(case: Mapping[str, Any], key: str, *, optional: bool = True) -> str | None:
    value = case.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise CaseError(key, "a non-empty string", repr(value))
    return value


def _string_map(case: Mapping[str, Any], key: str) -> dict[str, str]:
    value = case.get(key) or {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise CaseError(key, "an object of string values", repr(value))
    return dict(value)


def _context(case: Mapping[str, Any]) -> dict[str, ContextValue | None]:
    value = case.get("context") or {}
    if not isinstance(value, Mapping):
        raise CaseError("context", "an object of context keys", repr(value))
    out: dict[str, ContextValue | None] = {}
    for key, item in value.items():
        if item is None:
            out[key] = None  # absent, and held absent by --any-context
        elif isinstance(item, list):
            texts = [scalar_text(i) for i in item]
            if any(t is None for t in texts):
                raise CaseError(f"context.{key}", "a string, number, boolean, or a list of them", repr(item))
            out[key] = tuple(t for t in texts if t is not None)
        else:
            text = scalar_text(item)
            if text is None:
                raise CaseError(f"context.{key}", "a string, number, boolean, or a list of them", repr(item))
            out[key] = text
    return out


def _levels(
    case: Mapping[str, Any], key: str, kind: PolicyKind, scope: tuple[str, str] | None
) -> tuple[tuple[Any, ...], ...]:
    value = case.get(key) or []
    if not isinstance(value, list) or not all(isinstance(level, list) for level in value):
        raise CaseError(key, "a list of levels, each a list of policy documents", repr(value)[:80])
    return tuple(
        tuple(compile_policy(doc, label=f"{key}[{i}][{j}]", kind=kind, scope=scope) for j, doc in enumerate(level))
        for i, level in enumerate(value)
    )


def build_request(case: object, *, scoped: bool = False) -> Request:
    """Turn one case object into a Request (raising CaseError or PolicyError naming the key).

    With ``scoped``, its policies are compiled for the case's action and resource alone (every
    statement checked, only those that can apply compiled: ``compile_policy``'s ``scope``): the
    request must then be decided as it is, concretely, never changed or asked ``possible``.
    """
    if not isinstance(case, Mapping):
        raise CaseError("case", "a JSON object", type(case).__name__)
    unknown = sorted(set(case) - _KEYS)
    if unknown:
        raise CaseError(f"key {unknown[0]!r}", f"one of {', '.join(sorted(_KEYS))}", repr(unknown[0]))
    for key in _REQUIRED:
        if key not in case:
            raise CaseError(key, f"the key {key!r} (required)", "nothing")
    identity = case.get("identity_policies") or []
    if not isinstance(identity, list):
        raise CaseError("identity_policies", "a list of policy documents", repr(identity)[:80])
    paths = case.get("principal_org_paths") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise CaseError("principal_org_paths", "a list of strings", repr(paths))
    if "name" in case and not isinstance(case["name"], str):
        raise CaseError("name", "a string", repr(case["name"]))
    named, target = case.get("action"), case.get("resource")
    # What the policies are compiled for; a malformed action or resource is refused below, as before.
    scope = (named, target) if scoped and isinstance(named, str) and isinstance(target, str) else None

    def _policy(value: Any, kind: PolicyKind, label: str) -> Any:
        return compile_policy(value, label=label, kind=kind, scope=scope)

    optional = {
        "permissions_boundary": PolicyKind.BOUNDARY,
        "session_policy": PolicyKind.SESSION,
        "resource_policy": PolicyKind.RESOURCE,
    }
    documents = {
        key: _policy(case[key], kind, key) if case.get(key) is not None else None
        for key, kind in optional.items()
    }
    checked = _string(case, "action", optional=False)
    assert checked is not None
    if ":" not in checked:
        raise CaseError("action", "service:Action", repr(checked))
    principal = _string(case, "principal", optional=False) or ""
    problem = principal_problem(principal)
    if problem is not None:
        # A question about nobody is a mistake in the case, not something to answer INDETERMINATE.
        expected = "the ARN of an IAM user, a role or an assumed-role session (arn:aws:iam::ACCOUNT:role/NAME)"
        raise CaseError("principal", expected, f"{principal!r} ({problem})")
    resource = _string(case, "resource", optional=False) or ""
    problem = None if resource == "*" else arn_problem(resource)
    if problem is not None:
        raise CaseError(
            "resource", "'*' or an ARN (arn:partition:service:region:account:resource)", f"{resource!r} ({problem})"
        )
    request = Request(
        principal=principal,
        action=checked,
        resource=resource,
        identity_policies=tuple(
            _policy(doc, PolicyKind.IDENTITY, f"identity_policies[{i}]") for i, doc in enumerate(identity)
        ),
        permissions_boundary=documents["permissions_boundary"],
        session_policy=documents["session_policy"],
        scps=_levels(case, "scps", PolicyKind.SCP, scope),
        rcps=_levels(case, "rcps", PolicyKind.RCP, scope),
        resource_policy=documents["resource_policy"],
        resource_account=_string(case, "resource_account"),
        principal_tags=_string_map(case, "principal_tags"),
        resource_tags=_string_map(case, "resource_tags"),
        principal_org_id=_string(case, "principal_org_id"),
        principal_org_paths=tuple(paths),
        principal_id=_string(case, "principal_id"),
        context=_context(case),
    )
    caller = parse_caller(principal, request.principal_id)
    conflict = principal_key_conflict(request, caller) if isinstance(caller, Caller) else None
    if conflict is not None:
        # A context that describes another principal than the case's is a mistake in the case.
        key, expected, found = conflict
        raise CaseError(f"context.{key}", expected, found)
    return request


def answer(case: Mapping[str, Any], request: Request, any_context: bool) -> dict[str, Any]:
    """The output object for one valid case."""
    name = case.get("name")
    if not any_context:
        result = decide(request)
        return {"name": name, "decision": result.decision.value, "explanation": list(result.explanation)}
    found = possible(request)
    witness = None
    if found.decision is Decision.ALLOW and found.witness is not None:
        witness = {k: list(v) if isinstance(v, tuple) else v for k, v in found.witness.items()}
    return {
        "name": name,
        "decision": found.decision.value,
        "explanation": list(found.explanation),
        "witness": witness,
    }


_USAGE = (
    "usage: enjoin decide FILE [--any-context]   (FILE may be '-' for standard input; --help for the format)"
)


def read_input(source: str, stdin: IO[Any] | None = None) -> str:
    """The text of the input: the file ``source``, or standard input for ``-``.

    Raises:
        CaseError: naming the input, for a file it cannot read, bytes that are not UTF-8 text, or
            an input with nothing but whitespace (no case at all).
    """
    shown = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            stream = stdin or sys.stdin
            data = getattr(stream, "buffer", stream).read()  # bytes, so that enjoin decodes them
        else:
            # Not read with a size cap or a regular-file check: a pipe (<(...)) is a fine input here.
            with open(source, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise CaseError(shown, "a readable file of cases", f"{os_problem(exc)} (cannot read the file)") from None
    except UnicodeDecodeError as exc:  # a text stream that decoded for itself
        raise CaseError(shown, "UTF-8 text", f"a byte 0x{exc.object[exc.start]:02x} at offset {exc.start}") from None
    text = data if isinstance(data, str) else decode(data, CaseError, shown)
    if not text.strip():
        empty = "empty standard input" if source == "-" else "an empty file"
        raise CaseError(shown, "at least one case", empty + (" (only whitespace)" if text else ""))
    return text


def run(
    argv: list[str],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: IO[Any] | None = None,
) -> int:
    """The ``enjoin decide`` command. Returns the exit code (0 all answered, 1 a malformed case,
    2 the input unusable or a usage error); ``stdin`` stands for standard input when given."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__, file=out)
        return 0
    any_context = "--any-context" in argv
    files = [a for a in argv if a != "--any-context"]
    if len(files) != 1 or (files[0].startswith("-") and files[0] != "-"):
        print(_USAGE, file=err)
        return 2
    source = files[0]
    try:
        text = read_input(source, stdin)
    except EnjoinError as error:
        print(f"enjoin decide: {error}", file=err)
        return 2
    shown = "<stdin>" if source == "-" else source
    cases = read_cases(text)
    first = next(cases, None)
    if first is None:  # "[]": text, but not one case
        print(f"enjoin decide: {CaseError(shown, 'at least one case', 'an empty JSON array')}", file=err)
        return 2
    # Each case's JSON and compiled policies are thousands of short-lived containers, and almost
    # none is ever part of a cycle: collecting the youngest generation every 700 allocations (the
    # default) spent about a third of a run walking objects still in use. Restored on the way out.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        return _answer_all(itertools.chain((first,), cases), shown, any_context, out, err)
    finally:
        gc.set_threshold(*thresholds)


def _answer_all(cases: Iterator[RawCase], shown: str, any_context: bool, out: TextIO, err: TextIO) -> int:
    """Answer each case in order (an error line for a malformed one); the exit code."""
    malformed = False
    write = out.write
    for raw in cases:
        if raw.error is not None:
            malformed = True
            print(f"enjoin decide: {shown}: {case_name(raw)}: {raw.error}", file=err)
            continue
        try:
            # The existential question reads every statement's condition keys: whole policies.
            request = build_request(raw.value, scoped=not any_context)
        except EnjoinError as error:
            malformed = True
            print(f"enjoin decide: {shown}: {case_name(raw)}: {error}", file=err)
            continue
        write(json.dumps(answer(raw.value, request, any_context)) + "\n")
    return 1 if malformed else 0
