"""``enjoin init [DIR]``: a starting ``enjoin.yaml`` and a GitHub Actions check for an infrastructure repository.

init finds the CloudFormation templates under DIR (the working directory by default): YAML or JSON files whose
top level holds a ``Resources`` mapping of AWS resource types, read by the loader deploy uses, so that short-form
tags (``!Sub``) parse as they will when judged. ``cdk.out`` is searched (CDK's output is CloudFormation); hidden
directories (``.git``, ``.venv``), ``node_modules`` and virtual environments are not, and neither are
``enjoin.yaml`` and Terraform's JSON. A file that looks like a template and does not load is listed as skipped,
with the loader's reason. It writes:

- ``DIR/enjoin.yaml``: the case, the region, two accounts, one template entry per template (in an order where a
  template comes after those whose exports it imports, with its parameters that have no Default), the DHS
  party, and one holding per S3 bucket and Glue table, with its ARN pattern where the template names it.
  What only the agency knows is a ``FILL-IN`` placeholder of a form the config loader refuses, naming the
  file, the line and the key: account ids, parameter values, and each holding's program, states, populations
  and fields. init never guesses what data a store holds.
- ``DIR/.github/workflows/enjoin.yml``: pytest with enjoin's plugin on every pull request and every push to
  the default branch, keeping the JSON report as an artifact.

It never overwrites: when either file exists it writes neither and exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from enjoin.case import load_case
from enjoin.deploy.body import no_attr, pseudo_parameters
from enjoin.deploy.stack import _stack_name as deployed_stack_name  # the name a judged stack really gets
from enjoin.errors import DeployError, EnjoinError
from enjoin.iac.cloudformation.template import CfnTemplate, Scope, load_template, resolve
from enjoin.iac.cloudformation.types import partition_of

CONFIG = Path("enjoin.yaml")
WORKFLOW = Path(".github", "workflows", "enjoin.yml")
CASE = "ca-v-hhs"
REGION = "us-east-1"
AGENCY, DHS = "agency", "dhs"
FILL = "FILL-IN"

_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_NOT_TEMPLATES = ("enjoin.yaml", "enjoin.yml")
_PRUNED = ("node_modules", "__pycache__")
_MAX_BYTES = 1_048_576  # CloudFormation's largest template (from S3): a larger file is none it would deploy
_TYPE = re.compile(r"(AWS|Custom|Alexa)::")
# What makes a file that does not load worth naming: it was meant to be a template.
_HINT = re.compile(r'AWSTemplateFormatVersion|^(Resources|\s{0,4}"Resources")\s*:', re.MULTILINE)
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# Stand-ins where a name depends on what init cannot know: a parameter without a Default, the account id.
_ANY = "*"
_ANY_ACCOUNT = "?" * 12


@dataclass(frozen=True, slots=True)
class Found:
    """A template found under DIR: its path relative to DIR (with / separators) and its long form."""

    path: str
    template: CfnTemplate


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that looks like a template and does not load, and the loader's reason."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Scan:
    """What a search of DIR found; ``passed_over`` counts YAML and JSON files that are not CloudFormation."""

    templates: tuple[Found, ...]
    skipped: tuple[Skipped, ...]
    passed_over: int


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A value the user must fill in: its line in the written file and its key as the loader names it."""

    line: int
    key: str


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="enjoin init",
        description="Write a starting enjoin.yaml and a GitHub Actions workflow for the CloudFormation under DIR.",
    )
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="the repository (default: .)")
    args = parser.parse_args(argv)
    root = Path(args.dir)
    if not root.is_dir():
        print(f"enjoin init: {root}: {'not a directory' if root.exists() else 'no such directory'}", file=sys.stderr)
        return 2
    existing = [root / p for p in (CONFIG, WORKFLOW) if (root / p).exists() or (root / p).is_symlink()]
    for path in existing:
        print(f"enjoin init: {path} exists; not overwriting it", file=sys.stderr)
    if existing:
        return 2
    found = scan(root)
    for skipped in found.skipped:
        print(f"enjoin init: skipped {root / skipped.path}: {skipped.reason}", file=sys.stderr)
    if not found.templates:
        print(
            f"enjoin init: no CloudFormation templates under {root} (YAML or JSON with a Resources mapping "
            "of AWS resource types); wrote nothing",
            file=sys.stderr,
        )
        return 2
    try:
        config, placeholders = config_text(found.templates, dt.date.today())
    except EnjoinError as exc:  # the shipped case does not load: an installation problem
        print(f"enjoin init: {exc}", file=sys.stderr)
        return 2
    git_root = _git_root(root)
    workdir = os.path.relpath(root.resolve(), git_root) if git_root is not None else "."
    workflow = workflow_text(_default_branch(git_root) if git_root is not None else None, workdir)
    written = _write_new(root, {CONFIG: config, WORKFLOW: workflow})
    if written:
        return written
    count = f"{len(found.templates)} CloudFormation template{'s' if len(found.templates) > 1 else ''}"
    passed = f" (and {found.passed_over} YAML or JSON files that are not templates)" if found.passed_over else ""
    print(f"enjoin init: found {count} under {root}{passed}:")
    print("".join(f"  {root / f.path}\n" for f in found.templates), end="")
    print(f"enjoin init: wrote {root / CONFIG}\nenjoin init: wrote {root / WORKFLOW}")
    if git_root is not None and workdir != ".":
        print(
            f"enjoin init: GitHub reads workflows only at the repository's root: move {root / WORKFLOW} to "
            f"{git_root / WORKFLOW} (it runs in {workdir})"
        )
    print(f"enjoin init: fill in these {len(placeholders)} placeholders; enjoin judge refuses the file until then:")
    print("".join(f"  {root / CONFIG}:{p.line}: {p.key}\n" for p in placeholders), end="")
    print(f"Then run: enjoin judge --config {root / CONFIG}")
    return 0


