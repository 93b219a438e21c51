"""Then: which order of the case binds on the date judged."""

from __future__ import annotations

from pytest_bdd import parsers, then

from enjoin.judgment import Judgment, Verdict


@then(parsers.parse("the order in force is {order_id}"))
def order_in_force(judgment: Judgment, order_id: str) -> None:
    found = judgment.order.id if judgment.order else "none"
    assert found == order_id, f"on {judgment.as_of} the order in force is {found}, not {order_id}"


@then("every clause of another order is NOT_APPLICABLE")
def other_orders_not_applicable(judgment: Judgment) -> None:
    in_force = judgment.order.id if judgment.order else None
    wrong = {c.id: c.verdict.value for c in judgment.clauses
             if c.order != in_force and c.verdict is not Verdict.NOT_APPLICABLE}
    assert not wrong, f"clauses outside the order in force were judged on {judgment.as_of}: {wrong}"


@then("every clause of the order in force is judged")
def clauses_in_force_judged(judgment: Judgment) -> None:
    assert judgment.order is not None, f"no order is in force on {judgment.as_of}"
    judged = {c.id for c in judgment.clauses if c.order == judgment.order.id}
    assert judged == set(judgment.order.clause_ids), (judged, judgment.order.clause_ids)
