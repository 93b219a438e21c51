"""Every construct of the project's own templates (infra/ and the corpus) is named by the classification.

A type or property the classification does not name is unmodeled by default (fail closed), which is right
for a user's template but a gap in ours: this test fails naming each one, so that a template added here
brings its classification with it. The corpus cases that exist to show an unclassified type are the only
exceptions, and they say so in their expected.yaml.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from enjoin.iac.cloudformation.classification import Class, load_classification
from enjoin.iac.cloudformation.sam import expand
from enjoin.iac.cloudformation.template import load_template
from enjoin.iac.cloudformation.types import SUPPORTED

NOT_TEMPLATES = {"enjoin.yaml", "expected.yaml"}
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "cfn_corpus"


def _templates() -> list[tuple[Path, set[str]]]:
    """Each template, with the logical ids its case expects to be unclassified."""
    # enjoin.yaml and a generated variant's expected.yaml are not templates.
    found = [(p, set()) for p in sorted((ROOT / "infra").rglob("*.yaml")) if p.name not in NOT_TEMPLATES]
    for case in sorted(CORPUS.iterdir()):
        expected_file = case / "expected.yaml"
        if not expected_file.is_file():
            continue
        expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
        if expected.get("outcome") != "judged":
            continue
        allowed = {item["resource"] for item in expected.get("unclassified") or []}
        found += [(p, allowed) for p in sorted(case.glob("template.*"))]
    return found


def _names(props: object) -> set[str]:
    """The property names of ``Properties``, in both branches of a ``Properties: !If``."""
    if isinstance(props, dict) and list(props) == ["Fn::If"] and isinstance(props["Fn::If"], list):
        return {name for branch in props["Fn::If"][1:] for name in _names(branch)}
    return set(props) if isinstance(props, dict) and "Ref" not in props else set()


def test_every_type_and_property_of_the_projects_templates_is_classified() -> None:
    classification = load_classification()
    unnamed: list[str] = []
    templates = _templates()
    assert len(templates) > 60
    for path, allowed in templates:
        template = expand(load_template(path), {}, "us-east-1")  # a SAM template as CloudFormation runs it
        for logical_id, resource in template.resources.items():
            rtype = str(resource["Type"])
            entry = classification.of_type(rtype)
            if not entry.named:
                if logical_id not in allowed:
                    unnamed.append(f"{template.where(logical_id)}: type {rtype}")
                continue
            if entry.klass is not Class.MODELED:
                continue
            for prop in _names(resource.get("Properties")):
                if not classification.of_property(rtype, prop).named:
                    unnamed.append(f"{template.where(logical_id, prop)}: property {rtype}.{prop}")
    assert not unnamed, "constructs the classification does not name:\n" + "\n".join(unnamed)


def test_the_modeled_types_are_exactly_those_deploy_knows() -> None:
    classification = load_classification()
    modeled = {t for t, e in classification.types.items() if e.klass is Class.MODELED}
    assert modeled == set(SUPPORTED)