def _write_new(root: Path, texts: dict[Path, str]) -> int:
    """Create each file, never replacing one: 0, or 2 after removing what this call created."""
    created: list[Path] = []
    try:
        for relative, text in texts.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as out:  # "x": a file made meanwhile is not overwritten
                created.append(path)
                out.write(text)
    except OSError as exc:
        for path in created:
            path.unlink(missing_ok=True)
        shown = f"{exc.filename} exists; not overwriting it" if isinstance(exc, FileExistsError) else str(exc)
        print(f"enjoin init: {shown}; wrote nothing", file=sys.stderr)
        return 2
    return 0


# -- finding templates -------------------------------------------------------------------------------------


def scan(root: Path) -> Scan:
    """The CloudFormation templates under ``root``, sorted so that each comes after those it imports from."""
    found: list[Found] = []
    skipped: list[Skipped] = []
    passed_over = 0
    for path in _candidates(root):
        relative = path.relative_to(root).as_posix()
        outcome = _examine(path)
        if isinstance(outcome, CfnTemplate):
            found.append(Found(relative, outcome))
        elif outcome is not None:
            skipped.append(Skipped(relative, outcome))
        else:
            passed_over += 1
    return Scan(tuple(_ordered(found)), tuple(skipped), passed_over)


def _candidates(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in _PRUNED and not (Path(folder, d, "pyvenv.cfg").exists())
        )
        for name in sorted(files):
            lower = name.lower()
            if (
                lower.endswith(_SUFFIXES)
                and not name.startswith(".")
                and lower not in _NOT_TEMPLATES
                and not lower.endswith(".tf.json")
            ):
                yield Path(folder, name)


