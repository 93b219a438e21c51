"""The classification of every CloudFormation resource type, and of the properties of the types enjoin models.

``classification.yaml`` (next to this module) is reviewed data: for each resource type, whether enjoin models it
(deploys it, reads it back and follows it in reach), whether it is inert (it cannot change who reads a holding's
data) or unmodeled (it could, and enjoin does not model it yet), with a one-line reason and, for an unmodeled
one, what it can affect. Its header comment explains the classes, the ``affects`` vocabulary and how to review a
row; ``tests/iac/test_classification.py`` holds it to cfn-lint's resource provider schemas.

This module loads and checks that file. Every mistake in it is a :class:`~enjoin.errors.DeployError` naming the
file, the line of the entry, the key, what was expected and what was found. Lookups fail closed: a type the file
does not name is unmodeled and can affect every holding; a property of a modeled type the file does not name is
unmodeled and can affect its own resource.
"""

from __future__ import annotations

import enum
import functools
import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from enjoin.errors import DeployError
from enjoin.yamlload import KeyPath, Reader, YamlDocument, load_yaml, parse_yaml


class Class(enum.Enum):
    """What enjoin does with a resource type or property."""

    # enjoin deploys it, reads it back, and reach uses it.
    MODELED = "modeled"
    # It cannot change who can read any holding's data: enjoin lists it and leaves it out.
    INERT = "inert"
    # It could change who can read data and enjoin does not model it yet: the holdings it can affect are in doubt.
    UNMODELED = "unmodeled"


# What an unmodeled construct can affect, bounded by what it refers to (see the data file's header comment).
AFFECTS = frozenset({"roles", "function_roles", "users", "buckets", "tables", "keys", "service_token", "self", "all"})

# The pattern entry that stands for every ``Custom::Name`` type and for AWS::CloudFormation::CustomResource.
CUSTOM_PATTERN = "Custom::*"
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"

_FILE = "classification.yaml"
_TYPE_NAME = re.compile(r"([A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9_@-]+)\Z")
_TYPE_KEYS = ("class", "reason", "affects", "properties")
_PROPERTY_KEYS = ("class", "reason", "affects")
_CLASSES = tuple(c.value for c in Class)
_VOCABULARY = tuple(sorted(AFFECTS))


@dataclass(frozen=True, slots=True)
class Entry:
    """The classification of one resource type or property.

    Attributes:
        klass: modeled, inert or unmodeled.
        reason: one line: for inert, why it cannot change who reads data; for unmodeled, how it could.
        affects: what an unmodeled construct can affect (a subset of :data:`AFFECTS`); empty unless unmodeled.
        named: False for the fail-closed default of a type or property the file does not name.
    """

    klass: Class
    reason: str
    affects: frozenset[str]
    named: bool


_UNNAMED_TYPE = Entry(Class.UNMODELED, "enjoin's classification does not name this type", frozenset({"all"}), False)
_UNNAMED_PROPERTY = Entry(
    Class.UNMODELED, "enjoin's classification does not name this property", frozenset({"self"}), False
)


@dataclass(frozen=True, slots=True)
class Classification:
    """Every classified resource type, and the properties of the modeled ones.

    Attributes:
        types: resource type (or ``Custom::*``) -> its entry.
        properties: modeled resource type -> property -> its entry.
    """

    types: Mapping[str, Entry]
    properties: Mapping[str, Mapping[str, Entry]]

    def of_type(self, rtype: str) -> Entry:
        """The entry of resource type ``rtype``.

        ``Custom::Name`` types, and AWS::CloudFormation::CustomResource when the file does not list it, take the
        ``Custom::*`` entry. A type the file does not name is unmodeled and can affect every holding.

        Args:
            rtype: a CloudFormation resource type, ``AWS::S3::Bucket``.
        """
        entry = self.types.get(rtype)
        if entry is not None:
            return entry
        if rtype.startswith("Custom::") or rtype == CUSTOM_RESOURCE:
            return self.types.get(CUSTOM_PATTERN, _UNNAMED_TYPE)
        return _UNNAMED_TYPE

    def of_property(self, rtype: str, prop: str) -> Entry:
        """The entry of top-level property ``prop`` of resource type ``rtype``.

        For a modeled type, the property's own entry, or (when the file does not name it) unmodeled, affecting
        the resource itself. For a type that is not modeled, the type's entry: none of its properties is deployed.

        Args:
            rtype: a CloudFormation resource type.
            prop: one of its top-level properties.
        """
        entry = self.of_type(rtype)
        if entry.klass is not Class.MODELED:
            return entry
        return self.properties.get(rtype, {}).get(prop, _UNNAMED_PROPERTY)


