"""Judgment: for each clause of the case, the holdings the parties reach held against what the clause forbids.

A reached holding breaks a clause when its declared content does (ORDER.md): a field outside those the
order allows, medical data, a protected population, another CMS program, for data whose states include
a plaintiff state. What could not be decided upstream (a reach the engine could not settle, a store reach
cannot read yet, a field the order leaves open) makes the clause INDETERMINATE unless a proven violation
already decides it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace

from enjoin.case import Case, Clause, ClauseTest, FieldStatus, Order
from enjoin.config_model import Holding, RecordedDecision
from enjoin.engine import StatementRef
from enjoin.reach import Access, Hop, Reach, Undecided
from enjoin.reach_model import Doubt
from enjoin.snapshot import Construct, PolicySource


class Verdict(enum.Enum):
    """A clause's (or the whole run's) outcome."""

    # Every holding in the clause's scope was proven out of the parties' reach, or harmless to them.
    COMPLIANT = "COMPLIANT"
    # Some party proven to reach a holding whose content the clause forbids: the finding gives the path.
    VIOLATION = "VIOLATION"
    # No violation proven, but something that could be one was not decided (fails the run: fail closed).
    INDETERMINATE = "INDETERMINATE"
    # The clause is not in force on the date judged, or no declared holding falls in its scope.
    NOT_APPLICABLE = "NOT_APPLICABLE"


_RANK = {Verdict.VIOLATION: 3, Verdict.INDETERMINATE: 2, Verdict.COMPLIANT: 1, Verdict.NOT_APPLICABLE: 0}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a clause is not COMPLIANT: who reaches what, how, and what in it the clause forbids."""

    clause: str
    verdict: Verdict  # VIOLATION or INDETERMINATE
    party: str
    principal: str  # the principal that reads (or whose step could not be decided)
    action: str
    resource: str
    holding: str  # the holding's resource pattern as declared
    path: tuple[str, ...]
    message: str
    statements: tuple[StatementRef, ...] = ()
    hops: tuple[Hop, ...] = ()
    paths_found: int = 0
    construct: Construct | None = None  # the unmodeled construct behind an INDETERMINATE, when one is


@dataclass(frozen=True, slots=True)
class ClauseVerdict:
    id: str
    title: str
    order: str
    verdict: Verdict
    findings: tuple[Finding, ...]
    reason: str  # one sentence: why this verdict


@dataclass(frozen=True, slots=True)
class Judgment:
    case: Case
    order: Order | None
    as_of: dt.date
    verdict: Verdict
    clauses: tuple[ClauseVerdict, ...]
    constructs: tuple[Construct, ...] = ()  # what the templates declared and enjoin did not deploy
    # where the SCPs and RCPs judged came from: "organizations", "enjoin.yaml", "" (not recorded)
    organization_source: str = ""
    # where each deployed policy is written in the templates, for a report to name a statement's file and line
    sources: tuple[PolicySource, ...] = ()

    def clause(self, clause_id: str) -> ClauseVerdict:
        self.case.clause(clause_id)  # an unknown id is a CaseError naming the known ones
        return next(c for c in self.clauses if c.id == clause_id)


def _states_in_scope(holding: Holding, case: Case) -> bool:
    return "all" in holding.states or bool(set(holding.states) & set(case.plaintiff_states))


def in_scope(clause: Clause, holding: Holding, case: Case) -> bool:
    """Whether the clause speaks about this holding's data at all (its program, plaintiff states)."""
    return holding.program in clause.programs and _states_in_scope(holding, case)


def _rule(case: Case, qid: str, decisions: Sequence[RecordedDecision]) -> str | None:
    """The answer to the case's rule question ``qid`` (its recorded decision, else its default); None when the
    case asks no such question."""
    if not any(q.id == qid for q in case.questions):
        return None
    return case.answer(qid, decisions)


def populations_held(holding: Holding, case: Case, decisions: Sequence[RecordedDecision] = ()) -> set[str]:
    """The populations whose records the holding is judged to hold (``all`` spelled out; mixed households, unless
    a recorded decision on ``mixed_households`` allows them)."""
    pops = set(case.vocabulary.populations) if "all" in holding.populations else set(holding.populations)
    if "household" in holding.fields and _rule(case, "mixed_households", decisions) != "allowed":
        # ORDER.md: a record carrying household members' data holds those members' populations, which
        # are not known: judged as `unknown`, a protected population.
        pops.add("unknown")
    return pops


