"""Reach's values: hops, the accesses a party has to holdings, and what could not be decided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from enjoin.config_model import Holding
from enjoin.engine import ContextValue, Request, StatementRef
from enjoin.snapshot import Construct

ASSUME_ACTION = "sts:AssumeRole"
READ_ACTION = "s3:GetObject"
DECRYPT_ACTION = "kms:Decrypt"
# The actions that read a holding's data, by the kind of store.
# Actions after which the party acts as their resource (a user whose credentials it now has).
BECOME_ACTIONS = frozenset({"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"})
READ_ACTIONS = frozenset({READ_ACTION, "lakeformation:GetDataAccess"})


@dataclass(frozen=True, slots=True)
class Hop:
    """One step a path takes: ``principal`` performs ``action`` on ``resource``."""

    principal: str
    action: str
    resource: str
    statements: tuple[StatementRef, ...]  # the Allow statements the engine found granting it
    context: Mapping[str, ContextValue]  # the witness context under which it is allowed
    note: str = ""  # what the step means, where the action alone does not say (a replica, a grant...)
    # The concrete request this hop stands for, its context the witness: decide(request) re-checks it.
    request: Request | None = field(default=None, compare=False, repr=False)


# How a holding is read: the hops of the read, and the fields reached (None: all of the holding's).
Found = tuple[tuple[Hop, ...], tuple[str, ...] | None]


@dataclass(frozen=True, slots=True)
class Access:
    """A party reaches a holding: a shortest path found, and how many paths reach it.

    ``fields`` is what of the holding is reached when that is less than all of it (a Lake Formation
    grant of some columns); None: every field the holding declares.
    """

    party: str
    holding: Holding
    start: str  # the party's principal (or identity provider) the path starts from
    hops: tuple[Hop, ...]
    paths_found: int
    fields: tuple[str, ...] | None = None

    @property
    def read(self) -> Hop:
        """The step that reads the data."""
        return next(h for h in reversed(self.hops) if h.action in READ_ACTIONS)

    @property
    def principal(self) -> str:
        return self.read.principal

    @property
    def path(self) -> tuple[str, ...]:
        """Principals and the actions that lead from one to the next, ending with the read action."""
        out: list[str] = [self.start]
        acting = self.start  # who the party acts as: an assumed role from the assumption on
        for hop in self.hops:
            if hop.principal != acting:
                out.append(hop.principal)
                acting = hop.principal
            if hop.action in READ_ACTIONS:
                out.append(hop.action)
                break
            out += [hop.action, hop.resource]
            if hop.action.startswith("sts:AssumeRole") or hop.action in BECOME_ACTIONS:
                acting = hop.resource
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Undecided:
    """A step whose outcome could not be decided: the holding may or may not be reached."""

    party: str
    holding: Holding | None  # None: a step between principals, which puts every holding in doubt
    principal: str
    action: str
    resource: str
    reasons: tuple[str, ...]
    via: tuple[Hop, ...] = ()  # the decided hops that led to the principal


@dataclass(frozen=True, slots=True)
class Doubt:
    """An unmodeled construct of the templates that can affect a holding (:mod:`enjoin.reach_constructs`)."""

    construct: Construct
    holding: Holding
    how: str  # how the construct bears on the holding, for the finding's message


@dataclass(frozen=True, slots=True)
class Reach:
    """Everything the parties reach."""

    accesses: tuple[Access, ...]
    undecided: tuple[Undecided, ...]
    holdings_without_store: tuple[Holding, ...] = ()  # holdings of a kind reach cannot read yet
    doubts: tuple[Doubt, ...] = ()  # holdings that unmodeled constructs can affect
    constructs: tuple[Construct, ...] = ()  # every construct the templates declared and enjoin did not deploy


def holdings_read(
    accesses: Sequence[Access], undecided: Sequence[Undecided], holdings: Sequence[Holding]
) -> list[Holding]:
    """The holdings a reach found read, or undecided (an undecided read of no holding in particular may be any of
    ``holdings``), each once, in the order first found."""
    reached: dict[int, Holding] = {id(a.holding): a.holding for a in accesses}
    for item in undecided:
        for holding in [item.holding] if item.holding is not None else holdings:
            reached.setdefault(id(holding), holding)
    return list(reached.values())
