"""When one row of an order's list (a field, a population, a program, a state) is judged; Then what it must be.

The Examples tables of the case's feature files are the order's own lists; each row is judged by
:func:`enjoin.judgment_rows.judge_row` over the session's reach, so its verdict is its clause's verdict narrowed to
the row's value, never a verdict of the step's own.
"""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, then, when

from enjoin.judgment import Judgment, Verdict
from enjoin.judgment_rows import Answer, Kind, RowVerdict, judge_row, status_in_case
from enjoin.pipeline import PipelineResult

_ROW = r"the (?P<kind>field|population|program|state) (?P<value>[A-Za-z_]+) is judged under"


@when(parsers.re(_ROW + r" clause (?P<clause_id>[A-Z0-9-]+)"), target_fixture="row_verdict")
def row_judged_under_clause(judgment: Judgment, enjoin_result: PipelineResult, kind: str, value: str,
                            clause_id: str) -> RowVerdict:
    config = enjoin_result.config
    return judge_row(judgment, config.holdings, enjoin_result.reach, config.decisions, Kind(kind), value,
                     clause_id=clause_id)


@when(parsers.re(_ROW + r" clause (?P<clause_id>[A-Z0-9-]+) as that answer says"), target_fixture="row_verdict")
def row_judged_as_answered(judgment: Judgment, enjoin_result: PipelineResult, answer: Answer, kind: str, value: str,
                           clause_id: str) -> RowVerdict:
    config = enjoin_result.config
    return judge_row(judgment, config.holdings, enjoin_result.reach, config.decisions, Kind(kind), value,
                     clause_id=clause_id, answer=answer)


@when(parsers.re(_ROW + r" order (?P<order_id>[a-z0-9-]+)"), target_fixture="row_verdict")
def row_judged_under_order(judgment: Judgment, enjoin_result: PipelineResult, kind: str, value: str,
                           order_id: str) -> RowVerdict:
    config = enjoin_result.config
    return judge_row(judgment, config.holdings, enjoin_result.reach, config.decisions, Kind(kind), value,
                     order_id=order_id)


@then(parsers.re(r"the case file says: under (?P<order_id>[a-z0-9-]+) the (?P<kind>field|population|program|state) "
                 r"(?P<value>[A-Za-z_]+) is (?P<status>.+)"))
def case_file_says(judgment: Judgment, order_id: str, kind: str, value: str, status: str) -> None:
    found = status_in_case(judgment.case, order_id, Kind(kind), value)
    assert found == status, (f"the feature file says that under {order_id} the {kind} {value} is {status}; "
                             f"the case file {judgment.case.path.name} says {found}")


@then("no party reaches it where the order forbids")
def row_holds(row_verdict: RowVerdict) -> None:
    if row_verdict.verdict is Verdict.NOT_APPLICABLE:
        # NOT_APPLICABLE (not held, out of scope, not in force, taken out by a decision): a skip with its reason.
        pytest.skip(row_verdict.describe())
    if row_verdict.verdict is not Verdict.COMPLIANT:
        pytest.fail(row_verdict.describe(), pytrace=False)
