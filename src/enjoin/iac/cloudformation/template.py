"""CloudFormation templates: loading (YAML with short-form tags, or JSON) and resolving intrinsics.

A template is loaded into its long form: ``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes
``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub ...`` becomes ``{"Fn::Sub": ...}`` and so on, exactly as the
CloudFormation documentation defines the short forms. The long form is what deploy hands to the
backend (as JSON) and what it compares the deployed state against, once :func:`resolve` has
replaced every intrinsic function by its value.

Loading refuses, as one :class:`~enjoin.errors.DeployError` naming the file (and line), what is not a
template it can safely read: a directory, a loop of symbolic links, a file it may not read, binary or
non-UTF-8 content (:mod:`enjoin.textfile`); YAML nested more than 100 levels deep or whose aliases
expand past :data:`~enjoin.yamlload.MAX_ALIAS_NODES` nodes (:class:`~enjoin.yamlload.BoundedComposer`),
an alias inside its own anchor's value; JSON nested too deep or with an integer too long to convert.
Deploy loads every template before cfn-lint validates any, so no such template reaches cfn-lint.

Supported intrinsics: Ref (parameters, resources, pseudo parameters AWS::AccountId, AWS::Region,
AWS::Partition, AWS::StackName, AWS::StackId, AWS::URLSuffix, AWS::NoValue), Fn::Sub (both forms),
Fn::GetAtt, Fn::ImportValue, Fn::Join, Fn::Select, Fn::Split, Fn::If with Conditions (Fn::Equals,
Fn::Not, Fn::And, Fn::Or, Condition), Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::Cidr. Anything else (
Fn::Transform, macros) is an error naming where it is: enjoin does not guess a value it would compare.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from enjoin.errors import DeployError
from enjoin.textfile import MAX_DEPTH, parse_json, read_text
from enjoin.yamlload import LIBYAML_TOO_DEEP, BoundedComposer, Refused, describe, unreadable_character

# The short-form tags that are not simply "Fn::" + tag name.
_SPECIAL_TAGS = {"Ref": "Ref", "Condition": "Condition"}

# The template sections whose value is a mapping when given (Resources is checked on its own).
_MAPPING_SECTIONS = ("Parameters", "Mappings", "Conditions", "Outputs", "Metadata", "Rules")


# libyaml's parser when PyYAML has it: the pure-Python scanner takes half a second to reach the
# 101st level of a document of nothing but "[" (it looks ahead for a key on every level).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(BoundedComposer, _SafeLoader):  # type: ignore[valid-type,misc]  # C or Python, as installed
    """A SafeLoader that keeps CloudFormation's scalars as strings and knows the short-form tags.

    It composes with :class:`~enjoin.yamlload.BoundedComposer`: a template nested too deep or an alias
    bomb is refused before anything (deploy, cfn-lint's validation) walks its values.
    """

    def __init__(self, stream: str) -> None:
        _SafeLoader.__init__(self, stream)
        self.reset_bounds()

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError, AttributeError) as exc:
            # A scalar the resolver typed but Python cannot convert: an integer of 5,000 digits; or an
            # explicit tag on a scalar not of its kind (!!timestamp z fails inside PyYAML's constructor).
            digits = sum(c.isdigit() for c in str(node.value))
            problem = f"an integer of {digits} digits" if node.tag.endswith(":int") else f"a value ({exc})"
            raise yaml.constructor.ConstructorError(None, None, f"{problem} it cannot read", node.start_mark) from None


# CloudFormation reads "2010-09-09" as a string; YAML 1.1 would make it a date.
_CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = _SPECIAL_TAGS.get(suffix, f"Fn::{suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            # "!GetAtt Resource.Attribute" (the attribute may itself contain dots: Endpoint.Address).
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]  # a MappingNode
    return {name: value}


_CfnLoader.add_multi_constructor("!", _short_form)


@dataclass(frozen=True, slots=True)
class PolicyPlace:
    """Where a policy document of a translated template is written in the file a person wrote."""

    resource: str  # what writes it there (a Terraform address)
    line: int  # the line of the document (0 when unknown)
    statements: tuple[int, ...] = ()  # the line of each statement, by index
    expression: str = ""  # the configuration expression that gives it, when the file records one


@dataclass(frozen=True, slots=True)
class CfnTemplate:
    """One template file, in long form.

    Attributes:
        path: the file.
        body: the whole template (long-form intrinsics).
        lines: logical id -> line of its definition in the file (1-based), for error messages.
    """

    path: Path
    body: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    text: str = field(default="", repr=False, compare=False)  # the file as read, for validation

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.body.get("Parameters") or {})

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.body.get("Resources") or {})

    @property
    def outputs(self) -> dict[str, Any]:
        return dict(self.body.get("Outputs") or {})

    def policy_place(self, logical_id: str, key: tuple[str | int, ...]) -> PolicyPlace | None:
        """Where the policy document at ``key`` (under the resource's Properties) is written, for a template
        translated from another language (a Terraform plan); None: in this template's own text."""
        return None

    def where(self, logical_id: str | None = None, prop: str | None = None) -> str:
        """The place of a resource (and property) in the file, as errors name it."""
        text = str(self.path)
        if logical_id is not None:
            line = self.lines.get(logical_id)
            text += f": line {line}" if line else ""
            text += f": resource {logical_id}"
        if prop is not None:
            text += f", property {prop}"
        return text


def load_template(path: Path) -> CfnTemplate:
    """Load a CloudFormation template (YAML or JSON) into its long form.

    Raises:
        DeployError: the file is missing, is not YAML/JSON, or is not a template (no Resources mapping).
    """
    text = read_text(path, DeployError, str(path), "CloudFormation template file", missing="no such file")
    body, lines = _parse(text, path)
    if not isinstance(body, dict):
        raise DeployError(str(path), "a template (a mapping at the top)", type(body).__name__)
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise DeployError(f"{path}: Resources", "a non-empty mapping of resources", repr(resources))
    for section in _MAPPING_SECTIONS:
        # Every later stage reads these as mappings; CloudFormation refuses anything else too.
        if body.get(section) is not None and not isinstance(body[section], dict):
            raise DeployError(f"{path}: {section}", f"a mapping ({section})", describe(body[section]))
    for logical_id, resource in resources.items():
        if str(logical_id).startswith("Fn::ForEach::") and "Transform" in body:
            continue  # AWS::LanguageExtensions' loop: the transform's own refusal names it
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise DeployError(
                CfnTemplate(path, body, lines).where(logical_id), "a resource with a Type", repr(resource)
            )
    return CfnTemplate(path=path, body=body, lines=lines, text=text)


def _parse(text: str, path: Path) -> tuple[Any, dict[str, int]]:
    lines: dict[str, int]
    if path.suffix.lower() == ".json":
        try:
            body = parse_json(text)
        except json.JSONDecodeError as exc:
            raise DeployError(f"{path}: line {exc.lineno}", "a JSON template", exc.msg) from None
        lines = {}
        for match in re.finditer(r'^\s*"([A-Za-z0-9]+)"\s*:\s*\{', text, flags=re.MULTILINE):
            lines.setdefault(match.group(1), text.count("\n", 0, match.start()) + 1)
        return body, lines
    loader = _CfnLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        if loader.recursive_alias is not None:
            # Construction would make a structure that contains itself; every walk over it would loop.
            where = f"{path}: line {loader.recursive_alias.line + 1}"
            raise DeployError(where, "a YAML template", "an alias inside the value of its own anchor")
        lines = {}
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "Resources" and isinstance(value, yaml.MappingNode):
                    lines = {k.value: k.start_mark.line + 1 for k, _ in value.value if isinstance(k, yaml.ScalarNode)}
        return loader.construct_document(node), lines
    except Refused as exc:
        raise DeployError(f"{path}: line {exc.mark.line + 1}", exc.expected, exc.found) from None
    except yaml.reader.ReaderError as exc:
        line, _, found = unreadable_character(exc, text)
        raise DeployError(f"{path}: line {line}", "YAML text (no control characters)", found) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}: line {mark.line + 1}" if mark is not None else str(path)
        # PyYAML's problems often begin "found ...": the message adds its own "found".
        problem = re.sub(r"^(but )?found ", "", str(getattr(exc, "problem", None) or exc))
        if problem.startswith(LIBYAML_TOO_DEEP):  # libyaml's own depth limit: the same refusal as the composer's
            deep = f"nesting deeper than {MAX_DEPTH} levels"
            raise DeployError(where, f"YAML nested at most {MAX_DEPTH} levels deep", deep) from None
        raise DeployError(where, "a YAML template", problem) from None
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------------------------
# Resolution of intrinsic functions
# ---------------------------------------------------------------------------------------------


class _NoValue:
    """AWS::NoValue: the property (or list item) is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True, slots=True)
class Scope:
    """What intrinsic functions resolve against, for one stack.

    Attributes:
        template: the template.
        parameters: parameter name -> value (list parameters as lists).
        pseudo: pseudo parameter (AWS::AccountId ...) -> value.
        refs: logical id -> what ``Ref`` returns for that resource.
        attribute: (logical id, attribute) -> what ``Fn::GetAtt`` returns; raises KeyError if unknown.
        imports: export name -> value (exports of the same account and region).
        conditions: condition name -> its value.
    """

    template: CfnTemplate
    parameters: Mapping[str, Any]
    pseudo: Mapping[str, str]
    refs: Mapping[str, Any]
    attribute: Callable[[str, str], Any]
    imports: Mapping[str, Any]
    conditions: Mapping[str, bool] = field(default_factory=dict)


def evaluate_conditions(template: CfnTemplate, scope: Scope) -> dict[str, bool]:
    """Evaluate every entry of the template's Conditions section."""
    raw = dict(template.body.get("Conditions") or {})
    done: dict[str, bool] = {}

    def condition(name: str, stack: tuple[str, ...]) -> bool:
        if name in done:
            return done[name]
        if name not in raw or name in stack:
            raise DeployError(
                f"{template.path}: Conditions", f"a defined, acyclic condition {name!r}", "none or a cycle"
            )
        value = _condition_value(raw[name], lambda n: condition(n, (*stack, name)))
        done[name] = value
        return value

    def _condition_value(expr: Any, named: Callable[[str], bool]) -> bool:
        if isinstance(expr, dict) and len(expr) == 1:
            ((fn, args),) = expr.items()
            if fn == "Condition":
                return named(str(args))
            if fn == "Fn::Equals":
                left, right = (resolve(a, _scope_with(scope, done)) for a in args)
                return bool(str(left) == str(right))
            if fn == "Fn::Not":
                return not _condition_value(args[0], named)
            if fn == "Fn::And":
                return all(_condition_value(a, named) for a in args)
            if fn == "Fn::Or":
                return any(_condition_value(a, named) for a in args)
        raise DeployError(f"{template.path}: Conditions", "a condition function", repr(expr))

    for name in raw:
        condition(name, ())
    return done


def choose(value: Any, conditions: Mapping[str, bool], where: str = "") -> Any:
    """``value`` with every ``Fn::If`` replaced by its chosen branch and ``AWS::NoValue`` entries removed.

    CloudFormation allows ``Fn::If`` anywhere a value goes, a whole ``Properties`` included; deploy
    chooses before anything else reads the template, so that no later stage meets a condition.

    Raises:
        DeployError: an Fn::If naming a condition the template does not define, or malformed.
    """
    if isinstance(value, list):
        items = [choose(item, conditions, where) for item in value]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, args),) = value.items()
        if key == "Ref" and args == "AWS::NoValue":
            return NO_VALUE
        if key == "Fn::If":
            if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
                raise DeployError(where, "Fn::If [condition, value if true, value if false]", repr(args)[:200])
            if args[0] not in conditions:
                raise DeployError(where, "Fn::If naming a defined condition", repr(args[0]))
            return choose(args[1] if conditions[args[0]] else args[2], conditions, where)
    out = {}
    for key, item in value.items():
        chosen = choose(item, conditions, where)
        if chosen is not NO_VALUE:
            out[key] = chosen
    return out


