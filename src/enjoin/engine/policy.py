"""Policy documents: grammar checks, compilation, and the compiled-policy cache.

``compile_policy`` validates a document against the IAM policy grammar for its kind (IAM User Guide,
"IAM JSON policy element reference" and "Grammar of the IAM JSON policy language"; AWS Organizations
User Guide, "SCP syntax" and "RCP syntax") and compiles it once: action patterns lower-cased into a
:class:`~enjoin.engine.wildcard.GlobSet`, resources into another, principals into a
:class:`~enjoin.engine.principals.PrincipalSpec`, conditions into
:class:`~enjoin.engine.conditions.Condition` objects. Compiled policies are cached by content
(canonical JSON, kind and label), so compiling the same document again costs one dictionary lookup.
Each policy also memoises, per action, which of its statements name that action: the decision hot
path never matches an action pattern twice.

A policy may instead be compiled for one request (``scope``: its action and resource), as ``enjoin
decide`` compiles the policies each case brings: every statement is checked as usual, but only the
few that can apply to that request are compiled, and the policy answers that request alone.
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from enjoin.engine.arn import split_arn
from enjoin.engine.codegen import build_scanner
from enjoin.engine.conditions import Condition, Lookup, scalar_text
from enjoin.engine.model import StatementRef
from enjoin.engine.principals import PrincipalFormError, PrincipalSpec
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN, Truth
from enjoin.engine.variables import (
    Template,
    UnknownVariable,
    Unresolvable,
    has_variables,
    literal_template,
    parse_template,
    resolve,
)
from enjoin.engine.wildcard import GlobSet, Literal, Matcher, compile_glob
from enjoin.errors import PolicyError

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)


class PolicyKind(enum.Enum):
    """Which kind of policy a document is; it decides the grammar and the policy's role in evaluation."""

    # Attached to a user, group or role (inline or managed): grants permissions to that identity.
    IDENTITY = "identity"
    # Attached to a resource: bucket policy, KMS key policy, role trust policy, queue policy...
    RESOURCE = "resource"
    # A permissions boundary: caps what identity policies can grant; grants nothing itself.
    BOUNDARY = "boundary"
    # A session policy passed to sts:AssumeRole*: caps the session; grants nothing itself.
    SESSION = "session"
    # A service control policy of AWS Organizations: caps the principals of the accounts below it.
    SCP = "scp"
    # A resource control policy of AWS Organizations: caps access to the resources of the accounts below it.
    RCP = "rcp"


# Set by enjoin.engine.evaluate when the compiled core is built: compiles a Policy for it.
CORE_COMPILER: Callable[[Policy], object] | None = None
# The compiled core's reading of a scoped policy's plain statements (``_fast.scoped_statements``):
# which can apply to the one request, each with its parts, or None to read the policy here.
SCOPED_SCAN: Callable[[list[Any], str, str, bool], list[tuple[int, StatementParts]] | None] | None = None


# A GlobSet never changes once made (it only builds its matcher on first use): statements with the same action
# patterns, or the same static resources, share one.
_ACTION_SETS: dict[tuple[str, ...], GlobSet] = {}
# Resource templates -> their patterns (variables' pieces dropped: none is left) and GlobSet, or None when a
# template holds a policy variable (matched per request).
StaticResources = tuple[tuple[tuple[str | Literal, ...], ...], GlobSet]
_RESOURCE_SETS: dict[tuple[Template, ...], StaticResources | None] = {}


def _action_set(patterns: tuple[str, ...]) -> GlobSet:
    found = _ACTION_SETS.get(patterns)
    if found is None:
        if len(_ACTION_SETS) > _PARTS_LIMIT:
            _ACTION_SETS.clear()
        found = _ACTION_SETS[patterns] = GlobSet(patterns)
    return found


