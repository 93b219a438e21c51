"""The classification of the AWS provider's resource types, and of the arguments of the types enjoin translates.

``classification.yaml`` (next to this module) is reviewed data, the Terraform twin of the CloudFormation file: per
type ``modeled`` (translated into the CloudFormation resource or property it names), ``inert`` (cannot change who
reads a holding) or ``unmodeled`` (could, and is not translated yet), each with a reason. Lookups fail closed: a
managed type the file does not name is unmodeled and affects every holding; an argument of a modeled type the
file does not name is unmodeled when it has a value, and affects the resource's own holdings.

Every mistake in the file is a :class:`~enjoin.errors.DeployError` naming the file, the line and the key.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import AFFECTS, Class
from enjoin.yamlload import KeyPath, YamlDocument, parse_yaml

_FILE = "classification.yaml"
_TYPE_KEYS = frozenset({"class", "reason", "affects", "cloudformation", "merge", "applied", "attributes"})
_MERGE_KEYS = frozenset({"into", "by", "property", "value"})
_ATTRIBUTE_KEYS = frozenset({"class", "reason"})


@dataclass(frozen=True, slots=True)
class Merge:
    """A resource translated into a property of another: ``into`` the type found ``by`` an argument."""

    into: str  # the Terraform type of the resource it configures (aws_s3_bucket)
    by: str  # the argument naming it (bucket)
    property: str  # the CloudFormation property it sets there (PublicAccessBlockConfiguration)
    value: str | None = None  # the argument whose value is added (policy_arn); None: built from the resource


@dataclass(frozen=True, slots=True)
class TypeEntry:
    klass: Class
    reason: str
    affects: frozenset[str] = frozenset()
    cloudformation: str | None = None
    merge: Merge | None = None
    # A type CloudFormation has no resource for, applied by deploy through the API call it names after the stack
    # (aws_kms_grant: kms:CreateGrant); see enjoin.iac.terraform.applied.
    applied: str | None = None
    attributes: Mapping[str, tuple[Class, str]] = field(default_factory=dict)
    named: bool = True


_UNNAMED = TypeEntry(Class.UNMODELED, "enjoin's Terraform classification does not name this type", frozenset({"all"}),
                     named=False)
_DATA = TypeEntry(Class.INERT, "a data source reads; it creates and changes nothing")


@dataclass(frozen=True, slots=True)
class TerraformClassification:
    types: Mapping[str, TypeEntry]

    def of(self, mode: str, rtype: str) -> TypeEntry:
        if mode == "data":
            return _DATA
        return self.types.get(rtype, _UNNAMED)


@functools.cache
def load_terraform_classification() -> TerraformClassification:
    """The packaged classification, read once."""
    resource = importlib.resources.files(__package__ or "enjoin.iac.terraform").joinpath(_FILE)
    shown = resource if isinstance(resource, Path) else Path(str(resource))
    return classification_of(parse_yaml(resource.read_text(encoding="utf-8"), shown, DeployError))


def classification_of(doc: YamlDocument) -> TerraformClassification:
    """Check a parsed classification file (see the module docstring)."""

    def fail(key: KeyPath, expected: str, found: object) -> DeployError:
        return DeployError(doc.where(key), expected, repr(found))

    if not isinstance(doc.value, dict) or not isinstance(doc.value.get("types"), dict):
        raise fail((), "a mapping with types:", doc.value)
    types: dict[str, TypeEntry] = {}
    for name, row in doc.value["types"].items():
        key: KeyPath = ("types", name)
        if not isinstance(name, str) or not name.startswith("aws_"):
            raise fail(key, "an AWS provider resource type (aws_...)", name)
        if not isinstance(row, dict) or set(row) - _TYPE_KEYS:
            raise fail(key, f"a mapping of {sorted(_TYPE_KEYS)}", row)
        try:
            klass = Class(row.get("class"))
        except ValueError:
            raise fail((*key, "class"), "modeled, inert or unmodeled", row.get("class")) from None
        reason = row.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise fail((*key, "reason"), "a one-line reason", reason)
        affects = row.get("affects", [])
        if not isinstance(affects, list) or not set(affects) <= AFFECTS:
            raise fail((*key, "affects"), f"a list of {sorted(AFFECTS)}", affects)
        if (klass is Class.INERT) == bool(affects):
            raise fail((*key, "affects"), "affects on a modeled or unmodeled type, and only there", affects)
        target, merge, attributes = row.get("cloudformation"), row.get("merge"), row.get("attributes", {})
        applied = row.get("applied")
        if klass is Class.MODELED:
            if [target, merge, applied].count(None) != 2:
                raise fail(key, "a modeled type with one of cloudformation:, merge: or applied:", row)
            if not isinstance(attributes, dict) or not attributes:
                raise fail((*key, "attributes"), "the type's arguments, each classified", attributes)
        elif target is not None or merge is not None or applied is not None or attributes:
            raise fail(key, "cloudformation:, merge:, applied: and attributes: on a modeled type only", row)
        merged = None
        if merge is not None:
            if not isinstance(merge, dict) or set(merge) - _MERGE_KEYS or not {"into", "by", "property"} <= set(merge):
                raise fail((*key, "merge"), "into, by, property and maybe value", merge)
            merged = Merge(str(merge["into"]), str(merge["by"]), str(merge["property"]),
                           str(merge["value"]) if merge.get("value") else None)
        classified: dict[str, tuple[Class, str]] = {}
        for attr, entry in attributes.items():
            at: KeyPath = (*key, "attributes", attr)
            if not isinstance(entry, dict) or set(entry) != _ATTRIBUTE_KEYS:
                raise fail(at, "{class, reason}", entry)
            # unmodeled: the argument of a modeled type whose CloudFormation twin is unmodeled, with its reason
            if entry["class"] not in ("modeled", "inert", "unmodeled") or not str(entry["reason"]).strip():
                raise fail(at, "class modeled, inert or unmodeled with a reason", entry)
            classified[str(attr)] = (Class(entry["class"]), str(entry["reason"]))
        types[name] = TypeEntry(klass, reason.strip(), frozenset(affects), target, merged,
                                str(applied) if applied is not None else None, classified)
    for name, entry in types.items():
        if entry.merge is not None and types.get(entry.merge.into, _UNNAMED).cloudformation is None:
            raise fail(("types", name, "merge", "into"), "a modeled type translated into a resource", entry.merge.into)
    return TerraformClassification(types)