def _examine(path: Path) -> CfnTemplate | str | None:
    """The template, the reason a would-be template does not load, or None for a file that is none."""
    try:
        if path.stat().st_size > _MAX_BYTES:
            with path.open("rb") as stream:
                head = stream.read(4096).decode("utf-8", "replace")
            return "larger than the 1 MB CloudFormation accepts" if _HINT.search(head) else None
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    try:
        template = load_template(path)
    except DeployError as exc:
        if not _HINT.search(text):
            return None
        where = exc.where.removeprefix(str(path)).lstrip(": ")
        return f"{where + ': ' if where else ''}expected {exc.expected}; found {exc.found}"
    body = template.body
    typed = any(isinstance(r, dict) and _TYPE.match(str(r.get("Type", ""))) for r in template.resources.values())
    return template if typed or "AWSTemplateFormatVersion" in body or "Transform" in body else None


def _ordered(found: list[Found]) -> list[Found]:
    """``found`` in path order, except that a template follows those whose exports it imports: deploy hands a
    stack's exports only to the stacks after it. Export names init cannot resolve leave the order alone."""
    names = _stack_names(found)
    exports = [_exported(f.template, names[i]) for i, f in enumerate(found)]
    imports = [_imported(f.template, names[i]) for i, f in enumerate(found)]
    remaining = list(range(len(found)))
    order: list[int] = []
    while remaining:
        free = [i for i in remaining if not any(j != i and imports[i] & exports[j] for j in remaining)]
        order.append(free[0] if free else remaining[0])  # a cycle cannot be deployed in any order: keep it
        remaining.remove(order[-1])
    return [found[i] for i in order]


def _stack_names(found: list[Found] | tuple[Found, ...]) -> list[str]:
    used: set[tuple[str, str]] = set()
    return [deployed_stack_name(Path(f.path), AGENCY, used) for f in found]


def _exported(template: CfnTemplate, stack: str) -> set[str]:
    scope = _scope(template, stack)
    names = (_resolved(_mapping(_mapping(o).get("Export")).get("Name"), scope) for o in template.outputs.values())
    return {n for n in names if n}


def _imported(template: CfnTemplate, stack: str) -> set[str]:
    scope = _scope(template, stack)
    names = (_resolved(value, scope) for value in _walk(template.body, "Fn::ImportValue"))
    return {n for n in names if n}


def _walk(value: Any, function: str) -> Iterator[Any]:
    """The arguments of every use of ``function`` in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == function:
                yield item
            yield from _walk(item, function)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, function)


# -- names of stores ---------------------------------------------------------------------------------------


def _scope(template: CfnTemplate, stack: str) -> Scope:
    """What a name resolves against before anything is deployed: Defaults, or ``*`` for parameters without
    one; ``????????????`` for the account; Glue databases by their names. Nothing else a deployment tells."""
    parameters: dict[str, Any] = {}
    for name, spec in template.parameters.items():
        spec = spec if isinstance(spec, dict) else {}
        value = str(spec["Default"]) if "Default" in spec else _ANY
        ptype = str(spec.get("Type", "String"))
        parameters[name] = value.split(",") if ptype == "CommaDelimitedList" or ptype.startswith("List<") else value
    pseudo = pseudo_parameters(stack, _ANY_ACCOUNT, REGION)
    bare = Scope(template, parameters, pseudo, {}, no_attr, {})
    databases = {
        logical_id: _resolved(_mapping(_mapping(resource.get("Properties")).get("DatabaseInput")).get("Name"), bare)
        for logical_id, resource in template.resources.items()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Glue::Database"
    }
    refs = {k: v for k, v in databases.items() if v}
    return Scope(template, parameters, pseudo, refs, no_attr, {})


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one: a template may hold any shape where init looks."""
    return value if isinstance(value, dict) else {}


def _resolved(value: Any, scope: Scope) -> str | None:
    """``value`` resolved to a non-empty string, or None when it depends on what init cannot know."""
    if value is None:
        return None
    try:
        text = resolve(value, scope)
    except (DeployError, TypeError, ValueError, IndexError, KeyError):  # arguments of shapes resolve rejects
        return None
    return text if isinstance(text, str) and text else None