def _static_resources(templates: tuple[Template, ...]) -> StaticResources | None:
    if templates in _RESOURCE_SETS:
        return _RESOURCE_SETS[templates]
    if len(_RESOURCE_SETS) > _PARTS_LIMIT:
        _RESOURCE_SETS.clear()
    found = None
    if not any(has_variables(t) for t in templates):
        patterns = tuple(tuple(p for p in t if isinstance(p, str | Literal)) for t in templates)
        found = (patterns, GlobSet(patterns))
    _RESOURCE_SETS[templates] = found
    return found


class Statement:
    """One compiled statement."""

    __slots__ = (
        "action_negated",
        "action_patterns",
        "actions",
        "allow",
        "conditions",
        "dynamic",
        "effect",
        "index",
        "plain",
        "principal",
        "principal_negated",
        "ref",
        "resource_negated",
        "resource_templates",
        "resources",
        "sid",
        "static_patterns",
    )

    def __init__(
        self,
        *,
        index: int,
        sid: str | None,
        effect: str,
        label: str,
        action_patterns: tuple[str, ...],
        action_negated: bool,
        resource_templates: tuple[Template, ...] | None,
        resource_negated: bool,
        principal: PrincipalSpec | None,
        principal_negated: bool,
        conditions: tuple[Condition, ...],
    ) -> None:
        self.index = index
        self.sid = sid
        self.effect = effect
        self.allow = effect == "Allow"
        self.ref = StatementRef(label, index, sid, effect)
        self.action_patterns = action_patterns
        self.actions = _action_set(action_patterns)
        self.action_negated = action_negated
        self.resource_templates = resource_templates
        self.resource_negated = resource_negated
        # Resources without variables match through one GlobSet; with variables, per request.
        self.resources: GlobSet | None = None
        # The same static resources as patterns (scan_spec); None as for resources.
        self.static_patterns: tuple[tuple[str | Literal, ...], ...] | None = None
        if resource_templates is not None:
            static = _static_resources(resource_templates)
            if static is not None:
                self.static_patterns, self.resources = static
        self.principal = principal
        self.principal_negated = principal_negated
        self.conditions = conditions
        # Whether the outcome depends on the request beyond its action and resource.
        self.dynamic = bool(conditions) or (resource_templates is not None and self.resources is None)
        # Only conditions without policy variables (and a static Resource): evaluating them cannot
        # raise, so the hot path may loop over them directly.
        self.plain = (resource_templates is None or self.resources is not None) and not any(
            c.variables for c in conditions
        )

    def scan_spec(self) -> tuple[tuple[str, ...], bool, tuple[tuple[str | Literal, ...], ...] | None, bool]:
        """What :func:`~enjoin.engine.codegen.build_scanner` needs: the action patterns, NotAction?,
        the static resource patterns (None: any resource, or decided per request), NotResource?"""
        return self.action_patterns, self.action_negated, self.static_patterns, self.resource_negated

    def check(self, resource: str, lookup: Lookup) -> Truth:
        """:meth:`applies` for a statement whose action and static resource are known to match."""
        if self.resources is None and self.resource_templates is not None:
            return self.applies(resource, lookup)  # Resource holds policy variables
        try:
            return self._conditions(lookup)
        except Unresolvable:
            return FALSE
        except UnknownVariable:
            return UNKNOWN

    def _conditions(self, lookup: Lookup) -> Truth:
        result = TRUE
        for condition in self.conditions:
            truth = condition.evaluate(lookup)
            if truth == FALSE:
                return FALSE
            if truth == UNKNOWN:
                result = UNKNOWN
        return result

    def names_action(self, action_lower: str) -> bool:
        """Whether Action/NotAction covers the (lower-cased) action."""
        return self.actions.match(action_lower) != self.action_negated

    def resource_matches(self, resource: str, lookup: Lookup) -> bool:
        """Whether Resource/NotResource covers the resource (raises on unresolvable variables)."""
        if self.resource_templates is None:
            return True
        resources = self.resources
        if resources is None:
            from enjoin.engine.conditions import UNKNOWN_VALUE

            resources = GlobSet(resolve(t, lookup, UNKNOWN_VALUE) for t in self.resource_templates)
        return resources.match(resource) != self.resource_negated

    def applies(self, resource: str, lookup: Lookup) -> Truth:
        """Whether the statement's Resource and Condition match (the action is already known to match)."""
        try:
            if not self.resource_matches(resource, lookup):
                return FALSE
            return self._conditions(lookup)
        except Unresolvable:
            return FALSE
        except UnknownVariable:
            return UNKNOWN

    def unknown_reason(self, resource: str, lookup: Lookup) -> str:
        """Why :meth:`applies` answered UNKNOWN."""
        try:
            self.resource_matches(resource, lookup)
            for condition in self.conditions:
                if condition.evaluate(lookup) == UNKNOWN:
                    return f"{self.ref}: {condition.unknown_reason(lookup)}"
        except UnknownVariable as unknown:
            return f"{self.ref}: {unknown.reason}"
        except Unresolvable:  # pragma: no cover - applies() would not have answered UNKNOWN
            pass
        return f"{self.ref}: cannot be evaluated"


