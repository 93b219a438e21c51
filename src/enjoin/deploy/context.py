"""One deployed resource as the appliers and the verifiers see it, and the helpers they share.

:mod:`enjoin.deploy.fixups` applies a resource's template properties through the ordinary APIs,
:mod:`enjoin.deploy.verify` reads them back and compares; the modules for further services
(:mod:`enjoin.deploy.lake`, :mod:`enjoin.deploy.compute`) do both for theirs. Each gets an
:class:`ApplyContext` or a :class:`VerifyContext`: the resource's resolved properties, its physical
id, clients in the stack's account and region, and the way to name a failure (template, resource,
property).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ParamValidationError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.types import tags_of

if TYPE_CHECKING:
    from enjoin.deploy.stack import DeployedStack


class ApplyContext:
    """One resource being applied: its properties, physical id and clients."""

    def __init__(self, backend: Backend, stack: DeployedStack, logical_id: str) -> None:
        self.backend, self.stack, self.logical_id = backend, stack, logical_id
        self.props: dict[str, Any] = stack.properties[logical_id]
        self.physical_id = stack.resources[logical_id]

    def client(self, service: str) -> Any:
        return self.backend.client(service, self.stack.account, self.stack.region)

    def fail(self, prop: str, found: str) -> DeployError:
        return DeployError(
            self.stack.template.where(self.logical_id, prop),
            "the property applied as the template gives it",
            found,
        )

    def call(self, prop: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """A write (or a read it needs); a refusal is a DeployError naming ``prop``."""
        try:
            return fn(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            found = f"{error.get('Code')}: {error.get('Message')}"
        except NotImplementedError as exc:  # in-process moto: an API it does not implement
            found = f"the backend does not implement it ({exc})"
        except ParamValidationError as exc:  # a value the service's API does not take as written
            found = f"a value the API refuses: {exc}"
        raise self.fail(prop, found)

    def exists(self, fn: Callable[..., Any], absent: frozenset[str], **kwargs: Any) -> Any | None:
        """A read whose error codes in ``absent`` mean "no such thing yet"; None then."""
        try:
            return fn(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in absent:
                return None
            raise


class VerifyContext:
    """One resource being verified against its template properties."""

    def __init__(self, backend: Backend, stack: DeployedStack, logical_id: str) -> None:
        self.backend, self.stack, self.logical_id = backend, stack, logical_id
        self.props: dict[str, Any] = stack.properties[logical_id]
        self.physical_id = stack.resources[logical_id]
        self.type = stack.types[logical_id]

    def client(self, service: str) -> Any:
        return self.backend.client(service, self.stack.account, self.stack.region)

    def fail(self, prop: str, expected: Any, found: Any) -> DeployError:
        return DeployError(
            self.stack.template.where(self.logical_id, prop),
            f"as the template gives it: {short(expected)}",
            f"deployed: {short(found)}",
        )

    def read(self, prop: str, fn: Any, **kwargs: Any) -> Any:
        """A read call; a missing resource or configuration is a failure of ``prop``."""
        try:
            return fn(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise self.fail(prop, "present", f"{error.get('Code')}: {error.get('Message')}") from None

    def equal(self, prop: str, expected: Any, found: Any) -> None:
        if canon(expected) != canon(found):
            raise self.fail(prop, expected, found)

    def document(self, prop: str, expected: Any, found: Any) -> None:
        parsed = parse_document(found)
        if parsed is None or canon(versioned(expected)) != canon(parsed):
            raise self.fail(prop, expected, found)

    def contains(self, prop: str, expected: Any, found: set[str]) -> None:
        missing = {str(x) for x in expected or []} - found
        if missing:
            raise self.fail(prop, sorted(missing), sorted(found))

    def subset(self, prop: str, expected: Any, found: Any) -> None:
        """Every key the template gives (recursively in mappings) is read back with its value.

        For API structures the service fills with defaults of its own (a Glue table's
        ``StorageDescriptor`` gains ``Compressed: false``...): what the template says must be there.
        """
        if not _contains(canon(expected), canon(found)):
            raise self.fail(prop, expected, found)

    def tags(self, expected: Any, found: Mapping[str, str]) -> None:
        # CloudFormation adds its own aws:* tags on some resources; the template's must be exactly there.
        self.equal("Tags", tags_of(expected), {k: v for k, v in found.items() if not k.startswith("aws:")})


def _contains(expected: Any, found: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(found, dict) and all(k in found and _contains(v, found[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(found, list)
            and len(expected) == len(found)
            and all(_contains(e, f) for e, f in zip(expected, found, strict=True))
        )
    return bool(expected == found)


def canon(value: Any) -> Any:
    """A value as JSON would carry it (tuples become lists, keys sorted), for comparisons."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def parse_document(found: Any) -> Any:
    """A policy document read back (a dict or JSON text) as a dict; None when it is neither."""
    if isinstance(found, dict):
        return found
    if isinstance(found, str):
        try:
            return json.loads(found)
        except json.JSONDecodeError:
            return None  # e.g. moto's Python repr of a policy it stored as an object
    return None


def doc(value: Any) -> str:
    """A policy document as the APIs take it: JSON text (see :func:`versioned`)."""
    return value if isinstance(value, str) else json.dumps(versioned(value))


def versioned(document: Any) -> Any:
    """A policy document without a ``Version`` given the current one, when that changes nothing it means.

    IAM reads a document without a Version as version 2008-10-17, which differs from 2012-10-17 only in
    not replacing policy variables (IAM User Guide, "IAM JSON policy elements: Version"); SAM's policy
    templates write no Version, and moto refuses such a document. So a document with no ``${`` in it is
    applied as 2012-10-17, which IAM evaluates identically; one with a variable is applied as written.
    """
    if isinstance(document, dict) and "Version" not in document and "${" not in json.dumps(document):
        return {"Version": "2012-10-17", **document}
    return document


def true(value: Any) -> bool:
    """A CloudFormation boolean (true, "true", "True") as a bool."""
    return value is True or str(value).lower() == "true"


def tag_list(tags: Any) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags_of(tags).items()]