def _parameters_in(value: Any) -> set[str]:
    """The names ``value`` refers to by Ref or in a Fn::Sub string (parameters among them)."""
    names: set[str] = set()
    for ref in _walk(value, "Ref"):
        names.add(str(ref))
    for sub in _walk(value, "Fn::Sub"):
        text = sub[0] if isinstance(sub, list) and sub else sub
        names.update(_SUB_VAR.findall(str(text)))
    return names


@dataclass(frozen=True, slots=True)
class Store:
    """A bucket or table that may be a holding, and what its entry in ``holdings`` says of its name."""

    what: str  # "S3 bucket DataBucket (infra/data.yaml:12)"
    resource: str | None  # its ARN pattern, or None: a placeholder names it
    notes: tuple[str, ...]  # comment lines on how the pattern was formed
    columns: tuple[str, ...] = ()


def stores(found: tuple[Found, ...]) -> list[Store]:
    """Every S3 bucket and Glue table of the templates, in deploy order."""
    result: list[Store] = []
    for item, stack in zip(found, _stack_names(found), strict=True):
        scope = _scope(item.template, stack)
        for logical_id, resource in item.template.resources.items():
            if not isinstance(resource, dict) or resource.get("Type") not in ("AWS::S3::Bucket", "AWS::Glue::Table"):
                continue
            line = item.template.lines.get(logical_id)
            place = f"{item.path}:{line}" if line else item.path
            props = _mapping(resource.get("Properties"))
            kind = "S3 bucket" if resource["Type"] == "AWS::S3::Bucket" else "Glue table"
            what = f"{kind} {logical_id} ({place})"
            if any(str(key).startswith("Fn::") for key in props):
                store = Store(what, None, ("its Properties are chosen by a condition (Fn::If)",))
            elif kind == "S3 bucket":
                store = _bucket(what, props, item.path, logical_id, stack, scope)
            else:
                store = _table(what, props, scope)
            if resource.get("Condition"):
                condition = f"created only when the template's condition {resource['Condition']} is true"
                store = replace(store, notes=(*store.notes, condition))
            first = next((i for i, s in enumerate(result) if store.resource and s.resource == store.resource), None)
            if first is not None:
                # The loader takes each resource in one holding only: the first entry names both.
                result[first] = replace(result[first], notes=(*result[first].notes, f"also {store.what}"))
                continue
            result.append(store)
    return result


def _bucket(what: str, props: dict[str, Any], path: str, logical_id: str, stack: str, scope: Scope) -> Store:
    partition = partition_of(REGION)
    if props.get("BucketName") is None:
        # moto's CloudFormation names it as CloudFormation does: stack-LogicalId-SUFFIX in lower case, the stack
        # name cut so that the whole fits 63 characters, SUFFIX 12 random capitals and digits.
        tail = f"-{logical_id}-{_ANY_ACCOUNT}"
        generated = f"{stack[: 63 - len(tail)]}{tail}".lower()
        return Store(
            what,
            None,
            (
                f'no BucketName: enjoin deploys {path} as stack "{stack}" (from the file name), where the bucket is '
                f'named "{generated[:-12]}" and 12 random characters; "arn:{partition}:s3:::{generated}/*" matches '
                "it there. In AWS the name starts with your stack's name: a BucketName names it in both.",
            ),
        )
    name = _resolved(props["BucketName"], scope)
    if name is None:
        return Store(what, None, (_unknown("BucketName", props["BucketName"], scope),))
    return Store(what, f"arn:{partition}:s3:::{name}/*", _name_notes(props["BucketName"], scope, name))


def _table(what: str, props: dict[str, Any], scope: Scope) -> Store:
    table_input = _mapping(props.get("TableInput"))
    written = {"CatalogId": props.get("CatalogId"), "DatabaseName": props.get("DatabaseName")}
    written["TableInput.Name"] = table_input.get("Name")
    parts = {key: _resolved(value, scope) for key, value in written.items()}
    descriptor = _mapping(table_input.get("StorageDescriptor"))
    columns = tuple(
        str(c["Name"])
        for c in [*(descriptor.get("Columns") or []), *(table_input.get("PartitionKeys") or [])]
        if isinstance(c, dict) and isinstance(c.get("Name"), str)
    )
    if not all(parts.values()):
        unknown = [k for k, v in parts.items() if not v]
        return Store(what, None, (_unknown(", ".join(unknown), [written[k] for k in unknown], scope),), columns)
    resource = f"arn:{partition_of(REGION)}:glue:{REGION}:{parts['CatalogId']}:table/{parts['DatabaseName']}/"
    resource += str(parts["TableInput.Name"])
    return Store(what, resource, _name_notes(list(written.values()), scope, resource), columns)