class Policy:
    """A compiled policy: immutable, hashable by content (canonical JSON, kind, label, scope)."""

    __slots__ = (
        "_by_action",
        "_by_service",
        "_exact",
        "_fast",
        "_hash",
        "_key",
        "_negated",
        "_scanner",
        "_wild_service",
        "document",
        "kind",
        "label",
        "statements",
        "version",
    )

    def __init__(
        self,
        key: PolicyKey,
        document: Mapping[str, Any],
        version: str,
        statements: tuple[Statement, ...],
    ) -> None:
        self._key = key
        self._hash = hash(key)
        self.label = key[2]
        self.kind = key[1]
        self.document = document
        self.version = version
        self.statements = statements
        # The compiled core's form of this policy (enjoin.engine._fast), built with the policy.
        self._fast: object = None if CORE_COMPILER is None else CORE_COMPILER(self)
        self._by_action: dict[str, tuple[Statement, ...]] = {}
        # The reference's hot path asks which statements name the action and cover the resource through
        # one function generated for this policy (see enjoin.engine.codegen), on first use: with the
        # compiled core built, most policies are never scanned by the reference.
        self._scanner: Callable[[str, str], list[int]] | None = None
        # An index of the action patterns, so that a new action is matched against few of them:
        # exact actions in a dict, wildcard patterns by their service prefix. Built on the first
        # statements_for (most policies, decided by the compiled core, never need it).
        self._exact: dict[str, list[int]] | None = None
        self._by_service: dict[str, list[tuple[Matcher, int]]] = {}
        self._wild_service: list[tuple[Matcher, int]] = []
        self._negated: list[tuple[int, Statement]] = []

    def _index(self) -> dict[str, list[int]]:
        exact: dict[str, list[int]] = {}
        for position, statement in enumerate(self.statements):
            if statement.action_negated:
                self._negated.append((position, statement))
                continue
            for pattern in statement.action_patterns:
                service, _, _ = pattern.partition(":")
                if "*" not in pattern and "?" not in pattern:
                    exact.setdefault(pattern, []).append(position)
                elif "*" in service or "?" in service:
                    self._wild_service.append((compile_glob(pattern), position))
                else:
                    self._by_service.setdefault(service, []).append((compile_glob(pattern), position))
        self._exact = exact
        return exact

    def scan(self, action_lower: str, resource: str) -> list[int]:
        """The indices of the statements whose Action names the (lower-cased) action and whose static
        Resource covers the resource (a Resource with policy variables counts as covering it)."""
        scanner = self._scanner
        if scanner is None:
            scanner = self._scanner = build_scanner([s.scan_spec() for s in self.statements])
        return scanner(action_lower, resource)

    def covering(self, action_lower: str, resource: str) -> Sequence[int]:
        """:meth:`scan`, answered by the compiled core when it is built (the two are held equal)."""
        core = self._fast
        if core is not None:
            return core.positions(action_lower, resource)  # type: ignore[attr-defined,no-any-return]
        return self.scan(action_lower, resource)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and other._key == self._key

    def __repr__(self) -> str:
        return f"Policy({self.label!r}, {self.kind.name}, {len(self.statements)} statements)"

    def statements_for(self, action_lower: str) -> tuple[Statement, ...]:
        """The statements whose Action/NotAction covers the lower-cased action (memoised)."""
        found = self._by_action.get(action_lower)
        if found is None:
            if len(self._by_action) > 8192:
                self._by_action.clear()
            found = self._by_action[action_lower] = self._find(action_lower)
        return found

    def _find(self, action_lower: str) -> tuple[Statement, ...]:
        exact = self._exact if self._exact is not None else self._index()
        positions = set(exact.get(action_lower, ()))
        service = action_lower.partition(":")[0]
        for matches, position in self._by_service.get(service, ()):
            if matches(action_lower):
                positions.add(position)
        for matches, position in self._wild_service:
            if matches(action_lower):
                positions.add(position)
        for position, statement in self._negated:
            if statement.names_action(action_lower):
                positions.add(position)
        statements = self.statements
        return tuple(statements[p] for p in sorted(positions))