def chosen_template(template: CfnTemplate, conditions: Mapping[str, bool]) -> CfnTemplate:
    """The template as CloudFormation would create it: resources and outputs whose Condition is false
    removed, every ``Fn::If`` chosen (:func:`choose`)."""
    body = dict(template.body)
    resources = {}
    for logical_id, resource in (template.body.get("Resources") or {}).items():
        if not conditions.get(resource.get("Condition", ""), True):
            continue
        where = template.where(logical_id)
        kept = choose(resource, conditions, where)
        if not isinstance(kept.get("Properties", {}), dict):
            raise DeployError(f"{where}, property Properties", "a mapping", repr(kept["Properties"])[:200])
        resources[logical_id] = kept
    body["Resources"] = resources
    outputs = {}
    for key, output in (template.body.get("Outputs") or {}).items():
        if isinstance(output, dict) and conditions.get(output.get("Condition", ""), True):
            outputs[key] = choose(output, conditions, f"{template.path}: output {key}")
    if "Outputs" in body:
        body["Outputs"] = outputs
    return CfnTemplate(template.path, body, template.lines, template.text)


def _scope_with(scope: Scope, conditions: Mapping[str, bool]) -> Scope:
    return Scope(scope.template, scope.parameters, scope.pseudo, scope.refs, scope.attribute, scope.imports, conditions)


