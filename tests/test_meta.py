"""The registry-wide check: every clause of every shipped case has a citation, a scenario, and a violating
variant that proves the scenario can fail. Each failure names every offender."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from gherkin.parser import Parser

from enjoin.case import Case, load_case, shipped_cases

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "src" / "enjoin" / "cases" / "ca-v-hhs" / "features"
CLAUSE_TAG = re.compile(r"^@([A-Z0-9]+-[A-Z0-9-]+)$")


def scenario_tags(features: Path) -> dict[str, list[str]]:
    """Clause-id tags -> the scenarios (file: name) that carry them (feature tags count for every scenario)."""
    out: dict[str, list[str]] = {}
    for path in sorted(features.glob("*.feature")):
        feature = Parser().parse(path.read_text(encoding="utf-8"))["feature"]
        inherited = [t["name"] for t in feature["tags"]]
        for child in feature["children"]:
            scenario = child.get("scenario")
            if scenario is None:
                continue
            for tag in inherited + [t["name"] for t in scenario["tags"]]:
                if m := CLAUSE_TAG.match(tag):
                    out.setdefault(m.group(1), []).append(f"{path.name}: {scenario['name']}")
    return out


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