def as_policy(value: Any, kind: PolicyKind, label: str) -> Policy:
    """A compiled policy as is; a document (mapping or JSON text) compiled with ``label``."""
    if isinstance(value, Policy):
        return value
    return compile_policy(value, label=label, kind=kind)


# A policy's identity: its canonical JSON (a token of its own for one compiled for one request), kind,
# label, and the one (lower-cased action, resource) it was compiled for (None: every request).
PolicyKey = tuple[str, PolicyKind, str, tuple[str, str] | None]
_CACHE: dict[PolicyKey, Policy] = {}
_SCOPED_IDS = itertools.count(1)
_TEXT_CACHE: dict[PolicyKey, Policy] = {}


def compile_policy(
    document: Mapping[str, Any] | str,
    *,
    label: str,
    kind: PolicyKind = PolicyKind.IDENTITY,
    scope: tuple[str, str] | None = None,
) -> Policy:
    """Validate and compile a policy document (a mapping, or JSON text).

    With ``scope``, an (action, resource) pair, the whole document is validated as without it, but
    only the statements that can apply to a request of that action on that resource are compiled:
    those whose Action or NotAction names the action and whose Resource or NotResource covers the
    resource or holds a policy variable (each keeps its index and Sid). The policy then answers the
    concrete question for that action and resource alone, exactly as the whole policy would
    (``decide`` never looks at another statement), for a fraction of the compilation; not the
    existential one, which reads every statement's condition keys. ``enjoin decide`` compiles each
    case's policies so. Such a policy reads the document as given (JSON data, as ``json.loads``
    returns it) rather than a canonical copy, is not memoised, and equals no other policy.

    Raises:
        PolicyError: the document is not valid policy grammar for ``kind``; the error names the
            label, the statement (index and Sid) and the key, what was expected and what was found.
    """
    only = None if scope is None else (scope[0].lower(), scope[1])
    if isinstance(document, str):
        text_key = (document, kind, label, only)
        cached = _TEXT_CACHE.get(text_key)
        if cached is not None:
            return cached
        try:
            parsed = json.loads(document)
        except json.JSONDecodeError as error:
            raise PolicyError(label, "a policy document in JSON", f"invalid JSON ({error})") from None
        policy = (
            compile_policy(parsed, label=label, kind=kind, scope=scope) if isinstance(parsed, Mapping) else None
        )
        if policy is None:
            raise PolicyError(label, "a JSON object", f"{type(parsed).__name__} {parsed!r:.60}")
        if only is None:  # a scoped policy is memoised (boundedly) by its document's content only
            _TEXT_CACHE[text_key] = policy
        return policy
    if not isinstance(document, Mapping):
        raise PolicyError(label, "a JSON object", f"{type(document).__name__}")
    if only is not None:
        # Compiled for one request and read as given: not memoised (two cases rarely share a
        # document, an action and a resource), so no canonical text to key it by either. Its
        # identity is its own: it equals no other policy.
        return _compile((f"#scoped-{next(_SCOPED_IDS)}", kind, label, only), document, label, kind, only)
    try:
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise PolicyError(label, "a JSON-serialisable policy document", str(error)) from None
    key = (canonical, kind, label, only)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    # A copy the caller cannot change.
    policy = _compile(key, json.loads(canonical), label, kind, only)
    _CACHE[key] = policy
    return policy


