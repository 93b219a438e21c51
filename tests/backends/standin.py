"""The stand-in for live accounts, shared by the live tests (``conftest.py``) and ``scripts/bench_live.py``.

No AWS account is reachable from the tests. :func:`running_server` starts moto's ``ThreadedMotoServer`` on a free
port of 127.0.0.1 in this process, every request it receives recorded (:class:`RequestLog`, a WSGI middleware:
service and operation, from the signing scope of the Authorization header and X-Amz-Target, the query protocol's
Action, or the REST method and path matched against botocore's service model). State goes in through an admin path
(:class:`~enjoin.backends.moto.MotoBackend` pointed at the server, which picks each account with moto's account
header); :func:`add_audit_role` creates in an account the audit role the README describes (trusting the caller's
account, with the read-only policy derived from ``read_operations.yaml``). The live backend then reads it as it
reads AWS: through ``AWS_ENDPOINT_URL`` (:func:`live_environment`) and the audit roles only; moto attributes the
temporary keys its sts:AssumeRole returns to the role's account.

This module imports no pytest: the benchmark imports it by path, as ``scripts/bench_engine.py`` imports
``tests/engine``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session

from enjoin.backends.moto import MotoBackend
from enjoin.backends.read_only import allowed_operations
from enjoin.config_model import Config
from enjoin.deploy.stack import Deployment

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
#: The account moto gives keys it has never issued: the caller's, as the identity that runs enjoin.
CALLER_ACCOUNT = "123456789012"
AUDIT_ROLE = "enjoin-audit"
ORG_ROLE = "enjoin-org-audit"
# The services whose requests the log can name (the inventory's, sts, organizations, and what deploy uses).
_SERVICES = (
    "iam", "s3", "s3control", "kms", "lambda", "glue", "lakeformation", "ec2", "cloudformation", "codebuild",
    "sagemaker", "organizations", "sts", "ssm", "cloudfront", "batch", "stepfunctions",
)
_CREDENTIAL = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


def audit_policy(role: str = "account") -> dict[str, Any]:
    """The audit role's IAM policy: exactly the allow-list's actions of ``role`` (README, "Nightly")."""
    actions = sorted({op.action for op in allowed_operations() if op.role == role and op.action})
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "EnjoinReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def trust_policy(account: str = CALLER_ACCOUNT) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
        ],
    }


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    service: str
    operation: str
    method: str
    path: str


@cache
def _models() -> dict[str, Any]:
    session = botocore.session.get_session()
    return {name: session.get_service_model(name) for name in _SERVICES}


@cache
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], frozenset[str], int, str], ...]:
    """(method, path regex, literal query keys, literal length, operation) of each REST operation of ``service``."""
    routes = []
    model = _models()[service]
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = http["requestUri"].partition("?")
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        pattern = re.escape(path)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", pattern)  # {Key+}: the rest of the path
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        keys = frozenset(k for k in (p.split("=", 1)[0] for p in query.split("&") if p) if k != "x-id")
        routes.append((http["method"], re.compile(pattern + r"/?\Z"), keys, literal, name))
    return tuple(routes)


def identify(method: str, path: str, query: str, headers: dict[str, str], form: dict[str, str]) -> tuple[str, str]:
    """(service, operation) of a request, as botocore's service models name them; "?" where unknown."""
    scope = _CREDENTIAL.search(headers.get("authorization", ""))
    signing = scope.group(1) if scope else "?"
    target = headers.get("x-amz-target")
    candidates = [name for name, model in _models().items() if model.signing_name == signing]
    if signing == "s3":
        candidates = ["s3control"] if path.startswith("/v20180820/") else ["s3"]
    service = candidates[0] if len(candidates) == 1 else signing
    if target:
        return service, target.rsplit(".", 1)[-1]
    action = form.get("Action") or urllib.parse.parse_qs(query).get("Action", [""])[0]
    if action:
        return service, action
    if service not in _models():
        return service, f"{method} {path}"
    present = set(urllib.parse.parse_qs(query, keep_blank_values=True))
    best: tuple[int, int, str] | None = None
    for route_method, pattern, keys, literal, name in _rest_routes(service):
        if route_method == method and pattern.match(urllib.parse.unquote(path)) and keys <= present:
            score = (len(keys), literal, name)
            best = score if best is None or score[:2] > best[:2] else best
    return service, best[2] if best else f"{method} {path}"


@dataclass
class RequestLog:
    """WSGI middleware recording every request before the server answers it."""

    app: Callable[..., Any]
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        form: dict[str, str] = {}
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        path = environ.get("PATH_INFO", "/")
        service, operation = identify(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""), headers, form)
        with self.lock:
            self.seen.append(Seen(service, operation, environ["REQUEST_METHOD"], path))
        return self.app(environ, start_response)

    def mark(self) -> int:
        with self.lock:
            return len(self.seen)

    def since(self, mark: int) -> list[Seen]:
        with self.lock:
            return list(self.seen[mark:])


