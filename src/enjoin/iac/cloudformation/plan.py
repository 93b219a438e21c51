"""What of a template enjoin deploys, and what it only declares: the classification applied to one stack.

Every resource of a template (its conditions already chosen: :func:`~enjoin.iac.cloudformation.template.
chosen_template`) is looked up in the classification (:mod:`enjoin.iac.cloudformation.classification`):

- a resource of a ``modeled`` type is deployed with its ``modeled`` properties; each of its ``inert``
  properties is left out and listed, each of its ``unmodeled`` ones left out and listed with what it can
  affect (so a bucket with an unmodeled property is still deployed, and only its own holdings are in doubt);
- a resource of an ``inert`` type is not deployed, and is listed;
- a resource of an ``unmodeled`` type (or of a type the classification does not name) is not deployed,
  and is listed with what it can affect.

Some modeled properties are modeled only in part (a replication rule's keys, a Lake Formation grant's
resource kinds): the part enjoin cannot apply and verify makes that property unmodeled, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class, Classification
from enjoin.iac.cloudformation.template import CfnTemplate
from enjoin.iac.cloudformation.types import SUPPORTED

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True, slots=True)
class Declared:
    """A resource or property the template declares that enjoin does not deploy.

    Attributes:
        logical_id: the resource.
        rtype: its type.
        prop: the property (dotted below the top level), or None for the whole resource.
        klass: INERT or UNMODELED.
        reason: the classification's reason (or what enjoin could not apply).
        affects: for UNMODELED, what it can affect (see the classification file).
    """

    logical_id: str
    rtype: str
    prop: str | None
    klass: Class
    reason: str
    affects: frozenset[str]


@dataclass(frozen=True, slots=True)
class TemplatePlan:
    """One template, classified.

    Attributes:
        template: the template, conditions chosen.
        modeled: logical id -> the properties enjoin deploys, for each resource of a modeled type.
        declared: what is left out, in template order.
    """

    template: CfnTemplate
    modeled: dict[str, frozenset[str]]
    declared: tuple[Declared, ...]

    def is_modeled(self, logical_id: str) -> bool:
        return logical_id in self.modeled


# Checks of the parts of a modeled property: each raises DeployError naming what it cannot apply. With
# ``whole`` True the resource cannot be deployed without that property, and all of it is left out.
@dataclass(frozen=True, slots=True)
class PartCheck:
    check: Callable[[Any, str], object]
    whole: bool = False


def plan_template(
    template: CfnTemplate,
    classification: Classification,
    part_checks: Mapping[tuple[str, str], PartCheck] | None = None,
) -> TemplatePlan:
    """Classify every resource and property of ``template`` (see the module docstring)."""
    modeled: dict[str, frozenset[str]] = {}
    declared: list[Declared] = []
    for logical_id, resource in template.resources.items():
        rtype = str(resource["Type"])
        entry = classification.of_type(rtype)
        if entry.klass is not Class.MODELED or rtype not in SUPPORTED:
            klass = Class.UNMODELED if entry.klass is Class.MODELED else entry.klass
            reason = entry.reason if entry.klass is not Class.MODELED else "enjoin cannot deploy this type yet"
            affects = entry.affects if entry.klass is not Class.MODELED else frozenset({"self"})
            declared.append(Declared(logical_id, rtype, None, klass, reason, affects))
            continue
        props = resource.get("Properties") or {}
        kept: set[str] = set()
        left_out: list[Declared] = []
        whole: Declared | None = None
        for prop, value in props.items():
            prop_entry = classification.of_property(rtype, prop)
            if prop_entry.klass is not Class.MODELED:
                left_out.append(
                    Declared(logical_id, rtype, prop, prop_entry.klass, prop_entry.reason, prop_entry.affects)
                )
                continue
            part = (part_checks or {}).get((rtype, prop))
            if part is not None:
                try:
                    part.check(value, template.where(logical_id, prop))
                except DeployError as exc:
                    doubt = Declared(
                        logical_id,
                        rtype,
                        prop,
                        Class.UNMODELED,
                        f"enjoin cannot apply this part yet: expected {exc.expected}; found {exc.found}",
                        frozenset({"self"}),
                    )
                    if part.whole:
                        whole = doubt
                    left_out.append(doubt)
                    continue
            kept.add(prop)
        if whole is not None:  # the resource cannot be deployed without it: all of it is left out
            declared.append(Declared(logical_id, rtype, None, Class.UNMODELED, whole.reason, whole.affects))
            continue
        declared.extend(left_out)
        modeled[logical_id] = frozenset(kept)
    return TemplatePlan(template, modeled, tuple(declared))


def references(value: Any) -> Iterator[tuple[str, str | None]]:
    """The (logical id, attribute or None) pairs a value refers to by Ref, Fn::GetAtt and ``${...}``.

    Names that are parameters or pseudo parameters come out too: the caller keeps the resources'.
    """
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((key, args),) = value.items()
        if key == "Ref" and isinstance(args, str):
            yield args, None
            return
        if key == "Fn::GetAtt":
            parts = args.split(".", 1) if isinstance(args, str) else args
            if isinstance(parts, list) and parts and isinstance(parts[0], str):
                yield parts[0], str(parts[1]) if len(parts) > 1 and isinstance(parts[1], str) else None
            return
        if key == "Fn::Sub":
            text, variables = (args[0], args[1]) if isinstance(args, list) and len(args) == 2 else (args, {})
            own = set(variables) if isinstance(variables, dict) else set()
            if isinstance(text, str):
                for match in _SUB_VAR.finditer(text):
                    name, _, attr = match.group(1).partition(".")
                    if name not in own:
                        yield name, attr or None
            yield from references(variables)
            return
    for item in value.values():
        yield from references(item)