def resolve(value: Any, scope: Scope, where: str = "") -> Any:
    """Replace every intrinsic function in ``value`` by its value; AWS::NoValue removes the entry.

    Raises:
        DeployError: an intrinsic that cannot be resolved (unknown reference, unsupported function).
    """
    if isinstance(value, list):
        items = [resolve(item, scope, where) for item in value]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, args),) = value.items()
        if key == "Ref" or key.startswith("Fn::"):
            return _function(key, args, scope, where)
    out = {}
    for key, item in value.items():
        resolved = resolve(item, scope, where)
        if resolved is not NO_VALUE:
            out[key] = resolved
    return out


def _fail(scope: Scope, where: str, expected: str, found: str) -> DeployError:
    return DeployError(f"{scope.template.path}: {where}" if where else str(scope.template.path), expected, found)


def _ref(name: str, scope: Scope, where: str) -> Any:
    if name == "AWS::NoValue":
        return NO_VALUE
    if name in scope.pseudo:
        return scope.pseudo[name]
    if name in scope.parameters:
        return scope.parameters[name]
    if name in scope.refs:
        return scope.refs[name]
    raise _fail(scope, where, "Ref to a parameter, a resource or a pseudo parameter", repr(name))


def _getatt(resource: str, attribute: str, scope: Scope, where: str) -> Any:
    try:
        return scope.attribute(resource, attribute)
    except KeyError:
        raise _fail(scope, where, "Fn::GetAtt of a known resource attribute", f"{resource}.{attribute}") from None


