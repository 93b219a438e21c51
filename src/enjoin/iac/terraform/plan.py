"""A Terraform plan in JSON (``terraform show -json plan.bin``), loaded and checked.

The format is HashiCorp's "JSON Output Format" (Terraform internals documentation): ``format_version``,
``planned_values`` (a values representation: ``root_module`` and its ``child_modules``, each resource with
``address``, ``mode``, ``type``, ``name``, ``index``, ``provider_name``, ``values``, ``sensitive_values``),
``resource_changes`` (one per resource instance: ``change.actions``, ``before``, ``after``, ``after_unknown``),
``configuration`` (``provider_config``; ``root_module`` with ``resources`` whose ``expressions`` hold
``constant_value`` or ``references``, ``module_calls``, ``outputs``) and ``prior_state`` (where the data
sources read at plan time are). The documentation asks a reader to reject a major version it does not know
and to ignore properties it does not know: :data:`SUPPORTED_MAJORS` lists the majors enjoin reads.

What is read:

- every managed resource instance the plan creates, updates or keeps (``actions`` other than ``["delete"]``),
  with its planned values (``change.after``) and which of them are known only after apply
  (``change.after_unknown``); a plan without ``resource_changes`` gives its ``planned_values``, all known;
- every data source instance: read at plan time (``prior_state``), or deferred to apply (a ``["read"]``
  change, whose unknown values are marked the same way);
- each instance's configuration block (``configuration``, found by module path, mode, type and name), and
  the provider configuration it uses, by ``provider_config_key``.

Errors are one :class:`~enjoin.errors.DeployError` line naming the plan file, the resource address and the
attribute (``plan.json: module.data.aws_s3_bucket.claims, attribute bucket: expected ...; found ...``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enjoin.errors import DeployError, EnjoinError
from enjoin.textfile import parse_json, read_text
from enjoin.yamlload import shown_path

# The format_version majors enjoin reads ("1.0" as of Terraform 1.1 up to 1.x; "0.1" and "0.2" before).
SUPPORTED_MAJORS = ("0", "1")
_VERSION = re.compile(r"(\d+)\.(\d+)\Z")
_MODES = ("managed", "data")
# One step of a module address: module.NAME, optionally with an instance key.
_MODULE_STEP = re.compile(r'module\.([A-Za-z_][\w-]*)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?')


@dataclass(frozen=True, slots=True)
class Expression:
    """An unevaluated expression of the configuration: a constant, or the references it makes."""

    constant: Any = None
    has_constant: bool = False
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigResource:
    """A ``resource`` or ``data`` block of a module's configuration."""

    mode: str
    type: str
    name: str
    provider_key: str
    expressions: Mapping[str, Any]  # attribute -> Expression, or nested block -> list/dict of such mappings
    for_each: Expression | None = None  # its for_each_expression (what each.key and each.value range over)


@dataclass(frozen=True, slots=True)
class ConfigModule:
    """One module of the configuration (the root, or the module a ``module`` block calls)."""

    resources: dict[tuple[str, str, str], ConfigResource]  # (mode, type, name) -> block
    calls: dict[str, tuple[dict[str, Expression], ConfigModule]]  # call name -> (its arguments, the module)
    outputs: dict[str, Expression]


@dataclass(frozen=True, slots=True)
class Instance:
    """One resource instance of the plan, as it will be after apply.

    Attributes:
        address: its absolute address (``module.data.aws_s3_bucket.store["claims"]``).
        module: the module instance it is in (``module.data``; "" for the root).
        mode: "managed" or "data".
        index: the ``count`` index or ``for_each`` key; None for a single instance.
        values: the planned values (unknown ones absent or null).
        unknown: the ``after_unknown`` structure: True where a value is known only after apply.
        actions: the planned actions (``("create",)``; ``("read",)`` for a deferred data source; ``()`` for a
            data source read at plan time).
        config: its configuration block, or None when the plan's configuration lacks it.
        provider: the provider configuration it uses: ``aws`` for the default one, ``aws.ALIAS`` for an
            aliased one (as ``providers:`` of enjoin.yaml names them).
    """

    address: str
    module: str
    mode: str
    type: str
    name: str
    index: int | str | None
    values: dict[str, Any]
    unknown: Any
    actions: tuple[str, ...]
    config: ConfigResource | None
    provider: str

    @property
    def local(self) -> str:
        """The address inside its module (``aws_s3_bucket.store["claims"]``)."""
        return self.address[len(self.module) + 1 :] if self.module else self.address