def breach(
    clause: Clause, holding: Holding, case: Case, decisions: Sequence[RecordedDecision]
) -> tuple[Verdict, str] | None:
    """What in the holding's declared content the clause forbids: (VIOLATION|INDETERMINATE, why) or None."""
    if not in_scope(clause, holding, case):
        return None
    test = clause.test
    if test is ClauseTest.NO_SHARING:
        return (
            Verdict.VIOLATION,
            f"it holds {holding.program} data of plaintiff states, none of which may be shared",
        )
    if test is ClauseTest.FIELDS:
        status = {f: case.field_status(f, decisions, clause_id=clause.id) for f in holding.fields}
        forbidden = sorted(f for f, s in status.items() if s is FieldStatus.FORBIDDEN)
        if forbidden:
            return (
                Verdict.VIOLATION,
                f"it carries {', '.join(forbidden)}, outside the fields the order allows",
            )
        undecided = sorted(f for f, s in status.items() if s is FieldStatus.UNDECIDED)
        if undecided:
            return Verdict.INDETERMINATE, (
                f"it carries {', '.join(undecided)}, which the order leaves undecided; record the agency's "
                f"answer under `decisions:` in enjoin.yaml (share: allowed|forbidden, with its basis)"
            )
        return None
    if test is ClauseTest.MEDICAL:
        fields_medical = set(clause.fields_medical)
        if _rule(case, "eligibility_reveals_health", decisions) == "not_medical":
            fields_medical.discard("eligibility")  # the decision says eligibility codes reveal no health status
        medical = sorted(set(holding.fields) & fields_medical)
        if medical:
            return Verdict.VIOLATION, f"it carries {', '.join(medical)}, medical or health information"
        return None
    if test is ClauseTest.POPULATIONS:
        protected = sorted(populations_held(holding, case, decisions) - set(clause.populations_allowed))
        if protected:
            return Verdict.VIOLATION, f"it holds records of {', '.join(protected)} (protected populations)"
        return None
    if test is ClauseTest.PROGRAMS:
        return Verdict.VIOLATION, f"it holds {holding.program} data, another CMS program"
    return Verdict.INDETERMINATE, f"enjoin does not know how to judge the clause test {test}"


def _describe(access: Access) -> str:
    steps: list[str] = []
    for hop in access.hops:
        by = ", ".join(str(s) for s in hop.statements) or "no statement needed"
        needs = f"; with context {dict(hop.context)}" if hop.context else ""
        note = f"; {hop.note}" if hop.note else ""
        steps.append(f"{hop.principal} {hop.action} {hop.resource} (allowed by {by}{needs}{note})")
    return "; then ".join(steps)


def _violation(clause: Clause, access: Access, verdict: Verdict, why: str) -> Finding:
    read = access.read
    return Finding(
        clause=clause.id,
        verdict=verdict,
        party=access.party,
        principal=read.principal,
        action=read.action,
        resource=read.resource,
        holding=access.holding.resource,
        path=access.path,
        message=(
            f"{clause.id}: {access.party} reaches {access.holding.resource} from {access.start}: "
            f"{_describe(access)}. The holding breaks {clause.id} because {why}. "
            f"{access.paths_found} path(s) found; this is a shortest."
        ),
        statements=tuple(s for h in access.hops for s in h.statements),
        hops=access.hops,
        paths_found=access.paths_found,
    )


def _undecided(clause: Clause, item: Undecided, holding: Holding, why: str) -> Finding:
    path = (*(x for h in item.via for x in (h.principal, h.action)), item.principal, item.action)
    return Finding(
        clause=clause.id,
        verdict=Verdict.INDETERMINATE,
        party=item.party,
        principal=item.principal,
        action=item.action,
        resource=item.resource,
        holding=holding.resource,
        path=path,
        message=(
            f"{clause.id}: could not decide whether {item.party} reaches {holding.resource}: "
            f"{item.principal} {item.action} {item.resource}: {'; '.join(item.reasons)}. "
            f"If reached, it would break {clause.id} because {why}."
        ),
        hops=item.via,
    )


