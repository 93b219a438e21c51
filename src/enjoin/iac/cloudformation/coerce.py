"""Property values as CloudFormation hands them to a service: converted to the types the schema gives.

CloudFormation accepts ``"512"`` for an integer property and ``"true"`` for a boolean one (YAML and
parameters make strings of both), and converts them following the resource type's schema before it calls
the service. enjoin applies modeled properties through the services' APIs itself, whose clients check
types, so it converts the same way, from the same schemas (cfn-lint's copy of the CloudFormation resource
provider schemas). A value that does not convert is left as it is (cfn-lint has refused a template with a
value of the wrong type already).
"""

from __future__ import annotations

import functools
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]  # cfn-lint ships no stubs

_MAX_DEPTH = 32


@functools.cache
def _schema(region: str, rtype: str) -> dict[str, Any] | None:
    try:
        schema: dict[str, Any] = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, rtype).schema
    except Exception:  # an unknown type: nothing to convert by
        return None
    return schema


def coerce_properties(rtype: str, props: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """``props`` with each integer, number and boolean given as a string converted, as CloudFormation does."""
    schema = _schema(region, rtype)
    if schema is None:
        return props
    converted = _coerce(props, {"properties": schema.get("properties", {})}, schema, 0)
    return converted if isinstance(converted, dict) else props


def _resolve(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    for _ in range(_MAX_DEPTH):
        if not isinstance(node, dict) or "$ref" not in node:
            break
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node if isinstance(node, dict) else {}


def _types(node: dict[str, Any]) -> set[str]:
    kinds = node.get("type")
    return set(kinds) if isinstance(kinds, list) else {kinds} if isinstance(kinds, str) else set()


def _coerce(value: Any, node: Any, root: dict[str, Any], depth: int) -> Any:
    node = _resolve(node, root)
    if depth > _MAX_DEPTH or not node:
        return value
    kinds = _types(node)
    if isinstance(value, str) and "string" not in kinds:
        text = value.strip()
        if "boolean" in kinds and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if "integer" in kinds:
            try:
                return int(text)
            except ValueError:
                pass
        if "number" in kinds:
            try:
                number = float(text)
                return int(number) if number.is_integer() and "." not in text else number
            except ValueError:
                pass
        return value
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        return {k: _coerce(v, properties.get(k, {}), root, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_coerce(v, node.get("items", {}), root, depth + 1) for v in value]
    return value
