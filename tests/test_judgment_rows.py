"""judge_row: an Examples row is its clause's verdict narrowed to the row's value, never a verdict of its own.

Over the reference deployment and two violating variants (ORDER.md semantics, as tests/test_variants.py states them):
the extract carrying SSN breaks the ssn row and no other field row; the extract holding whole households breaks the
rows of the protected populations it then holds; a recorded decision on a population question takes its row out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.config_model import RecordedDecision
from enjoin.judgment import Verdict
from enjoin.judgment_rows import Kind, RowVerdict, answer_of, judge_row, status_in_case
from enjoin.pipeline import PipelineResult, judge_snapshot, snapshot_of

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = "arn:aws:s3:::cms-dhs-disclosure-extract/*"


@pytest.fixture(scope="module")
def backend() -> Iterator[MotoBackend]:
    started = MotoBackend()
    started.start()
    yield started
    started.stop()


def result(name: str, backend: MotoBackend) -> PipelineResult:
    path = ROOT / "enjoin.yaml" if name == "reference" else ROOT / "infra" / "variants" / name / "enjoin.yaml"
    backend.reset()
    config = load(path)
    return judge_snapshot(config, snapshot_of(config, backend))


def row(run: PipelineResult, kind: Kind, value: str, *, clause: str | None = None, order: str | None = None,
        decisions: tuple[RecordedDecision, ...] | None = None, question: str | None = None,
        as_of: dt.date | None = None) -> RowVerdict:
    chosen = run.config.decisions if decisions is None else decisions
    judgment = run.judgment if as_of is None else run.judge_as_of(as_of)
    answer = None if question is None else answer_of(run.case, question, chosen)
    return judge_row(judgment, run.config.holdings, run.reach, chosen, kind, value, clause_id=clause, order_id=order,
                     answer=answer)


def test_rows_of_the_reference(backend: MotoBackend) -> None:
    run = result("reference", backend)
    fields = {f: row(run, Kind.FIELD, f, clause="DKT148-FIELDS").verdict for f in run.case.vocabulary.fields}
    not_held = {"email", "household", "income"}
    assert {f for f, v in fields.items() if v is Verdict.NOT_APPLICABLE} == not_held
    assert set(fields.values()) == {Verdict.COMPLIANT, Verdict.NOT_APPLICABLE}
    email = row(run, Kind.FIELD, "email", clause="DKT148-FIELDS")
    assert email.reason == "not held: no holding the configuration declares carries the field email"
    texas = row(run, Kind.STATE, "TX", order="dkt-148")
    assert texas.verdict is Verdict.NOT_APPLICABLE and texas.reason.startswith("held only outside the scope of")
    assert row(run, Kind.STATE, "CA", order="dkt-148").verdict is Verdict.COMPLIANT
    # Under Dkt. 98 the reference's extract (Medicaid data of every state) may not flow at all.
    dkt98 = row(run, Kind.FIELD, "address", clause="DKT98-NO-SHARING", as_of=dt.date(2025, 12, 1))
    assert dkt98.verdict is Verdict.VIOLATION and dkt98.holdings == (EXTRACT,)
    late = row(run, Kind.FIELD, "address", clause="DKT98-NO-SHARING")
    assert late.verdict is Verdict.NOT_APPLICABLE and "not in force on 2026-02-01" in late.reason


def test_a_forbidden_field_fails_its_row_only(backend: MotoBackend) -> None:
    run = result("extract-forbidden-field", backend)
    failing = {f for f in run.case.vocabulary.fields
               if row(run, Kind.FIELD, f, clause="DKT148-FIELDS").verdict is Verdict.VIOLATION}
    assert failing == {"ssn"}
    ssn = row(run, Kind.FIELD, "ssn", clause="DKT148-FIELDS")
    assert ssn.holdings == (EXTRACT,)
    text = ssn.describe()
    assert f"holdings: {EXTRACT}" in text and "shortest path: " in text and "carries ssn" in text
    # A decision that allows ssn, with its basis, is applied by the judgment itself: the row then holds.
    allowed = (RecordedDecision("ssn", "allowed", "a hypothetical basis"),)
    assert row(run, Kind.FIELD, "ssn", clause="DKT148-FIELDS", decisions=allowed).verdict is Verdict.COMPLIANT


def test_protected_population_rows_and_the_decisions_that_take_them_out(backend: MotoBackend) -> None:
    run = result("extract-forbidden-population", backend)
    verdicts = {p: row(run, Kind.POPULATION, p, clause="DKT148-POPULATIONS").verdict
                for p in run.case.vocabulary.populations}
    clause = run.judgment.clause("DKT148-POPULATIONS")
    assert clause.verdict is Verdict.VIOLATION
    # The extract holds citizens (children of whole households) beside people unlawfully present.
    assert verdicts == {"citizen": Verdict.VIOLATION, "lawful_permanent_resident": Verdict.COMPLIANT,
                        "lawfully_present": Verdict.COMPLIANT, "unlawfully_present": Verdict.COMPLIANT,
                        "unknown": Verdict.COMPLIANT}
    citizen = row(run, Kind.POPULATION, "citizen", clause="DKT148-POPULATIONS")
    assert citizen.holdings == (EXTRACT,) and "records of citizen (protected" in citizen.describe()
    # Every clause's row of a plaintiff state fails with it; Texas's data is out of scope.
    assert row(run, Kind.STATE, "NY", order="dkt-148").verdict is Verdict.VIOLATION
    assert row(run, Kind.STATE, "TX", order="dkt-148").verdict is Verdict.NOT_APPLICABLE
    daca = row(run, Kind.POPULATION, "citizen", clause="DKT148-POPULATIONS", question="daca")
    assert daca.verdict is Verdict.VIOLATION  # the default (protected) keeps the row in
    decided = (RecordedDecision("daca", "allowed", "a hypothetical basis"),)
    taken_out = row(run, Kind.POPULATION, "lawfully_present", clause="DKT148-POPULATIONS", decisions=decided,
                    question="daca")
    assert taken_out.verdict is Verdict.NOT_APPLICABLE
    assert "open question daca: allowed (recorded decision; basis: a hypothetical basis)" in taken_out.reason


def test_what_the_case_file_alone_says() -> None:
    from enjoin.case import load_case

    case = load_case("ca-v-hhs")
    said = {(k, v): status_in_case(case, "dkt-148", k, v) for k, v in [
        (Kind.FIELD, "address"), (Kind.FIELD, "ssn"), (Kind.FIELD, "name"), (Kind.POPULATION, "citizen"),
        (Kind.POPULATION, "unlawfully_present"), (Kind.PROGRAM, "chip"), (Kind.PROGRAM, "medicaid"),
        (Kind.STATE, "WI"), (Kind.STATE, "TX")]}
    assert list(said.values()) == ["allowed", "forbidden", "undecided", "protected", "allowed", "forbidden",
                                   "limited", "a plaintiff", "not a plaintiff"]
    assert status_in_case(case, "dkt-98", Kind.FIELD, "address") == "forbidden"
    assert status_in_case(case, "dkt-98", Kind.PROGRAM, "chip") == "not covered"
    assert dataclasses.is_dataclass(answer_of(case, "name", ()))
