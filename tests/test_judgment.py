"""Judgment: a reached holding's declared content held against each clause of the order in force."""

from __future__ import annotations

import datetime as dt

import pytest

from enjoin.case import load_case
from enjoin.config_model import Holding, RecordedDecision
from enjoin.engine import StatementRef
from enjoin.judgment import Verdict, judge
from enjoin.reach import Access, Hop, Reach, Undecided

CASE = load_case("ca-v-hhs")
DKT148_DAY = dt.date(2026, 2, 1)
DKT98_DAY = dt.date(2025, 9, 1)
SIX = ("citizenship_status", "immigration_status", "address", "phone", "date_of_birth", "medicaid_id")
READER = "arn:aws:iam::111111111111:role/DhsDisclosureReader"
START = "arn:aws:iam::222222222222:role/IceAnalyst"


def holding(fields: tuple[str, ...] = SIX, populations: tuple[str, ...] = ("unlawfully_present",),
            program: str = "medicaid", states: tuple[str, ...] = ("all",)) -> Holding:
    return Holding("arn:aws:s3:::extract/*", program, states, populations, fields)


def reached(h: Holding) -> Reach:
    stmt = StatementRef("inline policy Read of " + READER, 0, "ReadExtract", "Allow")
    hops = (Hop(START, "sts:AssumeRole", READER, (StatementRef("trust policy of " + READER, 0, "Dhs", "Allow"),),
                {"sts:ExternalId": "x"}),
            Hop(READER, "s3:GetObject", "arn:aws:s3:::extract/enjoin-probe", (stmt,), {}))
    return Reach((Access("DHS", h, START, hops, 2),), ())


def verdicts(h: Holding, day: dt.date = DKT148_DAY, decisions: tuple[RecordedDecision, ...] = ()
             ) -> dict[str, Verdict]:
    judgment = judge(CASE, [h], reached(h), decisions, day)
    return {c.id: c.verdict for c in judgment.clauses}


def test_the_six_fields_of_unlawfully_present_people_are_compliant_under_dkt148() -> None:
    assert verdicts(holding(program="medicaid")) == {
        "DKT98-NO-SHARING": Verdict.NOT_APPLICABLE,
        "DKT148-FIELDS": Verdict.COMPLIANT,
        "DKT148-MEDICAL": Verdict.COMPLIANT,
        "DKT148-POPULATIONS": Verdict.COMPLIANT,
        # no holding of another program is declared: nothing in the clause's scope
        "DKT148-PROGRAMS": Verdict.NOT_APPLICABLE,
    }


def test_the_same_reach_breaks_dkt98_while_it_binds() -> None:
    assert verdicts(holding(), DKT98_DAY) == {
        "DKT98-NO-SHARING": Verdict.VIOLATION,
        "DKT148-FIELDS": Verdict.NOT_APPLICABLE,
        "DKT148-MEDICAL": Verdict.NOT_APPLICABLE,
        "DKT148-POPULATIONS": Verdict.NOT_APPLICABLE,
        "DKT148-PROGRAMS": Verdict.NOT_APPLICABLE,
    }


def test_before_the_first_order_nothing_applies() -> None:
    assert set(verdicts(holding(), dt.date(2025, 8, 11)).values()) == {Verdict.NOT_APPLICABLE}


def test_name_is_indeterminate_until_a_decision_settles_it() -> None:
    h = holding(fields=(*SIX, "name"))
    assert verdicts(h)["DKT148-FIELDS"] is Verdict.INDETERMINATE
    allowed = RecordedDecision("name", "allowed", "Counsel memo 2026-01-07")
    forbidden = RecordedDecision("name", "forbidden", "Counsel memo 2026-01-08")
    assert verdicts(h, decisions=(allowed,))["DKT148-FIELDS"] is Verdict.COMPLIANT
    assert verdicts(h, decisions=(forbidden,))["DKT148-FIELDS"] is Verdict.VIOLATION


def test_a_forbidden_field_outranks_an_undecided_one() -> None:
    judgment = judge(CASE, [h := holding(fields=(*SIX, "name", "ssn"))], reached(h), (), DKT148_DAY)
    clause = judgment.clause("DKT148-FIELDS")
    assert clause.verdict is Verdict.VIOLATION
    assert [f.verdict for f in clause.findings] == [Verdict.VIOLATION]
    finding = clause.findings[0]
    assert finding.path == (START, "sts:AssumeRole", READER, "s3:GetObject")
    assert "ssn" in finding.message and "ReadExtract" in finding.message and "DKT148-FIELDS" in finding.message
    assert judgment.verdict is Verdict.VIOLATION