def _unknown(prop: str, written: Any, scope: Scope) -> str:
    """Why init could not write a name as a pattern."""
    missing = sorted(n for n in _parameters_in(written) if scope.parameters.get(n) in (_ANY, [_ANY]))
    if missing:
        one = len(missing) == 1
        return (
            f"its {prop} depends on the parameter{'' if one else 's'} {', '.join(missing)}, which ha"
            f"{'s' if one else 've'} no Default: write the name it takes with the value{'' if one else 's'} you give"
        )
    return f"its {prop} depends on what only a deployment tells (an attribute, an import, a condition)"


def _name_notes(written: Any, scope: Scope, resource: str) -> tuple[str, ...]:
    """What a pattern's stand-ins and Defaults mean, so that the user corrects it with the parameters."""
    notes: list[str] = []
    for name in sorted(_parameters_in(written) & set(scope.parameters)):
        value = scope.parameters[name]
        if value == _ANY or value == [_ANY]:
            notes.append(f"* stands for the value of parameter {name}, which has no Default: write that value")
        else:
            notes.append(f"uses {name}'s Default {json.dumps(value)}: change it here if you give {name} another value")
    if "AWS::StackName" in _parameters_in(written):
        notes.append(
            f'the stack name is the one enjoin gives the template ("{scope.pseudo["AWS::StackName"]}", from the file '
            "name); in AWS it is your stack's name"
        )
    if _ANY_ACCOUNT in resource:
        notes.append("???????????? stands for the account the template deploys into: write its id")
    return tuple(notes)


# -- the files written -------------------------------------------------------------------------------------