def _compile(
    key: PolicyKey, document: Mapping[str, Any], label: str, kind: PolicyKind, only: tuple[str, str] | None
) -> Policy:
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise PolicyError(label, f"only the keys {sorted(_TOP_KEYS)} at the top level", f"key {unknown[0]!r}")
    version = document.get("Version", VERSION_2008)
    if version not in (VERSION_2012, VERSION_2008):
        raise PolicyError(f"{label}: Version", f"{VERSION_2012!r} or {VERSION_2008!r}", repr(version))
    if "Id" in document and not isinstance(document["Id"], str):
        raise PolicyError(f"{label}: Id", "a string", repr(document["Id"]))
    if "Statement" not in document:
        raise PolicyError(label, "a Statement element", "none")
    raw_statements = document["Statement"]
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(f"{label}: Statement", "an object or a list of objects", repr(raw_statements))
    variables = version == VERSION_2012
    if only is not None and SCOPED_SCAN is not None and kind in _PLAIN_KINDS:
        found = SCOPED_SCAN(raw_statements, only[0], only[1], variables)
        if found is not None:
            return Policy(key, document, version, tuple(_build_statement(p, i, label, variables) for i, p in found))
    statements = []
    for index, raw in enumerate(raw_statements):
        parts = _statement_parts(raw, index, label, kind)
        if only is None or (
            _names(parts[3], parts[2] == "NotAction", only[0]) and _covers(parts[4], parts[5], variables, only[1])
        ):
            statements.append(_build_statement(parts, index, label, variables))
    return Policy(key, document, version, tuple(statements))


# Lower-cased action pattern (resource pattern) -> its matcher, shared by the policies compiled
# for one request.
_ACTION_MATCHERS: dict[str, Matcher] = {}
_RESOURCE_MATCHERS: dict[str, Matcher] = {}


def _names(actions: list[str], negated: bool, action_lower: str) -> bool:
    """:meth:`Statement.names_action` for a statement not compiled (yet)."""
    matchers = _ACTION_MATCHERS
    for pattern in actions:
        lowered = pattern.lower()
        matches = matchers.get(lowered)
        if matches is None:
            if len(matchers) > 65536:
                matchers.clear()
            matches = matchers[lowered] = compile_glob(lowered)
        if matches(action_lower):
            return not negated
    return negated


def _covers(resource_key: str | None, resources: list[str], variables: bool, resource: str) -> bool:
    """Whether a statement not compiled (yet) may cover the resource: as its compiled form's static
    Resource/NotResource would say, and always when a pattern holds a policy variable (then the
    statement is decided per request, where it may turn out UNKNOWN)."""
    if resource_key is None:
        return True
    if variables and any("${" in r and has_variables(parse_template(r)) for r in resources):
        return True
    matchers = _RESOURCE_MATCHERS
    found = False
    for pattern in resources:
        if "${" in pattern and variables:
            # Only special variables (${*}, ${?}, ${$}): literal characters, never cached.
            template = parse_template(pattern)
            matches = compile_glob(tuple(p for p in template if isinstance(p, str | Literal)))
        else:
            matches = matchers.get(pattern)  # type: ignore[assignment]
            if matches is None:
                if len(matchers) > 65536:
                    matchers.clear()
                matches = matchers[pattern] = compile_glob(pattern)
        if matches(resource):
            found = True
            break
    return found != (resource_key == "NotResource")


def _strings(where: str, name: str, value: object) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise PolicyError(f"{where}.{name}", "a string or a non-empty list of strings", repr(value))
    return list(items)


