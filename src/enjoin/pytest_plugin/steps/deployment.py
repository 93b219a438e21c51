"""Given: which judgment of the session's deployment a scenario talks about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pytest_bdd import given, parsers

from enjoin.judgment import Judgment


@given("the deployment judged on the configured date", target_fixture="judgment")
def judged_on_configured_date(judged_on: Callable[[dt.date | None], Judgment]) -> Judgment:
    return judged_on(None)


@given(parsers.parse("the deployment judged as of {day:ti}"), target_fixture="judgment")
def judged_as_of(judged_on: Callable[[dt.date | None], Judgment], day: dt.datetime) -> Judgment:
    return judged_on(day.date())
