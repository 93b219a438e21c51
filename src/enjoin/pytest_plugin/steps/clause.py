"""When a clause is judged; Then what its verdict must be."""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, then, when

from enjoin.judgment import ClauseVerdict, Judgment, Verdict


@when(parsers.parse("clause {clause_id} is judged"), target_fixture="clause_verdict")
def clause_is_judged(judgment: Judgment, clause_id: str) -> ClauseVerdict:
    return judgment.clause(clause_id)


@then("no party reaches what the clause forbids")
def clause_holds(clause_verdict: ClauseVerdict, judgment: Judgment) -> None:
    if clause_verdict.verdict is Verdict.NOT_APPLICABLE:
        # Reported as NOT_APPLICABLE in the verdict report; shown here as a skip with its reason, never silent.
        pytest.skip(f"{clause_verdict.id} NOT_APPLICABLE on {judgment.as_of}: {clause_verdict.reason}")
    if clause_verdict.verdict is not Verdict.COMPLIANT:
        lines = "\n".join(f"  - {f.verdict.value}: {f.message}" for f in clause_verdict.findings)
        pytest.fail(f"{clause_verdict.id} is {clause_verdict.verdict.value}: {clause_verdict.reason}\n{lines}",
                    pytrace=False)