# What _statement_parts finds in a valid statement: Sid, Effect, "Action" or "NotAction", its
# patterns, "Resource"/"NotResource"/None, its patterns, the principal and whether it is NotPrincipal,
# and the conditions as (operator, key, values).
StatementParts = tuple[
    str | None,
    str,
    str,
    list[str],
    str | None,
    list[str],
    PrincipalSpec | None,
    bool,
    list[tuple[str, str, tuple[str, ...]]],
]


def _statement_parts(raw: object, index: int, label: str, kind: PolicyKind) -> StatementParts:
    """Check one statement against the grammar and return its parts (nothing compiled yet)."""
    if raw.__class__ is dict and (kind in _PLAIN_KINDS or kind is PolicyKind.RESOURCE):
        parts = _plain_parts(raw, principals=kind is PolicyKind.RESOURCE)
        if parts is not None:
            return parts
    return _checked_parts(raw, index, label, kind)


# The kinds whose statements name no principal: _plain_parts reads theirs.
_PLAIN_KINDS = frozenset({PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP})


def _plain_strings(value: Any) -> list[str] | None:
    """:func:`_strings` for a plain string or list of them; None for anything else."""
    if value.__class__ is str:
        return [value]
    if value.__class__ is list and value and all(item.__class__ is str for item in value):
        return list(value)
    return None


# A Principal element's value (a string, or a mapping of strings and lists of strings, as a hashable key) ->
# its compiled PrincipalSpec, shared by the statements that name the same principals: a spec never changes once
# made (it memoises how each caller matches it).
_PRINCIPALS: dict[object, PrincipalSpec] = {}


def _plain_principal(element: Any) -> PrincipalSpec | None:
    """:class:`PrincipalSpec` of a plainly valid element (memoised); None for anything else (or an error)."""
    key: object
    if element.__class__ is str:
        key = element
    elif element.__class__ is dict:
        pairs: list[tuple[str, object]] = []
        for kind, value in element.items():
            if value.__class__ is str:
                pairs.append((kind, value))
            elif value.__class__ is list and all(item.__class__ is str for item in value):
                pairs.append((kind, tuple(value)))
            else:
                return None
        key = tuple(pairs)
    else:
        return None
    found = _PRINCIPALS.get(key)
    if found is None:
        try:
            found = PrincipalSpec(element)
        except PrincipalFormError:
            return None
        if len(_PRINCIPALS) > _PARTS_LIMIT:
            _PRINCIPALS.clear()
        _PRINCIPALS[key] = found
    return found


def _plain_parts(raw: dict[str, Any], *, principals: bool = False) -> StatementParts | None:
    """The parts of a statement as :func:`_checked_parts` returns them, when it is plainly valid:
    dicts, lists, strings and scalars, nothing to report. None for anything else, which the full
    check then reads (and reports) exactly. Only the speed differs: no message is prepared, no
    abstract type is asked about. Without ``principals``, of a kind without principals; with it,
    of a resource policy (exactly one of Principal and NotPrincipal, Resource optional)."""
    if not raw.keys() <= _STATEMENT_KEYS:
        return None
    principal: PrincipalSpec | None = None
    negated = False
    if principals:
        if "Principal" in raw:
            if "NotPrincipal" in raw:
                return None
            principal = _plain_principal(raw["Principal"])
        elif "NotPrincipal" in raw:
            principal, negated = _plain_principal(raw["NotPrincipal"]), True
        if principal is None:
            return None
    elif "Principal" in raw or "NotPrincipal" in raw:
        return None
    sid = raw.get("Sid")
    effect = raw.get("Effect")
    if (sid is not None and sid.__class__ is not str) or (effect != "Allow" and effect != "Deny"):
        return None
    if "Action" in raw:
        if "NotAction" in raw:
            return None
        action_key = "Action"
    elif "NotAction" in raw:
        action_key = "NotAction"
    else:
        return None
    actions = _plain_strings(raw[action_key])
    if actions is None:
        return None
    for action in actions:
        if action != "*" and (":" not in action or action[0] == ":" or action[-1] == ":"):
            return None
    if "Resource" in raw:
        if "NotResource" in raw:
            return None
        resource_key = "Resource"
    elif "NotResource" in raw:
        resource_key = "NotResource"
    elif principals:
        resource_key = None
    else:
        return None
    resources: list[str] = []
    if resource_key is not None:
        given = _plain_strings(raw[resource_key])
        if given is None:
            return None
        resources = given
        for resource in resources:
            if resource != "*" and split_arn(resource) is None:
                return None
    conditions: list[tuple[str, str, tuple[str, ...]]] = []
    if "Condition" in raw:
        block = raw["Condition"]
        if block.__class__ is not dict or not block:
            return None
        for operator_name, keys in block.items():
            if keys.__class__ is not dict or not keys:
                return None
            for key, raw_values in keys.items():
                items = raw_values if raw_values.__class__ is list else [raw_values]
                if not items:
                    return None
                texts = tuple(item if item.__class__ is str else scalar_text(item) for item in items)
                if None in texts:
                    return None
                conditions.append((operator_name, key, texts))  # type: ignore[arg-type]
    return (sid, effect, action_key, actions, resource_key, resources, principal, negated, conditions)