def _doubt(clause: Clause, doubt: Doubt, why: str) -> Finding:
    c = doubt.construct
    what = f"{c.type}{'.' + c.prop if c.prop else ''}"
    return Finding(
        clause=clause.id,
        verdict=Verdict.INDETERMINATE,
        party="*",
        principal="*",
        action="*",
        resource=c.where,
        holding=doubt.holding.resource,
        path=(),
        message=(
            f"{clause.id}: {c.where} ({what}) could not be read: {c.reason}. It can affect "
            f"{doubt.holding.resource} because {doubt.how}. If a party reaches the holding through it, that "
            f"would break {clause.id} because {why}."
            if c.klass == "gap"
            else f"{clause.id}: {c.where} ({what}) is not modeled by enjoin: {c.reason}. It can affect "
            f"{doubt.holding.resource} because {doubt.how}. If a party reaches the holding through it, that "
            f"would break {clause.id} because {why}."
        ),
        construct=c,
    )


def judge_clause(
    clause: Clause,
    case: Case,
    holdings: Sequence[Holding],
    reach: Reach,
    decisions: Sequence[RecordedDecision],
) -> ClauseVerdict:
    """The verdict of one clause in force."""
    title = clause.title
    scoped = [h for h in holdings if in_scope(clause, h, case)]
    if not scoped:
        return ClauseVerdict(
            clause.id,
            title,
            clause.order,
            Verdict.NOT_APPLICABLE,
            (),
            "no declared holding falls within the clause's scope",
        )
    findings: list[Finding] = []
    for access in reach.accesses:
        # A grant of some columns reaches only their fields: judge what is reached.
        reached = access.holding if access.fields is None else replace(access.holding, fields=access.fields)
        found = breach(clause, reached, case, decisions)
        if found is not None:
            findings.append(_violation(clause, access, *found))
    for item in reach.undecided:
        for holding in [item.holding] if item.holding is not None else holdings:
            found = breach(clause, holding, case, decisions)
            if found is not None:
                findings.append(_undecided(clause, item, holding, found[1]))
    for doubt in reach.doubts:
        found = breach(clause, doubt.holding, case, decisions)
        if found is not None:
            findings.append(_doubt(clause, doubt, found[1]))
    for holding in reach.holdings_without_store:
        found = breach(clause, holding, case, decisions)
        if found is not None:
            findings.append(
                Finding(
                    clause.id,
                    Verdict.INDETERMINATE,
                    "*",
                    "*",
                    "*",
                    holding.resource,
                    holding.resource,
                    (),
                    f"{clause.id}: enjoin cannot yet decide reach to {holding.resource} "
                    f"(reach reads S3 objects and Glue tables only); if reached, it would break {clause.id} "
                    f"because {found[1]}.",
                )
            )
    seen: dict[tuple[str, ...], Finding] = {}
    for finding in findings:
        key = (
            finding.verdict.value,
            finding.party,
            finding.principal,
            finding.action,
            finding.resource,
            finding.holding,
        )
        seen.setdefault(key, finding)
    unique = tuple(seen.values())
    if any(f.verdict is Verdict.VIOLATION for f in unique):
        verdict, reason = Verdict.VIOLATION, "a party reaches a holding whose content the clause forbids"
    elif unique:
        verdict, reason = Verdict.INDETERMINATE, "something that could break the clause was not decided"
    else:
        verdict = Verdict.COMPLIANT
        reason = f"no party reaches forbidden content in the {len(scoped)} holding(s) within the clause's scope"
    return ClauseVerdict(clause.id, title, clause.order, verdict, unique, reason)


def judge(
    case: Case,
    holdings: Sequence[Holding],
    reach: Reach,
    decisions: Sequence[RecordedDecision],
    as_of: dt.date,
) -> Judgment:
    """Every clause of the case on ``as_of``: the order in force judged, the others NOT_APPLICABLE."""
    order = case.in_force(as_of)
    verdicts: list[ClauseVerdict] = []
    for clause in sorted(case.clauses, key=lambda c: c.id):
        if order is None or clause.id not in order.clause_ids:
            in_force = f"the order in force is {order.id}" if order else "no order of the case is in force"
            verdicts.append(
                ClauseVerdict(
                    clause.id,
                    clause.title,
                    clause.order,
                    Verdict.NOT_APPLICABLE,
                    (),
                    f"not in force on {as_of.isoformat()} ({in_force})",
                )
            )
        else:
            verdicts.append(judge_clause(clause, case, holdings, reach, decisions))
    overall = max((v.verdict for v in verdicts), key=_RANK.__getitem__, default=Verdict.NOT_APPLICABLE)
    return Judgment(case, order, as_of, overall, tuple(verdicts), reach.constructs)