class _Lines:
    """The text being written, and where its placeholders are."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.placeholders: list[Placeholder] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def fill(self, key: str, line: str) -> None:
        self.lines.append(line)
        self.placeholders.append(Placeholder(len(self.lines), key))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text)


def _comment(text: str, hang: str = "", indent: str = "") -> list[str]:
    """``text`` as comment lines within the line length; ``hang`` indents the lines after the first."""
    return textwrap.wrap(
        text,
        116,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}# {hang}",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _key(name: str) -> str:
    """A mapping key YAML 1.1 reads back as the same string (``On`` would be a boolean)."""
    return name if _PLAIN_KEY.match(name) and name.lower() not in _YAML11_WORDS else _q(name)


def config_text(found: tuple[Found, ...], today: dt.date) -> tuple[str, list[Placeholder]]:
    """The starting ``enjoin.yaml`` for ``found`` (in deploy order) and its placeholders."""
    case = load_case(CASE)
    vocabulary = case.vocabulary
    out = _Lines()
    out.add(
        "# enjoin.yaml: how enjoin deploys this repository's CloudFormation and what the court order protects in it.",
        f"# Written by `enjoin init` on {today.isoformat()}. A value that begins with {FILL} is a placeholder:",
        "# `enjoin judge` refuses this file, naming the line and the key, until each one is replaced. enjoin's",
        '# README ("The configuration: enjoin.yaml") describes every key. Paths are relative to this file.',
        "",
        "# The case whose orders are judged: a case shipped with enjoin, or the path of a case file.",
        f"case: {CASE}",
        "",
        "# The date that picks the order in force; left out, the day of the run.",
        f"# as_of: {today.isoformat()}",
        "",
        "# The region the templates are deployed into (mocked AWS: nothing reaches a real account).",
        f"region: {REGION}",
        "",
        "# Short names for the 12-digit AWS account ids, quoted. Templates and parties name accounts by them.",
        "accounts:",
    )
    out.fill(f"accounts.{AGENCY}", f"  {AGENCY}: {_q(f'{FILL}: 12-digit id of the account the templates deploy into')}")
    out.fill(f"accounts.{DHS}", f"  {DHS}: {_q(f'{FILL}: 12-digit id of the account of {case.recipient}')}")
    out.add(
        "",
        "# The templates found, deployed in this order (a template after those whose exports it imports). `account`",
        f"# is the account it deploys into; `parameters` give values, each {FILL} mapping to be replaced by the value.",
        "templates:",
    )
    for index, (item, stack) in enumerate(zip(found, _stack_names(found), strict=True)):
        out.add(f"  - path: {_q(item.path)}   # deployed as stack {stack}", f"    account: {AGENCY}")
        _template_parameters(out, index, item.template)
    out.add(
        "",
        "# Optional: the organization's service control policies and resource control policies (README).",
        "# organization:",
        "#   scps:",
        f"#     - {{path: scp/guardrails.json, targets: [{AGENCY}]}}",
        "",
        "# The recipients the order restricts. Every principal of a party's accounts belongs to it; `principals`",
        "# (ARN patterns, * and ?) and `identity_providers` (SAML or OIDC provider ARNs) add those acting for it.",
        "parties:",
        f"  {_key(case.recipient)}:",
        f"    accounts: [{DHS}]",
        "",
        *_comment(
            "Optional: the agency's answers to what the order leaves open "
            f"({', '.join(q.id for q in case.questions)}), each with its legal basis (README), e.g."
        ),
        "# decisions:",
        '#   name: {share: allowed, basis: "Counsel memo of ...: name is basic biographical information"}',
        "",
        "# What data each store holds, as the agency declares it: an entry per S3 bucket and Glue table found.",
        "# enjoin cannot see what a store holds and init does not guess: fill in each entry, and remove the entries",
        "# of stores that hold no data of the people the order protects (access logs, build artifacts).",
        *_comment(f"  program:     one of: {', '.join(vocabulary.programs)}", hang=" " * 15),
        "#   states:      all, or a list of two-letter codes ([CA, NY])",
        *_comment(f"  populations: all, or a list of: {', '.join(vocabulary.populations)}", hang=" " * 15),
        *_comment(f"  fields:      a list of: {', '.join(vocabulary.fields)}", hang=" " * 15),
        "holdings:",
    )
    found_stores = stores(found) or [
        Store("a store of data the order protects (no S3 bucket or Glue table was found in the templates)", None, ())
    ]
    for index, store in enumerate(found_stores):
        _holding(out, f"holdings[{index}]", store)
    return out.text(), out.placeholders


def _template_parameters(out: _Lines, index: int, template: CfnTemplate) -> None:
    required: list[tuple[str, dict[str, Any]]] = []
    defaulted: list[tuple[str, Any]] = []
    for name, spec in template.parameters.items():
        spec = spec if isinstance(spec, dict) else {}
        if "Default" in spec:
            defaulted.append((name, spec["Default"]))
        else:
            required.append((name, spec))
    if not required:
        if defaulted:
            out.add("    # parameters:                # each has a Default; give a value to override it")
        prefix = "    #   "
    else:
        out.add("    parameters:")
        prefix = "      # "
    for name, spec in required:
        about = [str(spec.get("Type", "String"))]
        if spec.get("AllowedValues"):
            about.append("one of " + ", ".join(str(v) for v in spec["AllowedValues"]))
        if spec.get("NoEcho") in (True, "true", "True"):
            about.append("a secret: any value of its form, never the real one")
        if spec.get("Description"):
            about.append(" ".join(str(spec["Description"]).split())[:100])
        line = f"      {_key(name)}: {{{FILL}: {_q('; '.join(about))}}}"
        out.fill(f"templates[{index}].parameters.{name}", line)
    for name, default in defaulted:
        out.add(f"{prefix}{_key(name)}: {json.dumps(default)}   # its Default")


def _holding(out: _Lines, key: str, store: Store) -> None:
    out.add(*(line for text in (store.what, *store.notes) for line in _comment(text, indent="  ")))
    if store.resource is None:
        out.fill(f"{key}.resource", f"  - resource: {_q(f'{FILL}: ARN pattern of {store.what}')}")
    else:
        out.add(f"  - resource: {_q(store.resource)}")
    out.fill(f"{key}.program", f"    program: {_q(f'{FILL}: the program whose data it holds')}")
    out.fill(f"{key}.states", f"    states: {_q(f'{FILL}: all, or a list of state codes')}")
    out.fill(f"{key}.populations", f"    populations: {_q(f'{FILL}: all, or a list of populations')}")
    out.fill(f"{key}.fields", f"    fields: {_q(f'{FILL}: a list of the fields it holds')}")
    if store.columns:
        out.add("    # columns:   # optional: each column, partition keys too: a field, a list of fields, or []")
        out.add(*(f"    #   {_key(column)}:" for column in store.columns))


def workflow_text(branch: str | None, workdir: str) -> str:
    """The GitHub Actions workflow: ``branch`` is the default branch when known; ``workdir`` where to run."""
    try:
        pin = f"enjoin=={importlib.metadata.version('enjoin')}"
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that is not installed
        pin = "enjoin==VERSION"
    where = "" if workdir == "." else f"{workdir}/"
    defaults = ["", "defaults:", "  run:", f"    working-directory: {_q(workdir)}"] if where else []
    lines = [
        "# enjoin: holds this repository's deployment to the court order on every pull request. It deploys the",
        "# CloudFormation templates enjoin.yaml lists into mocked AWS (moto, in process), works out who can read",
        "# each declared holding, and fails the check on a violation or on anything it cannot decide.",
        "# Written by `enjoin init`; see enjoin's README.",
        "name: enjoin",
        "",
        "on:",
        "  pull_request:",
        "  push:",
        f"    branches: [{_q(branch or 'main')}]   # the default branch"
        + ("" if branch else " (assumed: write yours if it is not main)"),
        "",
        "permissions:",
        "  contents: read",
        *defaults,
        "",
        "jobs:",
        "  judge:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/setup-python@v5",
        "        with:",
        '          python-version: "3.11"',
        f"      # Pin the version you reviewed ({pin}) so that a new release cannot change a verdict",
        "      # unannounced. enjoin compiles its core at install, which needs a C compiler and Python's headers:",
        "      # GitHub's ubuntu runners have both.",
        "      - name: Install enjoin",
        "        run: python -m pip install enjoin",
        "      # enjoin is a pytest plugin: pytest judges the deployment enjoin.yaml describes. Exit 0: compliant;",
        "      # 1: a violation, or a clause it could not decide; 2: bad input (enjoin.yaml, or a template refused);",
        "      # 3: enjoin could not finish (its own failure, or its environment).",
        "      - name: Judge the deployment",
        "        run: python -m pytest --enjoin-config=enjoin.yaml --enjoin-report=enjoin-report.json",
        "      - name: Keep the verdict report",
        "        if: always()   # the report matters most when the check fails",
        "        uses: actions/upload-artifact@v4",
        "        with:",
        "          name: enjoin-report",
        f"          path: {where}enjoin-report.json",
        "          if-no-files-found: warn",
    ]
    return "\n".join(lines) + "\n"


def _git_root(start: Path) -> Path | None:
    here = start.resolve()
    return next((folder for folder in (here, *here.parents) if (folder / ".git").exists()), None)


def _default_branch(git_root: Path) -> str | None:
    """The remote's default branch as the clone recorded it (origin/HEAD), if it did."""
    try:
        head = (git_root / ".git" / "refs" / "remotes" / "origin" / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    prefix = "ref: refs/remotes/origin/"
    return head.removeprefix(prefix) if head.startswith(prefix) else None