def _checked_parts(raw: object, index: int, label: str, kind: PolicyKind) -> StatementParts:
    """:func:`_statement_parts` for any statement: every check, with the message of the first that fails."""
    where = f"{label}: Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise PolicyError(where, "a statement object", repr(raw))
    sid = raw.get("Sid")
    if sid is not None:
        if not isinstance(sid, str):
            raise PolicyError(f"{where}.Sid", "a string", repr(sid))
        where = f"{label}: Statement[{index}] (Sid {sid!r})"
    if not raw.keys() <= _STATEMENT_KEYS:
        unknown = sorted(set(raw) - _STATEMENT_KEYS)
        raise PolicyError(where, f"only the statement keys {sorted(_STATEMENT_KEYS)}", f"key {unknown[0]!r}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}.Effect", "'Allow' or 'Deny'", repr(effect))

    if ("Action" in raw) == ("NotAction" in raw):
        found = "both" if "Action" in raw else "neither"
        raise PolicyError(where, "exactly one of Action and NotAction", found)
    action_key = "Action" if "Action" in raw else "NotAction"
    actions = _strings(where, action_key, raw[action_key])
    for action in actions:
        if action != "*" and (":" not in action or action.startswith(":") or action.endswith(":")):
            raise PolicyError(
                f"{where}.{action_key}", "'*' or 'service:action' (wildcards allowed)", repr(action)
            )

    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(where, "at most one of Resource and NotResource", "both")
    resource_key = None
    resources: list[str] = []
    if "Resource" in raw or "NotResource" in raw:
        resource_key = "Resource" if "Resource" in raw else "NotResource"
        resources = _strings(where, resource_key, raw[resource_key])
        for resource in resources:
            if resource != "*" and split_arn(resource) is None:
                raise PolicyError(
                    f"{where}.{resource_key}",
                    "'*' or an ARN (arn:partition:service:region:account:resource)",
                    repr(resource),
                )
    elif kind is not PolicyKind.RESOURCE:
        raise PolicyError(where, "a Resource or NotResource element", "neither")

    principal, principal_negated = _compile_principal(raw, where, kind)
    conditions = _condition_parts(raw.get("Condition"), where) if "Condition" in raw else []
    return (sid, effect, action_key, actions, resource_key, resources, principal, principal_negated, conditions)


# The compiled parts of statements, by value: statements of different policies (the thousands of cases of one
# `enjoin decide` file, the policies of one account) repeat the same condition, resource list and action list far
# more often than not, and each of these compiles to an object that never changes afterwards (its only state is
# a memo of what it computed). Bounded as the matchers above are.
_CONDITIONS: dict[tuple[str, str, tuple[str, ...], bool], Condition] = {}
_RESOURCE_TEMPLATES: dict[tuple[tuple[str, ...], bool], tuple[Template, ...]] = {}
_LOWERED_ACTIONS: dict[tuple[str, ...], tuple[str, ...]] = {}
_PARTS_LIMIT = 65536