@dataclass
class StandIn:
    """The running stand-in: its URL, the admin path into it, and its request log."""

    url: str
    admin: MotoBackend
    log: RequestLog
    config: Config
    deployment: Deployment
    folder: Path

    def live_config(self, *, organization: bool = False, name: str = "live.yaml") -> Path:
        """A test copy of the reference enjoin.yaml with a ``live:`` section naming the audit roles."""
        org = f'\n  organization: {{role_arn: "arn:aws:iam::111111111111:role/{ORG_ROLE}"}}' if organization else ""
        path = self.folder / name
        path.write_text(
            f"extends: {ROOT / 'enjoin.yaml'}\n"
            f"read_outside: [{ROOT}]\n"
            "live:\n"
            "  accounts:\n"
            f'    cms: {{role_arn: "arn:aws:iam::111111111111:role/{AUDIT_ROLE}", external_id: cms-audit-2026}}\n'
            f'    dhs: {{role_arn: "arn:aws:iam::222222222222:role/{AUDIT_ROLE}"}}'
            f"{org}\n"
            f"  region: {REGION}\n",
            encoding="utf-8",
        )
        return path


@dataclass(frozen=True)
class Server:
    """moto's threaded server, running in this process, and the log of what it received."""

    url: str
    log: RequestLog
    folder: Path  # a folder of the module's own, for configs and the AWS files that must not exist


def post(url: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=30) as response:
        response.read()


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """The process environment with ``values`` set (None: removed), restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def running_server(folder: Path) -> Iterator[Server]:
    """moto's server on a free port of 127.0.0.1, empty, every request it receives logged; stopped on exit."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    # Unset: loading AWS's managed policies into each account's IAM costs seconds per account and reset; whoever
    # deploys sets it while its deployment needs it.
    with environment({"MOTO_IAM_LOAD_MANAGED_POLICIES": None, "MOTO_ACCOUNT_ID": None}):
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        try:
            log = RequestLog(server._server.app)  # type: ignore[union-attr]  # started: the server exists
            server._server.app = log  # type: ignore[union-attr]  # werkzeug's server calls self.app per request
            # Stopping must not wait for the clients' kept-alive connections to close.
            server._server.block_on_close = False  # type: ignore[union-attr]
            server._server.daemon_threads = True  # type: ignore[union-attr]
            post(f"{url}/moto-api/reset")  # what another module's in-process moto left is shared state
            yield Server(url, log, folder)
        finally:
            try:
                post(f"{url}/moto-api/reset")
            finally:
                server.stop()


def add_audit_role(admin: MotoBackend, account: str) -> None:
    """The audit role of the README in ``account``, through the admin path: trusting the caller, reading only."""
    iam = admin.client("iam", account, REGION)
    iam.create_role(RoleName=AUDIT_ROLE, AssumeRolePolicyDocument=json.dumps(trust_policy()))
    iam.put_role_policy(RoleName=AUDIT_ROLE, PolicyName="enjoin-read-only", PolicyDocument=json.dumps(audit_policy()))


def live_variables(url: str, folder: Path) -> dict[str, str | None]:
    """The environment variables of a live run against the server at ``url`` (``folder``: where no AWS files are).

    The caller's key is one moto never issued, so moto takes it as the default account's (the caller's).
    """
    return {
        "AWS_PROFILE": None, "AWS_SESSION_TOKEN": None, "AWS_SECURITY_TOKEN": None, "MOTO_ACCOUNT_ID": None,
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "AKIAENJOINCALLER0001",
        "AWS_SECRET_ACCESS_KEY": "not-a-secret",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(folder / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "no-credentials"),
    }


@contextmanager
def account_hosts_resolved() -> Iterator[None]:
    """``<account>.127.0.0.1`` resolves to 127.0.0.1 in this process, as wildcard DNS would.

    AWS puts the account id in front of S3 Control's host (``111111111111.s3-control.us-east-1.amazonaws.com``),
    and boto3 does the same with any endpoint: an AWS-compatible endpoint answers those names through wildcard
    DNS. Here the resolver stands in for it; an ``enjoin`` process of its own gets it by running this file
    (``python standin.py judge ...`` is ``enjoin judge ...`` with these hosts resolved).
    """
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and re.fullmatch(r"\d{12}\.127\.0\.0\.1", host):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = resolve
    try:
        yield
    finally:
        socket.getaddrinfo = real


@contextmanager
def live_environment(url: str, folder: Path) -> Iterator[None]:
    """This process set up for a live run against the server at ``url``: its variables and the account hosts."""
    with environment(live_variables(url, folder)), account_hosts_resolved():
        yield


if __name__ == "__main__":
    # `enjoin` in a process of its own against the stand-in (the nightly script's test): the command line as is.
    import sys

    from enjoin.cli import main

    with account_hosts_resolved():
        code = main(sys.argv[1:])
    raise SystemExit(code)
