"""The live backend's read-only guard: a client refuses every operation not on a reviewed allow-list.

The allow-list is data (``read_operations.yaml`` beside this module): one row per (service, operation) the
inventory calls, with the IAM action that authorises it, whose credentials call it, and why it reads no data.
Name prefixes would not do: some Get operations return the data itself (s3 GetObject, secretsmanager
GetSecretValue), and enjoin must never read data, nor change anything, in a live account.

How the guard works. botocore emits, for every operation a client makes (a method call, a paginator's page,
a waiter's poll) and for every presigned URL or POST it generates, ``provide-client-params.<service>.<operation>``
first of all events, then ``before-parameter-build``, both before the parameters are validated, the request
is serialised, its endpoint resolved or it is signed (``BaseClient._make_api_call`` and ``_emit_api_params`` in
botocore's client.py; ``generate_presigned_url`` and ``generate_presigned_post`` in signers.py call the same
``_emit_api_params``). :func:`guard` registers its check first on each operation's own
``provide-client-params`` event, so no other handler of that client runs before it, and once more on its
``before-call`` event, the last before the request is signed and sent. A refused operation raises
:class:`ReadOnlyRefused`; nothing was serialised, signed or sent. No setting of enjoin.yaml, no option and no
environment variable turns the guard off: the live backend installs it on every client it makes, its own STS
clients included.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from enjoin.errors import BackendError

ALLOW_LIST = "read_operations.yaml"
_ROW_KEYS = ("service", "operation", "action", "role", "reason")
ROLES = ("caller", "account", "organization")
_PACKAGE = Path(__file__).resolve().parents[1]  # src/enjoin
_BACKENDS = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class ReadOperation:
    """One allowed operation (a row of ``read_operations.yaml``)."""

    service: str  # botocore's service name: "s3control"
    operation: str  # the service model's operation name: "GetAccessPointPolicy"
    action: str  # the IAM action that authorises it: "s3:GetAccessPointPolicy"; "" when none is needed
    role: str  # whose credentials call it: caller, account or organization
    reason: str


class ReadOnlyRefused(BackendError):
    """A live-backend client was asked for an operation that is not on the read-only allow-list."""

    def __init__(self, service: str, operation: str, asked_by: str) -> None:
        super().__init__(
            f"live backend: {service} {operation}, asked by {asked_by}",
            f"an operation on enjoin's read-only allow-list (enjoin/backends/{ALLOW_LIST})",
            f"{service} {operation}, which is not on it: refused before any request was made "
            "(enjoin neither changes nor reads the data of a live account)",
        )
        self.service = service
        self.operation = operation
        self.asked_by = asked_by


@functools.cache
def allowed_operations() -> tuple[ReadOperation, ...]:
    """The rows of the allow-list, as the package ships them.

    Raises:
        BackendError: the shipped file is malformed (a packaging fault: the guard cannot be built without it).
    """
    text = resources.files("enjoin.backends").joinpath(ALLOW_LIST).read_text(encoding="utf-8")
    where = f"enjoin/backends/{ALLOW_LIST}"
    data = yaml.safe_load(text)
    rows = data.get("operations") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise BackendError(where, "a mapping with a non-empty list `operations`", type(data).__name__)
    out: list[ReadOperation] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) != set(_ROW_KEYS):
            found = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise BackendError(f"{where}: operations[{index}]", f"exactly the keys {', '.join(_ROW_KEYS)}", str(found))
        values = {k: row[k] for k in _ROW_KEYS}
        if not all(isinstance(v, str) for v in values.values()) or values["role"] not in ROLES:
            raise BackendError(f"{where}: operations[{index}]", f"strings, role one of {', '.join(ROLES)}", str(row))
        out.append(ReadOperation(**values))
    return tuple(out)


@functools.cache
def _allowed_pairs() -> frozenset[tuple[str, str]]:
    return frozenset((op.service, op.operation) for op in allowed_operations())


def is_allowed(service: str, operation: str) -> bool:
    """Whether ``service``'s ``operation`` is on the allow-list."""
    return (service, operation) in _allowed_pairs()


def asked_by() -> str:
    """The first frame of the call stack inside enjoin but outside its backends: the code that asked.

    Shown relative to the package's parent (``enjoin/inventory_s3.py:39 in read_buckets``), never as a path of
    the machine it runs on. ``"outside enjoin"`` when no such frame exists (a test, a user's script).
    """
    frame = sys._getframe(1)
    while frame is not None:
        inside = _asking_module(frame.f_code.co_filename)
        if inside is not None:
            return f"enjoin/{inside}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]  # f_back is None at the bottom of the stack
    return "outside enjoin"


@functools.lru_cache(maxsize=1024)
def _asking_module(filename: str) -> str | None:
    """``inventory_s3.py`` for a module of enjoin outside its backends; None for any other file."""
    try:
        path = Path(filename).resolve()
    except (OSError, RuntimeError):  # a frame of generated code, a loop of links
        return None
    if not path.is_relative_to(_PACKAGE) or path.is_relative_to(_BACKENDS):
        return None
    return path.relative_to(_PACKAGE).as_posix()


def _check(model: Any = None, **_: Any) -> None:
    """The handler: refuse an operation that is not on the allow-list (botocore passes its OperationModel)."""
    service = model.service_model.service_name
    if not is_allowed(service, model.name):
        raise ReadOnlyRefused(service, model.name, asked_by())


# The first event of every operation and every presigned URL, and the last before the request is signed.
GUARDED_EVENTS = ("provide-client-params", "before-call")
_UNIQUE_ID = "enjoin-read-only-guard"


def guard(client: Any) -> Any:
    """Install the read-only guard on ``client`` (a boto3 or botocore client) and return the client.

    The check is registered first on each operation's own event (``provide-client-params.s3.GetObject``):
    botocore calls the handlers of the most specific event name before those of wildcards, so a handler on the
    operation's own name, registered first, runs before every other handler of that event.
    """
    allowed_operations()  # a malformed allow-list fails here, at the client's making, not mid-run
    model = client.meta.service_model
    service_id = model.service_id.hyphenize()
    events = client.meta.events
    for operation in model.operation_names:
        for event in GUARDED_EVENTS:
            name = f"{event}.{service_id}.{operation}"
            events.register_first(name, _check, unique_id=f"{_UNIQUE_ID}:{name}")
    return client