@pytest.mark.parametrize(("fields", "expected"), [
    ((*SIX, "medical"), {"DKT148-FIELDS", "DKT148-MEDICAL"}),
    ((*SIX, "eligibility"), {"DKT148-FIELDS", "DKT148-MEDICAL"}),
    ((*SIX, "household"), {"DKT148-FIELDS", "DKT148-POPULATIONS"}),
    ((*SIX, "sex"), {"DKT148-FIELDS"}),
])
def test_which_clauses_a_field_breaks(fields: tuple[str, ...], expected: set[str]) -> None:
    got = verdicts(holding(fields=fields))
    assert {c for c, v in got.items() if v is Verdict.VIOLATION} == expected


@pytest.mark.parametrize(("populations", "expected"), [
    (("unlawfully_present",), Verdict.COMPLIANT),
    (("unknown",), Verdict.VIOLATION),
    (("citizen",), Verdict.VIOLATION),
    (("lawfully_present", "unlawfully_present"), Verdict.VIOLATION),
    (("all",), Verdict.VIOLATION),
])
def test_only_unlawfully_present_people_may_be_reached(populations: tuple[str, ...], expected: Verdict) -> None:
    assert verdicts(holding(populations=populations))["DKT148-POPULATIONS"] is expected


def test_another_program_breaks_programs_only_within_its_scope() -> None:
    got = verdicts(holding(program="chip"))
    assert got["DKT148-PROGRAMS"] is Verdict.VIOLATION
    # FIELDS, MEDICAL and POPULATIONS speak of Medicaid data: a CHIP store is outside their scope.
    assert got["DKT148-FIELDS"] is Verdict.NOT_APPLICABLE


def test_data_of_non_plaintiff_states_only_is_outside_every_clause() -> None:
    got = verdicts(holding(fields=(*SIX, "ssn"), states=("TX", "FL")))
    assert set(got.values()) == {Verdict.NOT_APPLICABLE}
    assert verdicts(holding(fields=(*SIX, "ssn"), states=("TX", "CA")))["DKT148-FIELDS"] is Verdict.VIOLATION


def test_undecided_reach_is_indeterminate_only_where_the_content_would_break_the_clause() -> None:
    h = holding(fields=(*SIX, "ssn"))
    reach = Reach((), (Undecided("DHS", h, READER, "s3:GetObject", h.resource, ("unknown operator Foo",)),))
    judgment = judge(CASE, [h], reach, (), DKT148_DAY)
    got = {c.id: c.verdict for c in judgment.clauses}
    assert got["DKT148-FIELDS"] is Verdict.INDETERMINATE
    assert got["DKT148-MEDICAL"] is Verdict.COMPLIANT
    assert "unknown operator Foo" in judgment.clause("DKT148-FIELDS").findings[0].message
    assert judgment.verdict is Verdict.INDETERMINATE


def test_nothing_reached_is_compliant() -> None:
    h = holding(fields=(*SIX, "ssn", "medical"), populations=("all",))
    judgment = judge(CASE, [h], Reach((), ()), (), DKT148_DAY)
    assert {c.id: c.verdict for c in judgment.clauses}["DKT148-FIELDS"] is Verdict.COMPLIANT
    assert judgment.verdict is Verdict.COMPLIANT


def _decided(question: str, share: str) -> tuple[RecordedDecision, ...]:
    return (RecordedDecision(question, share, "Counsel memo 2026-02-01"),)


def test_a_decision_on_mixed_households_settles_whether_household_data_holds_protected_people() -> None:
    with_household = holding(fields=(*SIX, "household"))
    assert verdicts(with_household)["DKT148-POPULATIONS"] is Verdict.VIOLATION
    assert verdicts(with_household, decisions=_decided("mixed_households", "allowed"))[
        "DKT148-POPULATIONS"] is Verdict.COMPLIANT
    # The decision is about household members only: a holding of citizens' records still breaks the clause.
    citizens = holding(fields=(*SIX, "household"), populations=("citizen",))
    assert verdicts(citizens, decisions=_decided("mixed_households", "allowed"))[
        "DKT148-POPULATIONS"] is Verdict.VIOLATION


def test_a_decision_that_eligibility_is_not_medical_takes_it_out_of_the_medical_clause_only() -> None:
    eligibility = holding(fields=(*SIX, "eligibility"))
    got = verdicts(eligibility, decisions=_decided("eligibility_reveals_health", "not_medical"))
    assert got["DKT148-MEDICAL"] is Verdict.COMPLIANT
    assert got["DKT148-FIELDS"] is Verdict.VIOLATION  # not among the six fields, whatever it reveals
    medical = holding(fields=(*SIX, "medical"))
    assert verdicts(medical, decisions=_decided("eligibility_reveals_health", "not_medical"))[
        "DKT148-MEDICAL"] is Verdict.VIOLATION
