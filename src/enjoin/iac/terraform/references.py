"""Following a configuration expression's references to the resource attribute a value comes from.

The plan's JSON holds an expression's references, not its text ("Expression Representation" of the JSON
Output Format): ``bucket = aws_s3_bucket.store["claims"].id`` and ``bucket = "${aws_s3_bucket.store["claims"]
.id}-logs"`` both record ``aws_s3_bucket.store["claims"].id`` and ``aws_s3_bucket.store``. So enjoin follows
references only for an argument whose value must be the identity of a resource of a known type (the
``bucket`` of a bucket policy, the ``role`` of a role policy, a ``policy_arn``, a ``target_key_id``...), and
only when the expression, followed through input variables (``var.x`` to the calling module's argument) and
module outputs (``module.m.out`` to the output's expression), refers to exactly one attribute of one resource
and to nothing else. ``each.value.<attribute>`` of an instance whose ``for_each`` is another resource's
instances (``for_each = aws_s3_bucket.store``, the idiom of the split bucket resources) is that resource's
instance of the same key: followed only when the for_each refers to that one resource and nothing else, and both
have the same keys (a ``for`` expression that renamed the keys would give other keys; one that swapped them
cannot be told from the plan, which records references, not the expression's text). Anything else (a policy
document with a value known only after apply) is not resolved:
the caller makes the holdings it can affect INDETERMINATE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from enjoin.iac.terraform.plan import ConfigModule, Expression, Instance, Plan

# The references Terraform adds for a for_each or count instance's own key: they select, they add no value.
_REPETITION = ("each.key", "each.value", "count.index")
_RESOURCE = re.compile(
    r"(?P<res>(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)(?P<key>\[[^\]]+\])?(?:\.(?P<attr>[a-z_][\w]*))?"
)
_MAX_STEPS = 64


@dataclass(frozen=True, slots=True)
class Target:
    """The resource instance and attribute a value is."""

    address: str
    attribute: str  # "" when the reference records none (through a dynamic key: aws_s3_bucket.x[each.key])


def expression_at(instance: Instance, path: tuple[str | int, ...]) -> Expression | None:
    """The expression of an attribute (``("rule", 0, "kms_master_key_id")``) in the instance's configuration: the
    attribute's own, or the one of the attribute that holds it (``users`` for ``("users", 1)``)."""
    node: object = instance.config.expressions if instance.config else None
    for step in path:
        if isinstance(node, Expression):
            return node
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int):
            node = node[step] if step < len(node) else None
        else:
            return None
    return node if isinstance(node, Expression) else None


def configured(instance: Instance, path: tuple[str | int, ...]) -> bool:
    """Whether the instance's configuration sets the attribute or block at ``path`` (or the one holding it)."""
    node: object = instance.config.expressions if instance.config else None
    for step in path:
        if isinstance(node, Expression):
            return True
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int):
            node = node[step] if step < len(node) else None
        else:
            return False
    return node is not None


def specific(references: tuple[str, ...]) -> list[str]:
    """The references with the implied shorter ones (``a.b`` implied by ``a.b.c``) and repetition keys removed."""
    refs = [r for r in references if r not in _REPETITION]
    return [r for r in refs if not any(o != r and (o.startswith(r + ".") or o.startswith(r + "[")) for o in refs)]


def follow(plan: Plan, instance: Instance, path: tuple[str | int, ...]) -> Target | None:
    """The one resource attribute the instance's attribute at ``path`` is, or None (see the module docstring)."""
    expression = expression_at(instance, path)
    if expression is None or expression.has_constant:
        return None
    each = _each_value(plan, instance, expression)
    if each is not None:
        return each
    return _follow(plan, instance.module, expression, instance.index, _MAX_STEPS)


def _each_value(plan: Plan, instance: Instance, expression: Expression) -> Target | None:
    """``each.value.<attribute>`` where the instance's for_each is exactly another resource's instances."""
    refs = [r for r in specific(expression.references) if r != "each.key"]
    for_each = instance.config.for_each if instance.config else None
    if len(refs) != 1 or not refs[0].startswith("each.value.") or for_each is None:
        return None
    if not isinstance(instance.index, str):
        return None
    attribute = refs[0][len("each.value."):]
    over = specific(for_each.references)
    match = _RESOURCE.fullmatch(over[0]) if len(over) == 1 and not for_each.has_constant else None
    if match is None or match.group("key") or match.group("attr") or not re.fullmatch(r"[a-z_]\w*", attribute):
        return None
    prefix = f"{instance.module}." if instance.module else ""
    source, consumer = prefix + match.group("res"), instance.address.rsplit("[", 1)[0]
    keys, mine = _keys(plan, source), _keys(plan, consumer)
    if keys != mine or instance.index not in keys:
        return None
    return Target(f"{source}[{_key(instance.index)}]", attribute)


def _follow(plan: Plan, module: str, expression: Expression, index: int | str | None, steps: int) -> Target | None:
    refs = specific(expression.references)
    if len(refs) != 1 or steps <= 0:
        return None
    ref = refs[0]
    if ref.startswith("var."):
        return _variable(plan, module, ref[4:], index, steps)
    if ref.startswith("module."):
        parts = ref.split(".")
        if len(parts) != 3:
            return None
        child = f"{module}.module.{parts[1]}" if module else f"module.{parts[1]}"
        config = plan.module_config(child)
        output = config.outputs.get(parts[2]) if config else None
        return _follow(plan, child, output, None, steps - 1) if output else None
    match = _RESOURCE.fullmatch(ref)
    if match is None:
        return None
    local = match.group("res") + (match.group("key") or "")
    if not match.group("key") and index is not None and any(r in expression.references for r in _REPETITION):
        local += f"[{_key(index)}]"
    address = f"{module}.{local}" if module else local
    if not any(i.address == address for i in plan.instances):
        return None
    return Target(address, match.group("attr") or "")


def _keys(plan: Plan, resource: str) -> set[int | str | None]:
    """The instance keys of a resource (its address without a key)."""
    return {i.index for i in plan.instances if i.address.startswith(resource + "[") and
            i.address.rsplit("[", 1)[0] == resource}


def _variable(plan: Plan, module: str, name: str, index: int | str | None, steps: int) -> Target | None:
    if not module:
        return None  # a root variable is a value given to the plan: known, or not a resource's attribute
    cut = module.rfind(".module.")
    parent = module[:cut] if cut >= 0 else ""
    call = module[cut + 1 :] if cut >= 0 else module
    call_name = call.split(".")[1].split("[")[0]
    parent_config: ConfigModule | None = plan.module_config(parent)
    argument = parent_config.calls.get(call_name, ({}, None))[0].get(name) if parent_config else None
    return _follow(plan, parent, argument, None, steps - 1) if argument else None


def _key(index: int | str) -> str:
    return str(index) if isinstance(index, int) else '"' + index.replace("\\", "\\\\").replace('"', '\\"') + '"'