@dataclass(frozen=True, slots=True)
class Plan:
    path: Path
    format_version: str
    instances: tuple[Instance, ...]
    root: ConfigModule
    providers: dict[str, str] = field(default_factory=dict)  # provider_config key -> "aws" / "aws.ALIAS"

    @property
    def shown(self) -> str:
        return shown_path(self.path)

    def where(self, address: str | None = None, attribute: str | None = None) -> str:
        text = self.shown
        if address:
            text += f": {address}"
        if attribute:
            text += f", attribute {attribute}"
        return text

    def module_config(self, module: str) -> ConfigModule | None:
        """The configuration of a module instance (``module.a["x"].module.b``), instance keys ignored."""
        found: ConfigModule | None = self.root
        for match in _MODULE_STEP.finditer(module):
            if found is None:
                return None
            call = found.calls.get(match.group(1))
            found = call[1] if call else None
        return found


def is_plan(document: Any) -> bool:
    """Whether a parsed JSON document is a Terraform plan's JSON (its kind, recognised from its content)."""
    return (
        isinstance(document, dict)
        and "format_version" in document
        and ("planned_values" in document or "resource_changes" in document)
    )


def sniff(path: Path) -> Any | None:
    """The parsed plan when ``path`` holds a Terraform plan's JSON; None for anything else (a template)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(1)
    except OSError:
        return None  # the template loader says what is wrong with the file
    if start.strip() not in (b"{", b""):
        return None
    try:
        document = parse_json(read_text(path, DeployError, str(path), "template or plan file"))
    except (ValueError, EnjoinError):
        return None
    return document if is_plan(document) else None


def load_plan(path: Path, document: Any | None = None) -> Plan:
    """Load and check a plan (see the module docstring).

    Raises:
        DeployError: naming the plan file, the resource address and the attribute.
    """
    shown = shown_path(path)
    if document is None:
        text = read_text(path, DeployError, shown, "Terraform plan in JSON")
        try:
            document = parse_json(text)
        except json.JSONDecodeError as exc:
            raise DeployError(f"{shown}: line {exc.lineno}", "a Terraform plan in JSON", exc.msg) from None
        except ValueError as exc:
            raise DeployError(shown, "a Terraform plan in JSON", str(exc)) from None
    if not is_plan(document):
        raise DeployError(shown, "a Terraform plan in JSON (format_version and planned_values)", _outline(document))
    version = document["format_version"]
    match = _VERSION.match(version) if isinstance(version, str) else None
    if match is None or match.group(1) not in SUPPORTED_MAJORS:
        majors = ", ".join(f"{m}.x" for m in SUPPORTED_MAJORS)
        raise DeployError(f"{shown}: format_version", f"a format_version enjoin reads ({majors})", repr(version))
    reader = _Reader(path, document)
    return Plan(path, version, tuple(reader.instances()), reader.root, reader.provider_names)


def _outline(value: Any) -> str:
    if isinstance(value, dict):
        return "an object with keys " + ", ".join(sorted(map(str, value))[:8])
    return f"a JSON {type(value).__name__}"


class _Reader:
    def __init__(self, path: Path, document: dict[str, Any]) -> None:
        self.path, self.doc = path, document
        self.shown = shown_path(path)
        configuration = self._object(document.get("configuration", {}), "configuration")
        self.provider_names: dict[str, str] = {}
        providers = self._object(configuration.get("provider_config", {}), "configuration.provider_config")
        for key, provider in providers.items():
            provider = self._object(provider, f"configuration.provider_config.{key}")
            name = str(provider.get("name", key.split(".")[0]))
            alias = provider.get("alias")
            self.provider_names[key] = f"{name}.{alias}" if alias else name
        self.root = self._module(self._object(configuration.get("root_module", {}), "configuration.root_module"),
                                 "configuration.root_module")

    def fail(self, where: str, expected: str, found: Any) -> DeployError:
        return DeployError(f"{self.shown}: {where}", expected, found if isinstance(found, str) else _outline(found))

    def _object(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "a JSON object", value)
        return value

    def _list(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "a JSON array", value)
        return value

    def _expression(self, value: Any, where: str) -> Expression:
        value = self._object(value, where)
        if "constant_value" in value:
            return Expression(value["constant_value"], True)
        refs = value.get("references", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise self.fail(f"{where}.references", "a list of reference strings", refs)
        return Expression(references=tuple(refs))

    def _block(self, value: Any, where: str) -> dict[str, Any]:
        """A block expressions representation: attributes -> Expression, nested blocks -> lists or mappings."""
        block: dict[str, Any] = {}
        for key, item in self._object(value, where).items():
            at = f"{where}.{key}"
            if isinstance(item, list):
                block[key] = [self._block(b, f"{at}[{i}]") for i, b in enumerate(item)]
            elif isinstance(item, dict) and ("constant_value" in item or "references" in item or not item):
                block[key] = self._expression(item, at)
            else:
                block[key] = self._block(item, at)
        return block

    def _module(self, value: dict[str, Any], where: str) -> ConfigModule:
        resources: dict[tuple[str, str, str], ConfigResource] = {}
        for i, item in enumerate(self._list(value.get("resources", []), f"{where}.resources")):
            at = f"{where}.resources[{i}]"
            item = self._object(item, at)
            mode, rtype, name = (item.get(k) for k in ("mode", "type", "name"))
            if mode not in _MODES or not isinstance(rtype, str) or not isinstance(name, str):
                raise self.fail(at, "a resource with mode (managed or data), type and name", item)
            resources[(mode, rtype, name)] = ConfigResource(
                mode, rtype, name, str(item.get("provider_config_key", "")),
                self._block(item.get("expressions", {}), f"{at}.expressions"),
                self._expression(item["for_each_expression"], f"{at}.for_each_expression")
                if "for_each_expression" in item else None,
            )
        calls: dict[str, tuple[dict[str, Expression], ConfigModule]] = {}
        for name, call in self._object(value.get("module_calls", {}), f"{where}.module_calls").items():
            at = f"{where}.module_calls.{name}"
            call = self._object(call, at)
            arguments = {
                k: self._expression(v, f"{at}.expressions.{k}")
                for k, v in self._object(call.get("expressions", {}), f"{at}.expressions").items()
            }
            module = self._object(call.get("module", {}), f"{at}.module")
            calls[name] = (arguments, self._module(module, f"{at}.module"))
        outputs = {
            name: self._expression(self._object(out, f"{where}.outputs.{name}").get("expression", {}),
                                   f"{where}.outputs.{name}.expression")
            for name, out in self._object(value.get("outputs", {}), f"{where}.outputs").items()
        }
        return ConfigModule(resources, calls, outputs)

    def _modules(self, module: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
        """Every resource of a values representation's module tree, with where it is in the file."""
        module = self._object(module, where)
        for i, resource in enumerate(self._list(module.get("resources", []), f"{where}.resources")):
            yield self._object(resource, f"{where}.resources[{i}]"), f"{where}.resources[{i}]"
        for i, child in enumerate(self._list(module.get("child_modules", []), f"{where}.child_modules")):
            yield from self._modules(child, f"{where}.child_modules[{i}]")

    def instances(self) -> Iterator[Instance]:
        planned: dict[str, dict[str, Any]] = {}
        if "planned_values" in self.doc:
            values = self._object(self.doc["planned_values"], "planned_values")
            for resource, at in self._modules(values.get("root_module", {}), "planned_values.root_module"):
                address = self._address(resource, at)
                planned[address] = resource
        seen: set[str] = set()
        if "resource_changes" in self.doc:
            for i, change in enumerate(self._list(self.doc["resource_changes"], "resource_changes")):
                at = f"resource_changes[{i}]"
                change = self._object(change, at)
                address = self._address(change, at)
                if change.get("deposed"):
                    continue  # an old object being replaced: the current one is listed on its own
                body = self._object(change.get("change"), f"{address}, change")
                actions = body.get("actions")
                if not isinstance(actions, list) or not actions or not all(isinstance(a, str) for a in actions):
                    raise self.fail(f"{address}, change.actions", "a list of actions (create, read, ...)", actions)
                if actions == ["delete"]:
                    continue
                if change.get("mode") == "managed" and address not in planned and "planned_values" in self.doc:
                    raise self.fail(address, "the instance in planned_values too (it is created or kept)", "none")
                after = body.get("after")
                if after is None:
                    after = {}
                yield self._instance(change, address, self._object(after, f"{address}, change.after"),
                                     body.get("after_unknown", {}), tuple(actions))
                seen.add(address)
        for address, resource in planned.items():
            if address not in seen:
                values = self._object(resource.get("values", {}), f"{address}, values")
                actions = ("create",) if resource["mode"] == "managed" else ()
                yield self._instance(resource, address, values, {}, actions)
                seen.add(address)
        if "prior_state" in self.doc:
            prior = self._object(self.doc["prior_state"], "prior_state")
            values = self._object(prior.get("values", {}), "prior_state.values")
            for resource, at in self._modules(values.get("root_module", {}), "prior_state.values.root_module"):
                address = self._address(resource, at)
                if resource.get("mode") == "data" and address not in seen:
                    data = self._object(resource.get("values", {}), f"{address}, values")
                    yield self._instance(resource, address, data, {}, ())
                    seen.add(address)

    def _address(self, resource: dict[str, Any], at: str) -> str:
        address = resource.get("address")
        mode, rtype, name = (resource.get(k) for k in ("mode", "type", "name"))
        if not isinstance(address, str) or not address:
            raise self.fail(at, "a resource with an address", resource)
        if mode not in _MODES:
            raise self.fail(f"{address}, mode", "managed or data", repr(mode))
        if not isinstance(rtype, str) or not isinstance(name, str):
            raise self.fail(address, "a resource with a type and a name", resource)
        return address

    def _instance(
        self, resource: dict[str, Any], address: str, values: dict[str, Any], unknown: Any, actions: tuple[str, ...]
    ) -> Instance:
        mode, rtype, name = str(resource["mode"]), str(resource["type"]), str(resource["name"])
        index = resource.get("index")
        if index is not None and not isinstance(index, (int, str)):
            raise self.fail(f"{address}, index", "a count index or a for_each key", repr(index))
        local = ("data." if mode == "data" else "") + f"{rtype}.{name}"
        position = address.rfind(local)
        if position < 0 or (position and address[position - 1] != "."):
            raise self.fail(address, f"an address ending in {local} and its index", repr(address))
        module = address[: position - 1] if position else ""
        config_module = None
        found: ConfigModule | None = self.root
        for match in _MODULE_STEP.finditer(module):
            call = found.calls.get(match.group(1)) if found else None
            found = call[1] if call else None
        config_module = found
        config = config_module.resources.get((mode, rtype, name)) if config_module else None
        key = config.provider_key if config else ""
        provider = self.provider_names.get(key, "aws") if key else "aws"
        named = str(resource.get("provider_name", "")).rsplit("/", 1)[-1]
        if named and named != provider.split(".")[0]:
            provider = named  # another provider (random, tls...) than its configuration's key says, or none
        return Instance(address, module, mode, rtype, name, index, values, unknown, actions, config, provider)
