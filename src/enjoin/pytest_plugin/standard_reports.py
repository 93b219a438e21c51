"""pytest's JUnit XML and pytest-bdd's cucumber JSON, telling the truth about enjoin's scenarios.

Each scenario's test is named in both by its clause ids and its scenario, with the Examples row of an outline:
``DKT148-FIELDS: What of a plaintiff-state enrollee never reaches DHS [field=ssn, label=The SSN]``, not by the
Python function pytest-bdd generates. A NOT_APPLICABLE scenario (a skip, with the reason the verdict gives) is
skipped in both with that reason: pytest's JUnit already writes ``<skipped message=...>``; pytest-bdd records the
step that skipped as passed, so that step is marked skipped here and the reason given as its message.

How. The name is taken when the scenario starts (``pytest_bdd_before_scenario``) and kept as the test's
``scenario`` and ``clauses`` properties (JUnit's ``<properties>``). pytest-bdd offers no hook to name a test in
either report, nor to say a step skipped, so: the skipping step is marked failed in pytest-bdd's own record of the
scenario before its cucumber reporter reads it (it then writes "skipped" for a skipped test), and at the end of the
session, after both files are written, each test is renamed in them and the reason added.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

# A clause id (DKT148-FIELDS): the tags of a scenario that name clauses, as the case writes them.
_CLAUSE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+")
# nodeid -> (the feature's relative path, the item's name, the test's name in both reports, why it skipped or "")
_TESTS = pytest.StashKey[dict[str, tuple[str, str, str, str]]]()


def title(scenario_name: str, tags: set[str] | frozenset[str], example: dict[str, Any] | None) -> str:
    """A test's name: its clause ids, its scenario, and the Examples row of an outline."""
    clauses = sorted(t for t in tags if _CLAUSE.fullmatch(t))
    row = f" [{', '.join(f'{k}={v}' for k, v in example.items())}]" if example else ""
    return f"{', '.join(clauses) + ': ' if clauses else ''}{scenario_name}{row}"


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    node = request.node
    callspec = getattr(node, "callspec", None)
    example = callspec.params.get("_pytest_bdd_example") if callspec is not None else None
    rule = getattr(scenario, "rule", None)  # a clause's Rule: carries the clause's tag for its scenarios
    tags = set(scenario.tags) | set(getattr(rule, "tags", ())) | set(getattr(feature, "tags", ()))
    name = title(scenario.name, tags, example)
    request.config.stash.setdefault(_TESTS, {})[node.nodeid] = (feature.rel_filename, node.name, name, "")
    node.user_properties.append(("scenario", name))
    node.user_properties.append(("clauses", " ".join(sorted(t for t in tags if _CLAUSE.fullmatch(t)))))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A scenario skipped while running: the step that skipped is marked so that pytest-bdd's cucumber reporter,
    which reads the same record after this hook, writes it as skipped, not passed."""
    if report.when != "call" or not report.skipped:
        return
    try:
        from pytest_bdd.reporting import test_report_context_registry
    except ImportError:  # pragma: no cover - a pytest-bdd without it: the names are still fixed at the end
        return
    context = test_report_context_registry.get(report)
    if context is None or not context.scenario["steps"]:
        return
    context.scenario["steps"][-1]["failed"] = True  # the step that raised the skip: the last one that ran


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Keep the reason of a scenario skipped while running, for the cucumber report."""
    if call.when != "call" or call.excinfo is None or not call.excinfo.errisinstance(pytest.skip.Exception):
        return
    tests = item.config.stash.get(_TESTS, {})
    if item.nodeid in tests:
        feature, item_name, name, _ = tests[item.nodeid]
        tests[item.nodeid] = (feature, item_name, name, str(call.excinfo.value))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Rename each scenario's test in the JUnit XML and the cucumber JSON written at the session's end."""
    tests = config.stash.get(_TESTS, {})
    if not tests:
        return
    xmlpath = getattr(config.option, "xmlpath", None)
    if xmlpath and not hasattr(config, "workerinput"):
        _rename_junit(_output(xmlpath))
    cucumber = getattr(config.option, "cucumber_json_path", None)
    if cucumber and not hasattr(config, "workerinput"):
        _rename_cucumber(_output(cucumber), {(f, i): (n, r) for f, i, n, r in tests.values()})


def _output(given: str) -> Path:
    """The path as pytest and pytest-bdd resolve it."""
    return Path(os.path.normpath(os.path.abspath(os.path.expanduser(os.path.expandvars(given)))))


def _rename_junit(path: Path) -> None:
    if not path.is_file():
        return
    tree = ET.parse(path)
    changed = False
    for case in tree.iter("testcase"):
        scenario = next((p.get("value") for p in case.iter("property") if p.get("name") == "scenario"), None)
        if scenario:
            case.set("name", scenario)
            changed = True
    if changed:
        tree.write(path, encoding="utf-8", xml_declaration=True)


def _rename_cucumber(path: Path, kept: dict[tuple[str, str], tuple[str, str]]) -> None:
    if not path.is_file():
        return
    features = json.loads(path.read_text(encoding="utf-8"))
    for feature in features:
        for element in feature.get("elements", []):
            name, reason = kept.get((feature.get("uri", ""), element.get("id", "")), ("", ""))
            if not name:
                continue
            element["name"] = name
            skipped = [s for s in element.get("steps", []) if s.get("result", {}).get("status") == "skipped"]
            if skipped and reason:
                skipped[0]["result"]["error_message"] = reason
    path.write_text(json.dumps(features), encoding="utf-8")
