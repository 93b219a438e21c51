"""Read-only calls as the inventory makes them: every failure an InventoryError, "not configured" None.

The same code reads moto (in process or a server) and a live account, so absent configuration is
recognised by the error code AWS answers with (NoSuchBucketPolicy, ...): the resource simply has
none. Any other error (AccessDenied, throttling past the retries) is an InventoryError: a snapshot
with a hole would let the judgment call something unreachable that is not.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.errors import EnjoinError, InventoryError
from enjoin.snapshot import Construct, Document

# Error codes with which a service says "this resource has no such configuration".
ABSENT = frozenset(
    {
        "NoSuchBucketPolicy",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "OwnershipControlsNotFoundError",
        "NoSuchTagSet",
        "ReplicationConfigurationNotFoundError",
        "NoSuchAccessPointPolicy",
        "NoSuchWebsiteConfiguration",
    }
)


# Error codes with which a service refuses the caller (IAM, an SCP or a resource policy denies the read). S3 and
# KMS answer AccessDenied / AccessDeniedException, EC2 UnauthorizedOperation, STS-signed query APIs AccessDenied.
DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"}
)


class ReadDenied(InventoryError):
    """A read the backend refused: where the inventory can bound what it bears on, it becomes a gap
    (:func:`gap`); elsewhere it fails the inventory as any other error does."""


def _failure(where: str, exc: Exception) -> InventoryError:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        kind = ReadDenied if error.get("Code") in DENIED else InventoryError
        return kind(where, "a successful read-only call", f"{error.get('Code')}: {error.get('Message')}")
    if isinstance(exc, BotoCoreError):
        return InventoryError(where, "a reachable backend", str(exc))
    return InventoryError(where, "a successful read-only call", f"{type(exc).__name__}: {exc}")


def call(where: str, fn: Any, **kwargs: Any) -> Any:
    """A read that must succeed."""
    try:
        return fn(**kwargs)
    except EnjoinError:
        raise  # enjoin's own (the live backend's read-only guard refusing an operation): as it is
    except Exception as exc:  # ClientError, BotoCoreError, and in-process moto's own exceptions
        raise _failure(where, exc) from None


def optional(where: str, fn: Any, absent: frozenset[str] = ABSENT, **kwargs: Any) -> Any | None:
    """A read whose "not configured" answer (an error code in ``absent``) is None."""
    try:
        return fn(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in absent:
            return None
        raise _failure(where, exc) from None
    except EnjoinError:
        raise
    except Exception as exc:  # BotoCoreError, and in-process moto's own exceptions
        raise _failure(where, exc) from None


def pages(
    where: str, fn: Any, items: str, token: str = "NextToken", marker: str | None = None, **kwargs: Any
) -> list[Any]:
    """Every item of a paginated listing.

    Args:
        items: the response key of the items.
        token: the response key of the cursor.
        marker: the request parameter that takes it back (``token`` when the same: NextToken).
    """
    out: list[Any] = []
    cursor: str | None = None
    while True:
        page = call(where, fn, **kwargs, **({marker or token: cursor} if cursor else {}))
        out.extend(page.get(items, []))
        cursor = page.get(token)
        if not cursor:
            return out


def document(value: Any, where: str) -> Document:
    """A policy document as a dict, from what the API returned (a dict, JSON text or URL-encoded JSON)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for text in (value, urllib.parse.unquote(value)):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(parsed, dict):
                return parsed
    raise InventoryError(where, "a policy document in JSON", repr(value)[:200])


def tags(entries: Any) -> dict[str, str]:
    """An API tag list [{Key, Value}] as a dict."""
    return {str(t["Key"]): str(t["Value"]) for t in entries or []}


def lambda_principal(found: Any) -> Any:
    """A Lambda function policy's Principal in AWS's form.

    AWS writes an account principal as ``{"AWS": "arn:aws:iam::<id>:root"}`` and a service as
    ``{"Service": ...}``; moto 5.2.1 leaves an account id (or an ARN) as a bare string, which is not
    policy grammar. A live account never returns a bare string other than ``"*"``, so this changes
    nothing there.
    """
    if not isinstance(found, str) or found == "*":
        return found
    if found.endswith(".amazonaws.com"):
        return {"Service": found}
    if found.isdigit():
        return {"AWS": f"arn:aws:iam::{found}:root"}
    return {"AWS": found}


def gap(denied: ReadDenied, account: str, operation: str, resource: str, **affects: tuple[str, ...]) -> Construct:
    """A read the backend refused, as the snapshot records it: the holdings it bears on become INDETERMINATE.

    ``operation`` is the API call (``s3:GetBucketPolicy``); ``affects`` what it bears on, in the terms of a
    construct (``buckets=("b",)``, ``keys=(arn,)``, ``roles=(...)``, ``tables=("*",)``; an empty tuple: nothing
    of that kind); no ``affects`` at all means every holding (``unbounded``).
    """
    kinds = tuple(affects)
    return Construct(
        where=denied.where,
        file="",
        line=0,
        resource=resource,
        type=operation,
        prop=None,
        klass="gap",
        reason=f"the read was refused ({denied.found})",
        account=account,
        affects=kinds,
        unbounded="" if kinds else f"{operation} on {resource} bears on every holding",
        **{k: tuple(v) for k, v in affects.items()},
    )
