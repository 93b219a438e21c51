"""One row of an order's list judged: a field, a population, a program or a state, under a clause or an order.

The feature files' ``Examples:`` tables are the order's own lists (the six fields it allows, the people it
protects, the other CMS programs, the plaintiff states), so that each row is a test with its own result. A row's
verdict is the clause's verdict on the deployment narrowed to the row's value: the declared holdings and everything
the parties reach, each narrowed to that value, then judged by :func:`enjoin.judgment.judge_clause` itself. A row
therefore never disagrees with its clause: a VIOLATION of the clause is a VIOLATION of every row whose value the
reached data carries, and what the clause could not decide leaves those rows INDETERMINATE.

Narrowing a holding to a row's value (a holding that does not carry the value drops out):

- a field: the holding carries it (what a grant of some columns reaches: those columns' fields); for a clause
  about fields (FIELDS, MEDICAL) only that field is judged, for any other clause the record as reached;
- a population: the holding holds its records (``all`` spelled out, and a record carrying household members'
  data holds ``unknown`` people: :func:`enjoin.judgment.populations_held`); only those records are judged;
- a program: the holding is that program's data;
- a state: the holding carries data of that state (``all`` included); only that state's data is judged.

A row whose value no declared holding carries is NOT_APPLICABLE, "not held": the row is true of the deployment as
declared, and nothing in it was put to the test. So is a row held only outside the clause's scope (a Texas-only
store), a row of a clause not in force on the date judged, and a row an open question's recorded decision takes
out (DACA recipients whose records a decision lets reach the recipient).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace

from enjoin.case import STATE_CODES, Case, Clause, ClauseTest
from enjoin.config_model import Holding, RecordedDecision
from enjoin.errors import CaseError
from enjoin.judgment import ClauseVerdict, Finding, Judgment, Verdict, judge_clause, populations_held
from enjoin.reach import Access, Reach

# Worst first: the verdict of a row judged under several clauses is the worst of theirs.
_WORST = (Verdict.VIOLATION, Verdict.INDETERMINATE, Verdict.COMPLIANT, Verdict.NOT_APPLICABLE)


class Kind(enum.Enum):
    """What an Examples row names."""

    FIELD = "field"  # a field of the case's vocabulary (ssn, address...)
    POPULATION = "population"  # a population of the vocabulary (citizen, unknown...)
    PROGRAM = "program"  # a program of the vocabulary (medicaid, chip...)
    STATE = "state"  # a two-letter state, DC or territory code


@dataclass(frozen=True, slots=True)
class Answer:
    """An open question of the case as this run answers it: the recorded decision's, else the default."""

    question: str
    subject: str  # "field", "population" or "rule"
    default: str
    answer: str
    basis: str | None  # the recorded decision's legal basis; None when the default answers

    def describe(self) -> str:
        if self.basis is None:
            return f"open question {self.question}: {self.answer} (the case's default; no decision recorded)"
        return f"open question {self.question}: {self.answer} (recorded decision; basis: {self.basis})"


@dataclass(frozen=True, slots=True)
class RowVerdict:
    """The verdict of one Examples row: its value, the clauses it was judged under, and why."""

    kind: Kind
    value: str
    clauses: tuple[str, ...]  # the clauses judged (those in force), or the one named
    as_of: dt.date
    verdict: Verdict
    findings: tuple[Finding, ...]
    reason: str  # one sentence: why this verdict

    @property
    def holdings(self) -> tuple[str, ...]:
        """The holdings the findings are about, in the order first found."""
        return tuple(dict.fromkeys(f.holding for f in self.findings))

    def describe(self) -> str:
        """The row's verdict for a person: the holdings, and each finding with its (shortest) path."""
        head = (f"the {self.kind.value} {self.value} under {', '.join(self.clauses) or 'no clause'} on "
                f"{self.as_of.isoformat()}: {self.verdict.value}: {self.reason}")
        if not self.findings:
            return head
        lines = [head, f"  holdings: {', '.join(self.holdings)}"]
        for f in self.findings:
            path = " -> ".join(f.path) if f.path else "(no path: the holding itself could not be read)"
            lines += [f"  - {f.verdict.value}: {f.party} reaches {f.holding}; shortest path: {path}",
                      f"    {f.message}"]
        return "\n".join(lines)


def answer_of(case: Case, question: str, decisions: Sequence[RecordedDecision]) -> Answer:
    """How this run answers an open question.

    Raises:
        CaseError: for a question the case does not have, or a recorded answer that is not an option.
    """
    asked = case.question(question)
    basis = next((d.basis for d in decisions if d.question == question), None)
    return Answer(question, asked.subject, asked.default, case.answer(question, decisions), basis)


