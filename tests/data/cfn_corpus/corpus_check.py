"""Check the CloudFormation corpus's own consistency and print its coverage.

Run from the repository root:

    python3 tests/data/cfn_corpus/corpus_check.py            # check every case, exit 1 on a problem
    python3 tests/data/cfn_corpus/corpus_check.py --readme   # also rewrite the generated part of README.md

It does not run enjoin's pipeline: it checks what the corpus promises about itself.

- expected.yaml has the documented shape;
- enjoin.yaml loads with enjoin's own config loader;
- every template parameter without a Default is given, and no given parameter is unknown to the template;
- cfn-lint (us-east-1) reports no error (E...) on a judged case, and on a case refused with a cfn-lint rule
  reports that rule; a case refused with one of enjoin's own ids (S3-ACL-OWNERSHIP, ...) has no cfn-lint error,
  so that the id named is the only reason to refuse;
- every holding names a bucket (or Glue table) the template creates with the given parameters, and every
  holding named in expected.yaml is a holding of enjoin.yaml;
- every resource named in expected.yaml is a logical id of the template, and every inert type or
  Type.Property is used by the template.

cfn-lint's rule E2533 (deprecated Lambda runtimes) depends on the date it runs: the judged cases use runtimes
whose creation stays allowed until at least 2028.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

import yaml
from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode_str

HERE = Path(__file__).resolve().parent
ENJOIN_IDS = {"S3-ACL-OWNERSHIP", "S3-ACL-PUBLIC-BLOCKED", "S3-POLICY-PUBLIC-BLOCKED", "IAM-POLICY-SIZE"}
VERDICTS = {"COMPLIANT", "VIOLATION", "INDETERMINATE"}
CLAUSE_VERDICTS = VERDICTS | {"NOT_APPLICABLE"}
CLAUSES = {"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS", "DKT148-PROGRAMS", "DKT98-NO-SHARING"}
EXPECTED_KEYS = {"about", "outcome", "verdict", "clauses", "indeterminate", "decided", "inert", "rule", "resource"}
PSEUDO = {
    "AWS::AccountId": "111111111111",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::StackName": "corpus",
    "AWS::URLSuffix": "amazonaws.com",
}
BEGIN, END = "<!-- BEGIN GENERATED: corpus_check.py --readme -->", "<!-- END GENERATED -->"


def cases() -> list[Path]:
    return sorted(p for p in HERE.iterdir() if p.is_dir() and re.match(r"\d{3}-", p.name))


def template_of(case: Path) -> Path:
    found = [p for p in (case / "template.yaml", case / "template.json") if p.exists()]
    if len(found) != 1:
        raise SystemExit(f"{case.name}: expected exactly one template.yaml or template.json")
    return found[0]


class Resolver:
    """Just enough of CloudFormation's intrinsic functions to name buckets and tables."""

    def __init__(self, template: dict, parameters: dict[str, str]) -> None:
        self.t = template
        self.values = dict(PSEUDO)
        for name, body in (template.get("Parameters") or {}).items():
            if name in parameters:
                self.values[name] = str(parameters[name])
            elif "Default" in body:
                self.values[name] = str(body["Default"])
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.t["Conditions"][name]))
        return self.conditions[name]

    def value(self, node):
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                if arg in self.values:
                    return self.values[arg]
                resource = self.t["Resources"].get(arg)
                if resource is not None:
                    return self.physical_name(arg, resource)
                return None
            if key == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                local = {k: self.value(v) for k, v in extra.items()}

                def repl(m):
                    name = m.group(1)
                    if name.startswith("!"):
                        return "${" + name[1:] + "}"
                    if name in local:
                        return str(local[name])
                    got = self.value({"Ref": name}) if "." not in name else None
                    return str(got) if got is not None else m.group(0)

                return re.sub(r"\$\{([^}]+)\}", repl, text)
            if key == "Fn::Join":
                parts = [self.value(p) for p in arg[1]]
                return None if any(p is None for p in parts) else arg[0].join(str(p) for p in parts)
            if key == "Fn::FindInMap":
                m, k1, k2 = (self.value(a) for a in arg[:3])
                return self.t["Mappings"][m][k1][k2]
            if key == "Fn::Select":
                items = self.value(arg[1])
                return items[int(self.value(arg[0]))] if isinstance(items, list) else None
            if key == "Fn::Split":
                text = self.value(arg[1])
                return text.split(arg[0]) if isinstance(text, str) else None
            if key == "Fn::If":
                return self.value(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return str(self.value(arg[0])) == str(self.value(arg[1]))
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(a) for a in arg)
            if key == "Fn::Or":
                return any(self.value(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        if isinstance(node, list):
            return [self.value(x) for x in node]
        return node

    def created(self, logical_id: str) -> bool:
        cond = self.t["Resources"][logical_id].get("Condition")
        return cond is None or self.condition(cond)

    def physical_name(self, logical_id: str, resource: dict):
        props = resource.get("Properties") or {}
        if resource["Type"] == "AWS::S3::Bucket":
            return self.value(props.get("BucketName"))
        if resource["Type"] == "AWS::Glue::Database":
            return self.value((props.get("DatabaseInput") or {}).get("Name"))
        if resource["Type"] == "AWS::Glue::Table":
            return self.value((props.get("TableInput") or {}).get("Name"))
        return f"<{logical_id}>"

    def stores(self) -> set[str]:
        """ARN patterns of the holdings the template can back: bucket/* and Glue table ARNs."""
        found = set()
        for logical_id, resource in self.t["Resources"].items():
            if not self.created(logical_id):
                continue
            if resource["Type"] == "AWS::S3::Bucket":
                found.add(f"arn:aws:s3:::{self.physical_name(logical_id, resource)}/*")
            if resource["Type"] == "AWS::Glue::Table":
                props = resource["Properties"]
                database = self.value(props["DatabaseName"])
                found.add(
                    f"arn:aws:glue:us-east-1:111111111111:table/{database}/{self.physical_name(logical_id, resource)}"
                )
        return found


def used_types(template: dict) -> tuple[set[str], set[str]]:
    types, props = set(), set()
    for resource in template["Resources"].values():
        types.add(resource["Type"])
        body = resource.get("Properties")
        if isinstance(body, dict):
            if list(body) == ["Fn::If"]:
                for branch in body["Fn::If"][1:]:
                    props.update(f"{resource['Type']}.{p}" for p in (branch or {}))
            else:
                props.update(f"{resource['Type']}.{p}" for p in body)
    return types, props


def check_case(case: Path, problems: list[str]) -> dict:
    def fail(msg: str) -> None:
        problems.append(f"{case.name}: {msg}")

    template_path = template_of(case)
    text = template_path.read_text()
    template, decode_errors = decode_str(text)
    if decode_errors:
        fail(f"template does not parse: {decode_errors}")
        return {}
    expected = yaml.safe_load((case / "expected.yaml").read_text())
    config = yaml.safe_load((case / "enjoin.yaml").read_text())

    # expected.yaml shape
    unknown = set(expected) - EXPECTED_KEYS
    if unknown:
        fail(f"expected.yaml: unknown keys {sorted(unknown)}")
    if not isinstance(expected.get("about"), str) or not expected["about"]:
        fail("expected.yaml: about must be a sentence")
    outcome = expected.get("outcome")
    if outcome == "judged":
        if expected.get("verdict") not in VERDICTS:
            fail(f"expected.yaml: verdict {expected.get('verdict')!r}")
        if "rule" in expected or "resource" in expected:
            fail("expected.yaml: rule/resource belong to refused cases")
        for clause, verdict in (expected.get("clauses") or {}).items():
            if clause not in CLAUSES or verdict not in CLAUSE_VERDICTS:
                fail(f"expected.yaml: clause {clause}: {verdict}")
        if expected.get("verdict") == "INDETERMINATE" and not expected.get("indeterminate"):
            fail("expected.yaml: an INDETERMINATE case names its constructs")
    elif outcome == "refused":
        if not expected.get("rule"):
            fail("expected.yaml: a refused case names its rule")
        if set(expected) & {"verdict", "clauses", "indeterminate", "decided", "inert"}:
            fail("expected.yaml: verdict keys on a refused case")
    else:
        fail(f"expected.yaml: outcome {outcome!r}")

    # enjoin's own config loader
    try:
        from enjoin.config import load

        load(case / "enjoin.yaml")
    except Exception as error:
        fail(f"enjoin.yaml does not load: {error}")

    # parameters
    entry = config["templates"][0]
    if entry["path"] != template_path.name:
        fail(f"enjoin.yaml names {entry['path']}, the template is {template_path.name}")
    given = entry.get("parameters") or {}
    declared = template.get("Parameters") or {}
    for name, body in declared.items():
        if "Default" not in body and name not in given:
            fail(f"parameter {name} has no default and no value")
    for name in given:
        if name not in declared:
            fail(f"parameter {name} is given but the template does not declare it")

    # cfn-lint
    matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
    errors = sorted({m.rule.id for m in matches if m.rule.id.startswith("E")})
    rule = expected.get("rule")
    if outcome == "judged" and errors:
        fail(f"judged case with cfn-lint errors {errors}")
    if outcome == "refused":
        if rule in ENJOIN_IDS:
            if errors:
                fail(f"refused with {rule} but cfn-lint also reports {errors}")
        elif rule not in errors:
            fail(f"refused with {rule} but cfn-lint reports {errors or 'no error'}")

    # holdings
    resolver = Resolver(template, {k: v for k, v in given.items()})
    stores = resolver.stores()
    holdings = [h["resource"] for h in config["holdings"]]
    for holding in holdings:
        if holding not in stores:
            fail(f"holding {holding} matches nothing the template creates ({sorted(stores)})")
    named = list(expected.get("decided") or [])
    for entry_ in expected.get("indeterminate") or []:
        named += entry_["holdings"]
        if "reason" in entry_:
            if set(entry_) != {"reason", "holdings"}:
                fail(f"indeterminate entry keys {sorted(entry_)}")
            continue
        if entry_["resource"] not in template["Resources"]:
            fail(f"indeterminate names {entry_['resource']}, not a logical id of the template")
        if set(entry_) - {"resource", "property", "holdings"}:
            fail(f"indeterminate entry keys {sorted(entry_)}")
    for holding in named:
        if holding not in holdings:
            fail(f"expected.yaml names {holding}, not a holding of enjoin.yaml")
    if set(expected.get("decided") or []) & {h for e in expected.get("indeterminate") or [] for h in e["holdings"]}:
        fail("a holding is both decided and indeterminate")
    if expected.get("resource") and expected["resource"] not in template["Resources"]:
        fail(f"resource {expected['resource']} is not a logical id of the template")
    types, props = used_types(template)
    for item in expected.get("inert") or []:
        if item not in types and item not in props:
            fail(f"inert {item} is not used by the template")

    return {"name": case.name, "file": template_path.name, "types": types, "expected": expected}


def readme_sections(rows: list[dict]) -> str:
    by_outcome = collections.Counter(
        r["expected"]["verdict"] if r["expected"]["outcome"] == "judged" else "refused" for r in rows
    )
    counts = collections.Counter(t for r in rows for t in r["types"])
    lines = [BEGIN, "", "### Cases", ""]
    lines.append(
        f"{len(rows)} cases: "
        + ", ".join(f"{by_outcome[k]} {k}" for k in ("COMPLIANT", "VIOLATION", "INDETERMINATE", "refused"))
        + f"; {sum(r['file'].endswith('.json') for r in rows)} JSON templates."
    )
    lines += ["", "| case | resource types | outcome |", "| --- | --- | --- |"]
    for r in rows:
        e = r["expected"]
        outcome = f"judged {e['verdict']}" if e["outcome"] == "judged" else f"refused {e['rule']}"
        short = ", ".join(sorted(t.replace("AWS::", "") for t in r["types"]))
        lines.append(f"| `{r['name']}` ({r['file'].split('.')[-1]}) | {short} | {outcome} |")
    lines += [
        "",
        f"### Resource types ({len(counts)})",
        "",
        "Cases using each type:",
        "",
        "| resource type | cases |",
        "| --- | --- |",
    ]
    for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| `{t}` | {n} |")
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="rewrite the generated part of README.md")
    args = parser.parse_args()
    problems: list[str] = []
    rows = [row for case in cases() if (row := check_case(case, problems))]
    for problem in problems:
        print(problem)
    generated = readme_sections(rows)
    if args.readme:
        readme = HERE / "README.md"
        text = readme.read_text()
        start, stop = text.index(BEGIN), text.index(END) + len(END)
        readme.write_text(text[:start] + generated + text[stop:])
    print(f"{len(rows)} cases checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