def _condition(operator_name: str, key: str, values: tuple[str, ...], variables: bool) -> Condition:
    found = _CONDITIONS.get((operator_name, key, values, variables))
    if found is None:
        if len(_CONDITIONS) > _PARTS_LIMIT:
            _CONDITIONS.clear()
        found = _CONDITIONS[(operator_name, key, values, variables)] = Condition(
            operator_name, key, values, variables=variables
        )
    return found


def _build_statement(parts: StatementParts, index: int, label: str, variables: bool) -> Statement:
    """Compile a statement from its checked parts."""
    sid, effect, action_key, actions, resource_key, resources, principal, principal_negated, conditions = parts
    resource_templates: tuple[Template, ...] | None = None
    if resource_key is not None:
        given = tuple(resources)
        resource_templates = _RESOURCE_TEMPLATES.get((given, variables))
        if resource_templates is None:
            if len(_RESOURCE_TEMPLATES) > _PARTS_LIMIT:
                _RESOURCE_TEMPLATES.clear()
            parse = parse_template if variables else literal_template
            resource_templates = _RESOURCE_TEMPLATES[(given, variables)] = tuple(parse(r) for r in given)
    named = tuple(actions)
    lowered = _LOWERED_ACTIONS.get(named)
    if lowered is None:
        if len(_LOWERED_ACTIONS) > _PARTS_LIMIT:
            _LOWERED_ACTIONS.clear()
        lowered = _LOWERED_ACTIONS[named] = tuple(a.lower() for a in named)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        label=label,
        action_patterns=lowered,
        action_negated=action_key == "NotAction",
        resource_templates=resource_templates,
        resource_negated=resource_key == "NotResource",
        principal=principal,
        principal_negated=principal_negated,
        conditions=tuple(_condition(op, key, values, variables) for op, key, values in conditions),
    )


def _compile_principal(
    raw: Mapping[str, Any], where: str, kind: PolicyKind
) -> tuple[PrincipalSpec | None, bool]:
    has_principal = "Principal" in raw
    has_not = "NotPrincipal" in raw
    if kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP):
        if has_principal or has_not:
            found = "Principal" if has_principal else "NotPrincipal"
            raise PolicyError(
                where, f"no Principal or NotPrincipal (not allowed in {kind.value} policies)", found
            )
        return None, False
    if kind is PolicyKind.RCP:
        if has_not:
            raise PolicyError(where, "no NotPrincipal in a resource control policy", "NotPrincipal")
        if raw.get("Principal") != "*":
            raise PolicyError(
                f"{where}.Principal", '"*" in a resource control policy', repr(raw.get("Principal"))
            )
        return None, False
    if has_principal == has_not:
        raise PolicyError(
            where,
            "exactly one of Principal and NotPrincipal in a resource policy",
            "both" if has_principal else "neither",
        )
    key = "Principal" if has_principal else "NotPrincipal"
    try:
        return PrincipalSpec(raw[key]), has_not
    except PrincipalFormError as error:
        raise PolicyError(f"{where}.{key}", "a valid principal", str(error)) from None


def _condition_parts(block: object, where: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Check a Condition block; its (operator, key, values as text) triples, in order."""
    if not isinstance(block, Mapping) or not block:
        raise PolicyError(f"{where}.Condition", "an object of operator -> {key: value(s)}", repr(block))
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for operator_name, keys in block.items():
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(
                f"{where}.Condition.{operator_name}", "an object of key -> value(s)", repr(keys)
            )
        for key, raw_values in keys.items():
            items = raw_values if isinstance(raw_values, list) else [raw_values]
            texts = [scalar_text(i) for i in items]
            if not items or any(t is None for t in texts):
                raise PolicyError(
                    f"{where}.Condition.{operator_name}.{key}",
                    "a string, number or boolean, or a non-empty list of them",
                    repr(raw_values),
                )
            out.append((operator_name, key, tuple(t for t in texts if t is not None)))
    return out

