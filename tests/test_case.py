"""enjoin.case: the shipped ca-v-hhs case, its questions of the law, and case-file validation.

The bad case files are under tests/data/config/cases/: each is minimal.yaml with one change, and
each test asserts the whole message (file, line, key path, expected, found).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from enjoin.case import (
    Citation,
    ClauseTest,
    FieldStatus,
    Order,
    Vocabulary,
    load_case,
    shipped_case_path,
    shipped_cases,
)
from enjoin.config_model import RecordedDecision
from enjoin.errors import CaseError

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "data" / "config" / "cases"
SHOWN = "tests/data/config/cases"
PDF_148 = (
    "https://storage.courtlistener.com/recap/gov.uscourts.cand.452203/gov.uscourts.cand.452203.148.0.pdf"
)
PDF_98 = "https://storage.courtlistener.com/recap/gov.uscourts.cand.452203/gov.uscourts.cand.452203.98.0.pdf"
UNKNOWN_PINPOINT = "not verified: pinpoint unknown"
SIX = ("citizenship_status", "immigration_status", "address", "phone", "date_of_birth", "medicaid_id")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def decided(question: str, share: str) -> RecordedDecision:
    return RecordedDecision(question, share, "Counsel memo 2026-01-07")


# -- the shipped case -----------------------------------------------------------------------------


def test_shipped_cases() -> None:
    assert shipped_cases() == ("ca-v-hhs",)


def test_ca_v_hhs_identity() -> None:
    case = load_case("ca-v-hhs")
    assert case.name == "ca-v-hhs"
    assert case.title == "State of California et al. v. U.S. Department of Health and Human Services et al."
    assert case.number == "3:25-cv-05536-VC"
    assert case.recipient == "DHS"
    assert case.path == shipped_case_path("ca-v-hhs")
    assert case.path.name == "ca-v-hhs.yaml"


def test_ca_v_hhs_orders_follow_the_timeline() -> None:
    assert load_case("ca-v-hhs").orders == (
        Order(
            id="dkt-98",
            docket="Dkt. 98",
            title="Order granting in part the motion for a preliminary injunction "
            "(extended in December 2025 through 2026-01-05)",
            signed=None,
            start=dt.date(2025, 8, 12),
            end=dt.date(2026, 1, 5),
            clause_ids=("DKT98-NO-SHARING",),
        ),
        Order(
            id="dkt-148",
            docket="Dkt. 148",
            title="Order granting in part and denying in part the renewed motion for a preliminary "
            "injunction",
            signed=dt.date(2025, 12, 29),
            start=dt.date(2026, 1, 6),
            end=None,
            clause_ids=("DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS", "DKT148-PROGRAMS"),
        ),
    )


@pytest.mark.parametrize(
    ("as_of", "order"),
    [
        (dt.date(2025, 8, 11), None),
        (dt.date(2025, 8, 12), "dkt-98"),
        (dt.date(2025, 12, 29), "dkt-98"),  # Dkt. 148 is signed, but binds only from 2026-01-06
        (dt.date(2026, 1, 5), "dkt-98"),
        (dt.date(2026, 1, 6), "dkt-148"),
        (dt.date(2030, 1, 1), "dkt-148"),
    ],
)
def test_in_force_on_boundary_dates(as_of: dt.date, order: str | None) -> None:
    found = load_case("ca-v-hhs").in_force(as_of)
    assert (found.id if found else None) == order


def test_ca_v_hhs_clauses() -> None:
    case = load_case("ca-v-hhs")
    summary = {
        c.id: (c.order, c.test, c.programs, c.fields_allowed, c.fields_medical, c.populations_allowed)
        for c in case.clauses
    }
    assert summary == {
        "DKT98-NO-SHARING": ("dkt-98", ClauseTest.NO_SHARING, ("medicaid",), (), (), ()),
        "DKT148-FIELDS": ("dkt-148", ClauseTest.FIELDS, ("medicaid",), SIX, (), ()),
        "DKT148-MEDICAL": ("dkt-148", ClauseTest.MEDICAL, ("medicaid",), (), ("medical", "eligibility"), ()),
        "DKT148-POPULATIONS": (
            "dkt-148",
            ClauseTest.POPULATIONS,
            ("medicaid",),
            (),
            (),
            ("unlawfully_present",),
        ),
        "DKT148-PROGRAMS": ("dkt-148", ClauseTest.PROGRAMS, ("chip", "medicare", "marketplace"), (), (), ()),
    }


def test_every_clause_has_a_citation_and_none_is_verified_yet() -> None:
    case = load_case("ca-v-hhs")
    assert [c.id for c in case.clauses if not c.citations] == []
    # Only news reports are at hand: no quote has been checked against the PDF.
    assert [(c.id, i) for c in case.clauses for i, cite in enumerate(c.citations) if cite.verified] == []


def test_citations_carry_the_reported_quotes() -> None:
    case = load_case("ca-v-hhs")
    assert case.clause("DKT148-FIELDS").citations == (
        Citation(
            "Dkt. 148",
            UNKNOWN_PINPOINT,
            "citizenship and immigration status, address, phone number, date of birth, and Medicaid ID",
            False,
            PDF_148,
        ),
        Citation(
            "Dkt. 148",
            UNKNOWN_PINPOINT,
            "basic biographical, location, and contact information",
            False,
            PDF_148,
        ),
    )
    assert case.clause("DKT148-MEDICAL").citations == (
        Citation(
            "Dkt. 148",
            UNKNOWN_PINPOINT,
            "totally unclear about what that information would be, why it would be needed for immigration "
            "enforcement purposes, and what the risks of sharing it with DHS would be",
            False,
            PDF_148,
        ),
    )
    assert case.clause("DKT148-PROGRAMS").citations == (
        Citation(
            "Dkt. 148", UNKNOWN_PINPOINT, "data from other CMS administered health programs", False, PDF_148
        ),
    )
    # The other two rest on reports' paraphrases, and say so in the quote itself.
    assert (
        case.clause("DKT148-POPULATIONS")
        .citations[0]
        .quote.endswith("(reported paraphrase, not the order's words)")
    )
    assert (
        case.clause("DKT98-NO-SHARING")
        .citations[0]
        .quote.endswith("(reported summary, not the order's words)")
    )
    assert case.clause("DKT98-NO-SHARING").citations[0].source == PDF_98


def test_plaintiff_states_are_the_21_named() -> None:
    assert load_case("ca-v-hhs").plaintiff_states == (
        "AZ", "CA", "CO", "CT", "DE", "HI", "IL", "ME", "MD", "MA", "MI",
        "MN", "NV", "NJ", "NM", "NY", "OR", "RI", "VT", "WA", "WI",
    )  # fmt: skip


def test_vocabulary() -> None:
    assert load_case("ca-v-hhs").vocabulary == Vocabulary(
        fields=(
            *SIX,
            "name",
            "ssn",
            "race_ethnicity",
            "sex",
            "email",
            "medical",
            "eligibility",
            "household",
            "income",
        ),
        populations=(
            "citizen",
            "lawful_permanent_resident",
            "lawfully_present",
            "unlawfully_present",
            "unknown",
        ),
        programs=("medicaid", "chip", "medicare", "marketplace"),
    )


def test_open_questions_and_their_defaults() -> None:
    questions = {q.id: (q.subject, q.default, q.options) for q in load_case("ca-v-hhs").questions}
    field = ("allowed", "forbidden")
    population = ("protected", "allowed")
    assert questions == {
        "name": ("field", "undecided", field),
        "ssn": ("field", "forbidden", field),
        "race_ethnicity": ("field", "forbidden", field),
        "sex": ("field", "forbidden", field),
        "email": ("field", "forbidden", field),
        "daca": ("population", "protected", population),
        "tps": ("population", "protected", population),
        "parole": ("population", "protected", population),
        "asylum_applicant": ("population", "protected", population),
        "pending_adjustment": ("population", "protected", population),
        # Code 3 covers many lawfully present people: no decision may read it as unlawfully present.
        "emergency_only_code_3": ("population", "protected", ("protected",)),
        "mixed_households": ("rule", "protected", ("protected", "allowed")),
        "eligibility_reveals_health": ("rule", "medical", ("medical", "not_medical")),
    }


# -- questions of the law -------------------------------------------------------------------------


def test_field_status_without_decisions() -> None:
    case = load_case("ca-v-hhs")
    assert {f: case.field_status(f, []) for f in case.vocabulary.fields} == {
        **dict.fromkeys(SIX, FieldStatus.ALLOWED),
        "name": FieldStatus.UNDECIDED,
        **dict.fromkeys(("ssn", "race_ethnicity", "sex", "email"), FieldStatus.FORBIDDEN),
        **dict.fromkeys(("medical", "eligibility", "household", "income"), FieldStatus.FORBIDDEN),
    }


def test_field_status_with_decisions() -> None:
    case = load_case("ca-v-hhs")
    assert case.field_status("name", [decided("name", "allowed")]) is FieldStatus.ALLOWED
    assert case.field_status("name", [decided("name", "forbidden")]) is FieldStatus.FORBIDDEN
    assert case.field_status("ssn", [decided("ssn", "allowed")]) is FieldStatus.ALLOWED
    # A decision settles only its own question.
    assert case.field_status("name", [decided("ssn", "allowed")]) is FieldStatus.UNDECIDED
    assert case.field_status("sex", [decided("name", "allowed")]) is FieldStatus.FORBIDDEN
    # By clause id, the same answers.
    assert (
        case.field_status("name", [decided("name", "allowed")], clause_id="DKT148-FIELDS")
        is FieldStatus.ALLOWED
    )


def test_field_status_errors() -> None:
    case = load_case("ca-v-hhs")
    with pytest.raises(CaseError) as caught:
        case.field_status("names", [])
    assert str(caught.value) == (
        "case ca-v-hhs: field: expected a field of the case, one of: citizenship_status, immigration_status, "
        "address, phone, date_of_birth, medicaid_id, name, ssn, race_ethnicity, sex, email, medical, "
        "eligibility, household, income; found 'names'"
    )
    with pytest.raises(CaseError) as caught:
        case.field_status("name", [decided("name", "maybe")])
    assert (
        str(caught.value)
        == "case ca-v-hhs: decision 'name': expected one of: allowed, forbidden; found 'maybe'"
    )
    with pytest.raises(CaseError) as caught:
        case.field_status("name", [], clause_id="DKT148-MEDICAL")
    assert str(caught.value) == (
        "case ca-v-hhs: clause DKT148-MEDICAL: expected a FIELDS clause; found a MEDICAL clause"
    )


def test_field_status_needs_a_clause_id_when_the_case_has_several_fields_clauses() -> None:
    case = load_case("ca-v-hhs")
    first = case.clause("DKT148-FIELDS")
    twice = dataclasses.replace(case, clauses=(*case.clauses, dataclasses.replace(first, id="LATER-FIELDS")))
    with pytest.raises(CaseError) as caught:
        twice.field_status("name", [])
    assert str(caught.value) == (
        "case ca-v-hhs: expected a clause id naming the FIELDS clause to judge by; "
        "found 2 FIELDS clauses (DKT148-FIELDS, LATER-FIELDS)"
    )
    assert twice.field_status("name", [], clause_id="LATER-FIELDS") is FieldStatus.UNDECIDED


def test_answer_is_the_decision_or_the_default() -> None:
    case = load_case("ca-v-hhs")
    assert case.answer("daca", []) == "protected"
    assert case.answer("daca", [decided("daca", "allowed")]) == "allowed"
    assert case.answer("eligibility_reveals_health", []) == "medical"
    with pytest.raises(CaseError) as caught:
        case.answer("emergency_only_code_3", [decided("emergency_only_code_3", "allowed")])
    assert str(caught.value) == (
        "case ca-v-hhs: decision 'emergency_only_code_3': expected one of: protected; found 'allowed'"
    )


def test_unknown_clause_and_question_list_the_known_ones() -> None:
    case = load_case("ca-v-hhs")
    with pytest.raises(CaseError) as caught:
        case.clause("DKT148-FIELD")
    assert str(caught.value) == (
        "case ca-v-hhs: expected a clause id of the case, one of: DKT98-NO-SHARING, DKT148-FIELDS, "
        "DKT148-MEDICAL, DKT148-POPULATIONS, DKT148-PROGRAMS; found 'DKT148-FIELD'"
    )
    with pytest.raises(CaseError) as caught:
        case.question("dreamers")
    assert str(caught.value) == (
        "case ca-v-hhs: expected an open question of the case, one of: name, ssn, race_ethnicity, sex, "
        "email, daca, tps, parole, asylum_applicant, pending_adjustment, emergency_only_code_3, "
        "mixed_households, eligibility_reveals_health; found 'dreamers'"
    )


# -- loading and validation -----------------------------------------------------------------------


def test_unknown_case_names_the_place_that_asked() -> None:
    with pytest.raises(CaseError) as caught:
        load_case("ca-v-dhs", where="infra/x.yaml:2: case")
    assert str(caught.value) == (
        "infra/x.yaml:2: case: expected a case shipped with enjoin (ca-v-hhs) or the path of a case file; "
        f"found 'ca-v-dhs' (no such case, and no file at {REPO}/ca-v-dhs)"
    )


def test_a_case_file_by_path() -> None:
    case = load_case(f"{SHOWN}/minimal.yaml")
    assert case.name == "minimal"
    assert case.path == CASES / "minimal.yaml"
    assert [(o.id, o.start, o.end) for o in case.orders] == [
        ("first", dt.date(2026, 1, 2), dt.date(2026, 1, 31)),
        ("second", dt.date(2026, 2, 1), None),
    ]
    assert [case.in_force(dt.date(2026, 1, d)) for d in (1, 2)] == [None, case.orders[0]]
    assert case.in_force(dt.date(2026, 2, 1)) == case.orders[1]
    assert case.clause("FIRST-NO-SHARING").citations == (
        Citation("Dkt. 1", "p. 3", "nothing may flow", True, "the PDF"),
    )
    assert {f: case.field_status(f, []) for f in case.vocabulary.fields} == {
        "address": FieldStatus.ALLOWED,
        "name": FieldStatus.UNDECIDED,
        "ssn": FieldStatus.FORBIDDEN,
        "medical": FieldStatus.FORBIDDEN,
    }


def test_loading_again_gives_an_equal_case() -> None:
    assert load_case("ca-v-hhs") == load_case(str(shipped_case_path("ca-v-hhs")))


BAD_CASES = {
    "bad-yaml.yaml": "bad-yaml.yaml:8:11: expected valid YAML; found did not find expected ',' or ']' "
    "(while parsing a flow sequence started at line 7, column 19)",
    "bad-unknown-top-key.yaml": "bad-unknown-top-key.yaml:7: judge: expected one of the keys clauses, court, "
    "name, number, orders, plaintiff_states, questions, recipient, title, vocabulary; "
    "found unknown key 'judge'",
    "bad-unknown-key.yaml": "bad-unknown-key.yaml:38: clauses[1].tset: expected one of the keys citations, "
    "fields_allowed, fields_medical, id, order, populations_allowed, programs, test, title; "
    "found unknown key 'tset' (did you mean 'test'?)",
    "bad-no-citation.yaml": "bad-no-citation.yaml:49: clauses[2].citations: expected a list of at least one "
    "citation; found an empty list",
    "bad-clause-order.yaml": "bad-clause-order.yaml:36: clauses[1].order: expected an order of the case, "
    "one of: first, second; found 'third'",
    "bad-order-clause.yaml": "bad-order-clause.yaml:26: orders[1].clauses[2]: expected a clause of the case, "
    "one of: FIRST-NO-SHARING, SECOND-FIELDS, SECOND-POPULATIONS; found 'SECOND-MEDICAL'",
    "bad-unlisted-clause.yaml": "bad-unlisted-clause.yaml:44: clauses[2].order: expected an order that lists "
    "SECOND-POPULATIONS in its clauses; found second (clauses: SECOND-FIELDS)",
    "bad-overlap.yaml": "bad-overlap.yaml:24: orders[1].start: expected orders whose dates do not overlap "
    "(first runs 2026-01-02 .. 2026-01-31); found second starting 2026-01-31",
    "bad-open-overlap.yaml": "bad-open-overlap.yaml:24: orders[1].start: expected orders whose dates do not "
    "overlap (first runs 2026-01-02 .. open-ended); found second starting 2026-02-01",
    "bad-end-before-start.yaml": "bad-end-before-start.yaml:18: orders[0].end: expected a date on or after "
    "the start, 2026-01-02; found 2025-12-31",
    "bad-field.yaml": "bad-field.yaml:40: clauses[1].fields_allowed[1]: expected a field of the vocabulary, "
    "one of: address, name, ssn, medical; found 'adress' (did you mean 'address'?)",
    "bad-population.yaml": "bad-population.yaml:48: clauses[2].populations_allowed[0]: expected a population "
    "of the vocabulary, one of: citizen, unlawfully_present; found 'undocumented'",
    "bad-program.yaml": "bad-program.yaml:32: clauses[0].programs[0]: expected a program of the vocabulary, "
    "one of: medicaid, chip; found 'medicare' (did you mean 'medicaid'?)",
    "bad-test.yaml": "bad-test.yaml:46: clauses[2].test: expected a clause test, one of: NO_SHARING, FIELDS, "
    "MEDICAL, POPULATIONS, PROGRAMS; found 'POPULATION' (did you mean 'POPULATIONS'?)",
    "bad-verified.yaml": "bad-verified.yaml:42: clauses[1].citations[0].verified: expected true or false; "
    "found the string 'no'",
    "bad-default.yaml": "bad-default.yaml:55: questions[0].default: expected the answer before any decision, "
    "one of: undecided, allowed, forbidden; found 'maybe'",
    "bad-question-field.yaml": "bad-question-field.yaml:52: questions[0].id: expected a field no clause "
    "already allows; found 'address', in a fields_allowed list",
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_invalid_case_file(name: str) -> None:
    with pytest.raises(CaseError) as caught:
        load_case(f"{SHOWN}/{name}")
    assert str(caught.value) == f"{SHOWN}/{BAD_CASES[name]}"


def test_every_bad_case_file_is_tested() -> None:
    assert {p.name for p in CASES.glob("bad-*.yaml")} == set(BAD_CASES)
