"""The engine's public value types: requests, decisions, results and witnesses.

These names are the contract between the engine and the rest of enjoin (reach, the ``enjoin decide``
CLI, the tests). The engine never imports boto3, pytest or anything that does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A context value: AWS condition keys are single-valued (a string) or multivalued (a list of strings).
ContextValue = str | tuple[str, ...]
PolicyDocument = Mapping[str, Any]


class Decision(enum.Enum):
    """The outcome of one authorization question."""

    # Some statement allows the request and no statement denies it, at every layer that must allow.
    ALLOW = "ALLOW"
    # A statement with Effect Deny matches the request: nothing can override it.
    EXPLICIT_DENY = "EXPLICIT_DENY"
    # No explicit deny, but some layer that must allow does not (the default for every request).
    IMPLICIT_DENY = "IMPLICIT_DENY"
    # The engine met something it does not implement (an unknown condition operator, an unsupported
    # policy element...) that could change the answer. Never a guess: callers fail closed on it.
    INDETERMINATE = "INDETERMINATE"


@dataclass(frozen=True, slots=True)
class StatementRef:
    """One statement of one policy, as a person reads it in an explanation or a finding."""

    policy: str  # the policy's label: "arn:aws:iam::111:policy/ReadEligibility", "bucket policy of arn:aws:s3:::b"
    index: int  # position of the statement in the policy's Statement list (0-based)
    sid: str | None  # the statement's Sid, when it has one
    effect: str  # "Allow" or "Deny"

    def __str__(self) -> str:
        name = f"Sid {self.sid!r}" if self.sid else f"statement #{self.index}"
        return f"{name} of {self.policy} ({self.effect})"


@dataclass(frozen=True, slots=True)
class Request:
    """One request: may ``principal`` perform ``action`` on ``resource``?

    Policies are passed as compiled :class:`~enjoin.engine.Policy` objects (see ``compile_policy``), so
    a policy shared by thousands of requests is parsed once.

    Attributes:
        principal: an IAM user ARN, a role ARN (meaning a session of that role) or an assumed-role
            session ARN (``arn:aws:sts::111:assumed-role/Role/session``). Its account comes from the ARN.
        action: ``service:Action``.
        resource: the resource ARN.
        identity_policies: every identity-based policy of the principal (user inline and managed,
            the user's groups' inline and managed, or the role's inline and managed).
        permissions_boundary: the principal's permissions boundary, if any.
        session_policy: the session policy passed when the role session was created, if any.
        scps: service control policies, one tuple of policies per level, root first, account last.
            They apply to the principal's account. Empty: no organization.
        rcps: resource control policies, levels as for ``scps``; they apply to ``resource_account``.
        resource_policy: the policy the action's service consults: bucket policy, KMS key policy,
            role trust policy (for sts:AssumeRole*), access point policy...
        resource_account: the account owning the resource. None: take it from the resource ARN
            when it carries one, else the principal's account.
        principal_tags: tags of the principal (aws:PrincipalTag/...).
        resource_tags: tags of the resource (aws:ResourceTag/...).
        principal_org_id: the principal's organization id (aws:PrincipalOrgID), when known.
        principal_org_paths: the principal's organization paths (aws:PrincipalOrgPaths), when known.
        principal_id: the principal's unique id (aws:userid): ``AIDA...`` for a user,
            ``AROA...:session`` for a role session. None: unknown.
        context: request context keys (``aws:SourceIp``, ``s3:prefix``, ``sts:ExternalId``...).
            Values are strings or tuples of strings (multivalued keys); None fixes a key as absent
            (for ``possible``: a key the request cannot carry, e.g. access point keys on a direct request).
    """

    principal: str
    action: str
    resource: str
    identity_policies: tuple[Any, ...] = ()
    permissions_boundary: Any | None = None
    session_policy: Any | None = None
    scps: tuple[tuple[Any, ...], ...] = ()
    rcps: tuple[tuple[Any, ...], ...] = ()
    resource_policy: Any | None = None
    resource_account: str | None = None
    principal_tags: Mapping[str, str] = field(default_factory=dict)
    resource_tags: Mapping[str, str] = field(default_factory=dict)
    principal_org_id: str | None = None
    principal_org_paths: tuple[str, ...] = ()
    principal_id: str | None = None
    context: Mapping[str, ContextValue | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result:
    """The answer to a concrete request.

    Attributes:
        decision: the decision.
        explanation: sentences a person can read, in the order the evaluation went.
        allowed_by: the Allow statements that granted the request (one per layer that had to allow).
        denied_by: the Deny statements that matched (for EXPLICIT_DENY).
        unsupported: for INDETERMINATE, what the engine could not evaluate and where.
    """

    decision: Decision
    explanation: tuple[str, ...] = ()
    allowed_by: tuple[StatementRef, ...] = ()
    denied_by: tuple[StatementRef, ...] = ()
    unsupported: tuple[str, ...] = ()


_EXPLANATION = Result.__dict__["explanation"]  # Result's own slot for it


class DeferredResult(Result):
    """A :class:`Result` whose explanation is written the first time somebody reads it.

    The compiled core decides far more requests than anybody reads the explanation of (reach asks
    hundreds of thousands of questions and explains the few that make a finding), and writing the
    sentences would cost about as much as the decision. The core gives this class a writer: a
    callable over the decision's own state that returns exactly the sentences the result would
    otherwise have held. A deferred result equals, hashes and pickles as the plain Result it stands for.
    """

    __slots__ = ("_writer",)
    _writer: Callable[[], tuple[str, ...]] | None

    @property
    def explanation(self) -> tuple[str, ...]:
        writer = self._writer
        if writer is not None:
            _EXPLANATION.__set__(self, writer())
            object.__setattr__(self, "_writer", None)
        return _EXPLANATION.__get__(self)  # type: ignore[no-any-return]

    @explanation.setter
    def explanation(self, lines: tuple[str, ...]) -> None:
        # Only reachable through object.__setattr__ (as a dataclass __init__ does): the frozen
        # dataclass's own __setattr__ refuses every field.
        _EXPLANATION.__set__(self, lines)
        object.__setattr__(self, "_writer", None)

    def _fields(self) -> tuple[object, ...]:
        return (self.decision, self.explanation, self.allowed_by, self.denied_by, self.unsupported)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self._fields() == (
            other.decision,
            other.explanation,
            other.allowed_by,
            other.denied_by,
            other.unsupported,
        )

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Result, self._fields())


@dataclass(frozen=True, slots=True)
class Outcome:
    """A solver's answer for one formula (the engine's own, ``regions``, or z3's, ``solver``)."""

    # "allow" (witness found), "deny" (no context allows), "unknown" (cannot tell).
    status: str
    witness: Mapping[str, ContextValue] | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Possibility:
    """The answer to the existential question: is there ANY request context that allows the request?

    Attributes:
        decision: ALLOW when some context allows it (then ``witness`` and ``result`` are set);
            IMPLICIT_DENY or EXPLICIT_DENY when no context does (EXPLICIT_DENY when an explicit deny
            blocks every context that an allow statement would admit); INDETERMINATE when it cannot be decided.
        witness: a complete context under which the concrete evaluation gives ALLOW.
        result: the concrete evaluation of the request with ``witness`` as its context.
        explanation: why, in words.
        never_allowed: no context allows the request. True with IMPLICIT_DENY and EXPLICIT_DENY, and
            with an INDETERMINATE whose only unknown is whether the deny is explicit or implicit
            ("denied either way"): who asks "can it ever be allowed?" has a certain answer then.
    """

    decision: Decision
    witness: Mapping[str, ContextValue] | None = None
    result: Result | None = None
    explanation: tuple[str, ...] = ()
    never_allowed: bool = False