def status_in_case(case: Case, order_id: str, kind: Kind, value: str) -> str:
    """What the case file alone (no decision applied) says of a value under an order.

    A field is ``allowed``, ``forbidden`` or ``undecided``; a population ``allowed`` or ``protected``; a program
    ``forbidden`` (none of its data may reach the recipient), ``limited`` (its data may, within the other clauses)
    or ``not covered``; a state ``a plaintiff`` or ``not a plaintiff``. Anything the order does not speak of is
    ``not limited``.

    Raises:
        CaseError: for an unknown order, or a value outside the case's vocabulary.
    """
    _check_value(case, kind, value)
    order = next((o for o in case.orders if o.id == order_id), None)
    if order is None:
        known = ", ".join(o.id for o in case.orders)
        raise CaseError(f"case {case.name}", f"an order of the case, one of: {known}", repr(order_id))
    clauses = [case.clause(c) for c in order.clause_ids]
    tests = {c.test for c in clauses}
    if kind is Kind.STATE:
        return "a plaintiff" if value in case.plaintiff_states else "not a plaintiff"
    if kind is Kind.PROGRAM:
        if any(value in c.programs for c in clauses if c.test in (ClauseTest.NO_SHARING, ClauseTest.PROGRAMS)):
            return "forbidden"
        return "limited" if any(value in c.programs for c in clauses) else "not covered"
    if ClauseTest.NO_SHARING in tests:
        return "forbidden" if kind is Kind.FIELD else "protected"
    if kind is Kind.FIELD:
        fields = next((c for c in clauses if c.test is ClauseTest.FIELDS), None)
        if fields is not None:
            return case.field_status(value, (), clause_id=fields.id).value.lower()
        medical = any(value in c.fields_medical for c in clauses if c.test is ClauseTest.MEDICAL)
        return "forbidden" if medical else "not limited"
    populations = next((c for c in clauses if c.test is ClauseTest.POPULATIONS), None)
    if populations is None:
        return "not limited"
    return "allowed" if value in populations.populations_allowed else "protected"


def judge_row(
    judgment: Judgment,
    holdings: Sequence[Holding],
    reach: Reach,
    decisions: Sequence[RecordedDecision],
    kind: Kind,
    value: str,
    *,
    clause_id: str | None = None,
    order_id: str | None = None,
    answer: Answer | None = None,
) -> RowVerdict:
    """Judge one row: the deployment narrowed to ``value``, under one clause or every clause of one order.

    Args:
        judgment: the deployment's judgment on the date asked about (which order is in force).
        holdings: the declared holdings (``Config.holdings``).
        reach: what the parties reach (``PipelineResult.reach``).
        decisions: the recorded decisions (``Config.decisions``).
        kind: what the row names.
        value: the row's value.
        clause_id: the clause to judge under; or
        order_id: the order whose clauses to judge under.
        answer: the open question the row depends on: a population or rule question answered otherwise than by
            its default takes the row out (a field question needs no such step: the judgment applies it).

    Raises:
        CaseError: for an unknown clause, order or question, or a value outside the case's vocabulary.
    """
    case = judgment.case
    _check_value(case, kind, value)
    if (clause_id is None) == (order_id is None):
        raise CaseError("an Examples row", "a clause id or an order id to judge it under", "both or neither")
    if clause_id is not None:
        clauses = [case.clause(clause_id)]
    else:
        order = next((o for o in case.orders if o.id == order_id), None)
        if order is None:
            known = ", ".join(o.id for o in case.orders)
            raise CaseError(f"case {case.name}", f"an order of the case, one of: {known}", repr(order_id))
        if judgment.order is None or judgment.order.id != order.id:
            binding = judgment.order.id if judgment.order else "none of the case's orders"
            return RowVerdict(kind, value, order.clause_ids, judgment.as_of, Verdict.NOT_APPLICABLE, (),
                              f"{order.id} is not in force on {judgment.as_of.isoformat()} (in force: {binding})")
        clauses = [case.clause(c) for c in order.clause_ids]
    ids = tuple(c.id for c in clauses)
    in_force = [c for c in clauses if judgment.order is not None and c.id in judgment.order.clause_ids]
    if not in_force:
        verdict = judgment.clause(clauses[0].id)
        return RowVerdict(kind, value, ids, judgment.as_of, Verdict.NOT_APPLICABLE, (),
                          f"{verdict.id} is NOT_APPLICABLE: {verdict.reason}")
    if answer is not None and answer.subject != "field" and answer.answer != answer.default:
        return RowVerdict(kind, value, ids, judgment.as_of, Verdict.NOT_APPLICABLE, (),
                          f"the {describe_value(kind, value)} is taken out of this row by the {answer.describe()}")
    carrying = [h for h in holdings if _narrow(case, h, h.fields, kind, value, None) is not None]
    if not carrying:
        return RowVerdict(kind, value, ids, judgment.as_of, Verdict.NOT_APPLICABLE, (),
                          f"not held: no holding the configuration declares carries the {describe_value(kind, value)}")
    verdicts = [_judge_under(clause, case, holdings, reach, decisions, kind, value) for clause in in_force]
    worst = min(verdicts, key=lambda v: _WORST.index(v.verdict))
    findings = tuple(f for v in verdicts for f in v.findings)
    if worst.verdict is Verdict.NOT_APPLICABLE:
        resources = ", ".join(h.resource for h in carrying)
        reason = (f"held only outside the scope of {', '.join(c.id for c in in_force)}: {resources} carry it, "
                  f"and {_scope(in_force)}")
    elif worst.verdict is Verdict.COMPLIANT:
        reason = f"no party reaches it where the order forbids ({len(carrying)} holding(s) carry it)"
    else:
        reason = worst.reason
    return RowVerdict(kind, value, tuple(c.id for c in in_force), judgment.as_of, worst.verdict, findings, reason)