def _function(name: str, args: Any, scope: Scope, where: str) -> Any:
    if name == "Ref":
        return _ref(str(args), scope, where)
    if name == "Fn::GetAtt":
        if isinstance(args, str):
            args = args.split(".", 1)
        resource, attribute = (resolve(a, scope, where) for a in args)
        return _getatt(str(resource), str(attribute), scope, where)
    if name == "Fn::Sub":
        return _sub(args, scope, where)
    if name == "Fn::ImportValue":
        export = resolve(args, scope, where)
        if export not in scope.imports:
            raise _fail(scope, where, "Fn::ImportValue of an exported name", repr(export))
        return scope.imports[export]
    if name == "Fn::Join":
        delimiter, items = args
        return str(delimiter).join(str(i) for i in resolve(items, scope, where))
    if name == "Fn::Select":
        index, items = (resolve(a, scope, where) for a in args)
        return items[int(index)]
    if name == "Fn::Split":
        delimiter, text = (resolve(a, scope, where) for a in args)
        return str(text).split(str(delimiter))
    if name == "Fn::If":
        condition, when_true, when_false = args
        if condition not in scope.conditions:
            raise _fail(scope, where, "Fn::If naming a defined condition", repr(condition))
        return resolve(when_true if scope.conditions[condition] else when_false, scope, where)
    if name == "Fn::FindInMap":
        mapping, first, second = (resolve(a, scope, where) for a in args)
        try:
            return scope.template.body["Mappings"][mapping][first][second]
        except (KeyError, TypeError):
            raise _fail(scope, where, "Fn::FindInMap of a defined mapping entry", repr(args)) from None
    if name == "Fn::Base64":
        return base64.b64encode(str(resolve(args, scope, where)).encode()).decode()
    if name == "Fn::GetAZs":
        # The region's Availability Zones as the account sees them; six letters cover every region's count.
        region = str(resolve(args, scope, where) or scope.pseudo.get("AWS::Region", "us-east-1"))
        return [f"{region}{letter}" for letter in "abcdef"]
    if name == "Fn::Cidr":
        return _cidr(args, scope, where)
    raise _fail(scope, where, "an intrinsic function enjoin resolves (see enjoin.iac.cloudformation.template)", name)


