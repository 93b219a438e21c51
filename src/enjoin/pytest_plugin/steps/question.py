"""Given: an open question of the case, as this run answers it (the recorded decision, else the default)."""

from __future__ import annotations

from pytest_bdd import given, parsers

from enjoin.judgment import Judgment
from enjoin.judgment_rows import Answer, answer_of
from enjoin.pipeline import PipelineResult


@given(parsers.re(r"the open question (?P<question>[a-z0-9_]+), whose default is (?P<default>[a-z_]+)"),
       target_fixture="answer")
def open_question(judgment: Judgment, enjoin_result: PipelineResult, question: str, default: str) -> Answer:
    answer = answer_of(judgment.case, question, enjoin_result.config.decisions)
    # The feature file states the default a lawyer reads; it must be the case file's.
    assert answer.default == default, (f"the feature file says open question {question} defaults to {default}; "
                                       f"the case file {judgment.case.path.name} says {answer.default}")
    return answer