def describe_value(kind: Kind, value: str) -> str:
    """``field ssn``, ``population citizen``..."""
    return f"{kind.value} {value}"


def _check_value(case: Case, kind: Kind, value: str) -> None:
    known = {
        Kind.FIELD: case.vocabulary.fields,
        Kind.POPULATION: case.vocabulary.populations,
        Kind.PROGRAM: case.vocabulary.programs,
        Kind.STATE: STATE_CODES,
    }[kind]
    if value not in known:
        raise CaseError(f"case {case.name}: {kind.value}", f"a {kind.value} of the case, one of: {', '.join(known)}",
                        repr(value))


def _scope(clauses: Sequence[Clause]) -> str:
    programs = sorted({p for c in clauses for p in c.programs})
    verb = "clauses cover" if len(clauses) > 1 else "clause covers"
    return f"the {verb} {', '.join(programs)} data of plaintiff states only"


def _narrow(
    case: Case, holding: Holding, fields: tuple[str, ...], kind: Kind, value: str, test: ClauseTest | None
) -> Holding | None:
    """The holding, with ``fields`` reached of it, narrowed to the row's value; None when it does not carry it."""
    if kind is Kind.FIELD:
        if value not in fields:
            return None
        return replace(holding, fields=(value,) if test in (ClauseTest.FIELDS, ClauseTest.MEDICAL) else fields)
    if kind is Kind.PROGRAM:
        return replace(holding, fields=fields) if holding.program == value else None
    if kind is Kind.STATE:
        if value not in holding.states and "all" not in holding.states:
            return None
        return replace(holding, fields=fields, states=(value,))
    # a population: only its records are judged (household members' data is what makes a record hold `unknown`)
    from_holding = replace(holding, fields=fields)
    if value not in populations_held(from_holding, case):
        return None
    kept = fields if value == "unknown" or test is not ClauseTest.POPULATIONS else tuple(
        f for f in fields if f != "household")
    return replace(holding, fields=kept, populations=(value,))


def _judge_under(
    clause: Clause,
    case: Case,
    holdings: Sequence[Holding],
    reach: Reach,
    decisions: Sequence[RecordedDecision],
    kind: Kind,
    value: str,
) -> ClauseVerdict:
    """The clause's verdict on the deployment narrowed to the row's value."""
    test = clause.test
    narrowed_holdings = [n for h in holdings if (n := _narrow(case, h, h.fields, kind, value, test)) is not None]
    accesses: list[Access] = []
    for access in reach.accesses:
        reached = access.fields if access.fields is not None else access.holding.fields
        narrowed = _narrow(case, access.holding, reached, kind, value, test)
        if narrowed is not None:
            accesses.append(replace(access, holding=narrowed, fields=narrowed.fields))
    undecided = []
    for item in reach.undecided:
        if item.holding is None:
            undecided.append(item)
        elif (held := _narrow(case, item.holding, item.holding.fields, kind, value, test)) is not None:
            undecided.append(replace(item, holding=held))
    doubts = [replace(d, holding=held) for d in reach.doubts
              if (held := _narrow(case, d.holding, d.holding.fields, kind, value, test)) is not None]
    without_store = tuple(held for h in reach.holdings_without_store
                          if (held := _narrow(case, h, h.fields, kind, value, test)) is not None)
    narrowed_reach = replace(reach, accesses=tuple(accesses), undecided=tuple(undecided), doubts=tuple(doubts),
                             holdings_without_store=without_store)
    return judge_clause(clause, case, narrowed_holdings, narrowed_reach, decisions)