def _cidr(args: Any, scope: Scope, where: str) -> list[str]:
    """Fn::Cidr [ipBlock, count, cidrBits]: the first ``count`` subnets with ``cidrBits`` host bits."""
    try:
        block, count, bits = (resolve(a, scope, where) for a in args)
        network = ipaddress.ip_network(str(block), strict=False)
        prefix = network.max_prefixlen - int(bits)
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(int(count))]
    except (ValueError, TypeError, StopIteration):
        raise _fail(scope, where, "Fn::Cidr [ip block, count, cidr bits] that fits", repr(args)[:200]) from None


def _sub(args: Any, scope: Scope, where: str) -> str:
    if isinstance(args, list):
        text, variables = args[0], {k: resolve(v, scope, where) for k, v in dict(args[1]).items()}
    else:
        text, variables = args, {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"  # ${!Literal} is the literal text ${Literal}
        if name in variables:
            return str(variables[name])
        if "." in name and name.split(".", 1)[0] in scope.refs:
            resource, attribute = name.split(".", 1)
            return str(_getatt(resource, attribute, scope, where))
        return str(_ref(name, scope, where))

    return _SUB_VAR.sub(replace, str(text))


def substitute(value: Any, refs: Mapping[str, Any], attribute: Callable[[str, str], Any]) -> Any:
    """``value`` with every Ref, Fn::GetAtt and ``${...}`` of the resources in ``refs`` replaced by its value.

    For the body handed to a backend whose CloudFormation does not create some resource types (it
    would export them unresolved, or fail on their attributes): enjoin computes those resources'
    physical ids itself. Everything else is left as it is; an attribute ``attribute`` does not know
    (KeyError) too.
    """
    if isinstance(value, list):
        return [substitute(item, refs, attribute) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, args),) = value.items()
        if key == "Ref" and isinstance(args, str) and args in refs:
            return refs[args]
        if key == "Fn::GetAtt":
            parts = args.split(".", 1) if isinstance(args, str) else args
            if isinstance(parts, list) and len(parts) == 2 and parts[0] in refs and isinstance(parts[1], str):
                try:
                    return attribute(parts[0], parts[1])
                except KeyError:
                    return value
        if key == "Fn::Sub":
            text, variables = (args[0], args[1]) if isinstance(args, list) else (args, {})
            if isinstance(text, str):
                text = _substitute_text(text, refs, attribute, set(variables) if isinstance(variables, dict) else set())
                variables = substitute(variables, refs, attribute)
                return {key: [text, variables] if isinstance(args, list) else text}
    return {k: substitute(v, refs, attribute) for k, v in value.items()}


def _substitute_text(text: str, refs: Mapping[str, Any], attribute: Callable[[str, str], Any], own: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in own or name.startswith("!"):
            return match.group(0)
        if name in refs:
            return str(refs[name])
        resource, _, attr = name.partition(".")
        if attr and resource in refs:
            try:
                return str(attribute(resource, attr))
            except KeyError:
                return match.group(0)
        return match.group(0)

    return _SUB_VAR.sub(replace, text)
