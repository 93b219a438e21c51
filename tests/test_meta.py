"""The registry-wide check: every clause of every shipped case has a citation, a scenario, and a violating
variant that proves the scenario can fail; every value of the case's vocabulary (field, population, program,
plaintiff state) is judged by some row of an Examples table, and every open question is asked by one. Each
failure names every offender."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gherkin.parser import Parser

from enjoin.case import Case, load_case, shipped_cases

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "src" / "enjoin" / "cases" / "ca-v-hhs" / "features"
CLAUSE_TAG = re.compile(r"^@([A-Z0-9]+-[A-Z0-9-]+)$")
# The steps that judge an Examples row and that ask an open question (src/enjoin/pytest_plugin/steps/).
ROW_STEP = re.compile(r"the (field|population|program|state) (\S+) is judged under (?:clause|order) \S+.*")
QUESTION_STEP = re.compile(r"the open question (\S+), whose default is \S+")


def scenarios(features: Path) -> Iterable[tuple[str, list[str], dict[str, Any]]]:
    """(file name, tags including the feature's and the rule's, scenario) for every scenario of the features."""
    for path in sorted(features.glob("*.feature")):
        feature = Parser().parse(path.read_text(encoding="utf-8"))["feature"]
        inherited = [t["name"] for t in feature["tags"]]
        for child in feature["children"]:
            if "rule" in child:
                rule = child["rule"]
                for grandchild in rule["children"]:
                    if "scenario" in grandchild:
                        scenario = grandchild["scenario"]
                        tags = inherited + [t["name"] for t in rule["tags"]] + [t["name"] for t in scenario["tags"]]
                        yield path.name, tags, scenario
            elif "scenario" in child:
                yield path.name, inherited + [t["name"] for t in child["scenario"]["tags"]], child["scenario"]


def scenario_tags(features: Path) -> dict[str, list[str]]:
    """Clause-id tags -> the scenarios (file: name) that carry them (feature and rule tags count for each)."""
    out: dict[str, list[str]] = {}
    for name, tags, scenario in scenarios(features):
        for tag in tags:
            if m := CLAUSE_TAG.match(tag):
                out.setdefault(m.group(1), []).append(f"{name}: {scenario['name']}")
    return out


def example_rows(features: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """What the Examples rows judge and ask: the (kind, value) pairs of their When steps, the open questions of their
    Given steps, each step rendered with its row (a value written into a plain scenario does not count)."""
    judged: set[tuple[str, str]] = set()
    asked: set[str] = set()
    for _, _, scenario in scenarios(features):
        for table in scenario.get("examples", []):
            header = [cell["value"] for cell in table["tableHeader"]["cells"]]
            for row in table["tableBody"]:
                values = dict(zip(header, (cell["value"] for cell in row["cells"]), strict=True))
                for step in scenario["steps"]:
                    if not any(f"<{k}>" in step["text"] for k in values):
                        continue
                    text = step["text"]
                    for key, value in values.items():
                        text = text.replace(f"<{key}>", value)
                    if m := ROW_STEP.fullmatch(text):
                        judged.add((m.group(1), m.group(2)))
                    if m := QUESTION_STEP.fullmatch(text):
                        asked.add(m.group(1))
    return judged, asked


def variant_expectations() -> Mapping[str, frozenset[str]]:
    """The variants' expected VIOLATION clause sets, as tests/test_variants.py asserts them."""
    spec = importlib.util.spec_from_file_location("_enjoin_variant_tests", ROOT / "tests" / "test_variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: frozenset(clauses) for name, clauses in module.EXPECTED.items()}


def without_citation(case: Case) -> list[str]:
    return sorted(c.id for c in case.clauses if not c.citations)


def without_scenario(case: Case, tags: Mapping[str, list[str]]) -> list[str]:
    return sorted(c.id for c in case.clauses if c.id not in tags)


def without_violating_variant(case: Case, expected: Mapping[str, Iterable[str]]) -> list[str]:
    proven = {clause for clauses in expected.values() for clause in clauses}
    return sorted(c.id for c in case.clauses if c.id not in proven)


def not_in_examples(case: Case, judged: set[tuple[str, str]], asked: set[str]) -> dict[str, list[str]]:
    """The vocabulary values no Examples row judges and the open questions none asks, by kind; a case must also
    have a row for a state that is not a plaintiff (its data is out of scope)."""
    wanted = {
        "field": case.vocabulary.fields,
        "population": case.vocabulary.populations,
        "program": case.vocabulary.programs,
        "state": case.plaintiff_states,
    }
    out = {kind: sorted(v for v in values if (kind, v) not in judged) for kind, values in wanted.items()}
    others = {v for kind, v in judged if kind == "state" and v not in case.plaintiff_states}
    out["state that is not a plaintiff"] = [] if others else ["none"]
    out["question"] = sorted(q.id for q in case.questions if q.id not in asked)
    return {kind: missing for kind, missing in out.items() if missing}


def test_every_clause_cites_the_order() -> None:
    offenders = {name: without_citation(load_case(name)) for name in shipped_cases()}
    assert offenders == {name: [] for name in shipped_cases()}


def test_every_clause_has_a_scenario() -> None:
    tags = scenario_tags(FEATURES)
    offenders = {name: without_scenario(load_case(name), tags) for name in shipped_cases()}
    assert offenders == {name: [] for name in shipped_cases()}


def test_every_clause_has_a_violating_variant() -> None:
    expected = variant_expectations()
    offenders = {name: without_violating_variant(load_case(name), expected) for name in shipped_cases()}
    assert offenders == {name: [] for name in shipped_cases()}


def test_every_value_of_the_vocabulary_and_every_open_question_has_an_examples_row() -> None:
    judged, asked = example_rows(FEATURES)
    offenders = {name: not_in_examples(load_case(name), judged, asked) for name in shipped_cases()}
    assert offenders == {name: {} for name in shipped_cases()}


def test_every_clause_tag_in_the_features_names_a_clause() -> None:
    known = {c.id for name in shipped_cases() for c in load_case(name).clauses}
    assert sorted(set(scenario_tags(FEATURES)) - known) == []


def test_the_checks_name_each_offender() -> None:
    # The meta-test itself must be able to fail: a clause stripped of its citation, its scenario and its
    # variant is named by each check.
    case = load_case("ca-v-hhs")
    stripped = dataclasses.replace(case.clause("DKT148-MEDICAL"), citations=())
    broken = dataclasses.replace(case, clauses=tuple(
        stripped if c.id == "DKT148-MEDICAL" else c for c in case.clauses))
    assert without_citation(broken) == ["DKT148-MEDICAL"]
    tags = {k: v for k, v in scenario_tags(FEATURES).items() if k != "DKT148-MEDICAL"}
    assert without_scenario(case, tags) == ["DKT148-MEDICAL"]
    expected = {k: [c for c in v if c != "DKT148-MEDICAL"] for k, v in variant_expectations().items()}
    assert without_violating_variant(case, expected) == ["DKT148-MEDICAL"]
    # A field, a population, a program, a plaintiff state and a question no row speaks of are each named.
    judged, asked = example_rows(FEATURES)
    vocabulary = dataclasses.replace(case.vocabulary, fields=(*case.vocabulary.fields, "biometrics"),
                                     populations=(*case.vocabulary.populations, "refugee"),
                                     programs=(*case.vocabulary.programs, "bhp"))
    question = dataclasses.replace(case.question("daca"), id="u_visa")
    grown = dataclasses.replace(case, vocabulary=vocabulary, plaintiff_states=(*case.plaintiff_states, "PA"),
                                questions=(*case.questions, question))
    assert not_in_examples(grown, judged, asked) == {
        "field": ["biometrics"], "population": ["refugee"], "program": ["bhp"], "state": ["PA"],
        "question": ["u_visa"]}
    only_plaintiffs = {(kind, v) for kind, v in judged if kind != "state" or v in case.plaintiff_states}
    assert not_in_examples(case, only_plaintiffs, asked) == {"state that is not a plaintiff": ["none"]}