@functools.cache
def _packaged() -> Classification:
    resource = importlib.resources.files(__package__ or "enjoin.iac.cloudformation").joinpath(_FILE)
    shown = resource if isinstance(resource, Path) else Path(str(resource))
    return _classification(parse_yaml(resource.read_text(encoding="utf-8"), shown, DeployError))


def load_classification(path: Path | None = None) -> Classification:
    """Load and check a classification file.

    Args:
        path: the file; by default the one packaged with enjoin, which is read once and cached.

    Raises:
        DeployError: the file is unreadable or malformed, naming its line, the key, what was expected and what was
            found (an unknown class, a missing reason, ``affects`` missing on an unmodeled entry, present on
            another or with an unknown value, ``all`` with other values, ``properties`` under a type that is not
            modeled, an entry that is not a mapping).
    """
    if path is None:
        return _packaged()
    return _classification(load_yaml(path, DeployError))


def _classification(doc: YamlDocument) -> Classification:
    r = Reader(doc, DeployError)
    top = r.mapping((), doc.value, known=("types",), required=("types",), what="a classification file")
    table = r.mapping(("types",), top["types"], known=None, what="a mapping of resource types", nonempty=True)
    types: dict[str, Entry] = {}
    properties: dict[str, Mapping[str, Entry]] = {}
    for rtype, value in table.items():
        key: KeyPath = ("types", rtype)
        if rtype != CUSTOM_PATTERN and not _TYPE_NAME.match(rtype):
            r.fail(key, f"a resource type (Service::Family::Name, Custom::Name or {CUSTOM_PATTERN})", repr(rtype))
        fields = r.mapping(key, value, known=_TYPE_KEYS, required=("class", "reason"), what=_what("resource type"))
        entry = _entry(r, key, fields, on_property=False)
        types[rtype] = entry
        if "properties" not in fields:
            continue
        if entry.klass is not Class.MODELED:
            r.fail(
                (*key, "properties"),
                "properties only under a modeled type",
                f"properties under {_an(entry.klass.value)} type",
            )
        listed = r.mapping((*key, "properties"), fields["properties"], known=None, what="a mapping of properties")
        own: dict[str, Entry] = {}
        for prop, spec in listed.items():
            at: KeyPath = (*key, "properties", prop)
            own[prop] = _entry(
                r,
                at,
                r.mapping(at, spec, known=_PROPERTY_KEYS, required=("class", "reason"), what=_what("property")),
                on_property=True,
            )
        properties[rtype] = MappingProxyType(own)
    return Classification(MappingProxyType(types), MappingProxyType(properties))


def _an(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _what(kind: str) -> str:
    return f"a {kind} entry (a mapping with class and reason)"


def _entry(r: Reader, key: KeyPath, fields: Mapping[str, Any], *, on_property: bool) -> Entry:
    klass = Class(r.choice((*key, "class"), fields["class"], _CLASSES, what="a class"))
    reason = r.string((*key, "reason"), fields["reason"], what="a one-line reason").strip()
    if "\n" in reason:
        r.fail((*key, "reason"), "a one-line reason", "a reason of several lines")
    if klass is not Class.UNMODELED:
        if "affects" in fields:
            r.fail(
                (*key, "affects"),
                f"no affects on {_an(klass.value)} entry (affects is for unmodeled ones)",
                f"affects {fields['affects']!r}",
            )
        return Entry(klass, reason, frozenset(), True)
    if "affects" not in fields:
        r.fail(key, "affects (what it can affect) on an unmodeled entry", "no affects")
    affects = r.names(
        (*key, "affects"),
        fields["affects"],
        _VOCABULARY,
        what="a list of what it affects",
        item="a value of affects",
        nonempty=True,
    )
    if "all" in affects and len(affects) > 1:
        others = ", ".join(a for a in affects if a != "all")
        r.fail((*key, "affects"), "all alone (it already covers every holding)", f"all with {others}")
    if "self" in affects and not on_property:
        r.fail((*key, "affects"), "self only on a property (it names the property's resource)", "self on a type")
    return Entry(klass, reason, frozenset(affects), True)
