"""The moto backend: AWS emulated by moto, in this process or in a moto server reached over HTTP.

In process (no endpoint): :meth:`MotoBackend.start` starts moto's ``mock_aws()`` and
:meth:`MotoBackend.stop` ends it, with everything it held. With an ``endpoint_url`` the clients talk
to a moto server (the container backend hands its endpoint here) and start/stop mock nothing.

Accounts. moto decides the account of a request, in this order (moto/core/responses.py,
``get_current_account``): the ``MOTO_ACCOUNT_ID`` environment variable of the process that serves the
request; the ``x-moto-account-id`` request header; the account that owns the access key (keys minted
by moto's sts:AssumeRole belong to the account of the assumed role's ARN); else 123456789012. This
backend sends the header on every request of a client made for an account: it works the same in
process and over HTTP, it creates no state (assuming a role would mint keys in moto's IAM), and
while the in-process mock runs the environment variable is removed so that it cannot override it.

AWS-managed policies (arn:aws:iam::aws:policy/...) exist in moto only with
``MOTO_IAM_LOAD_MANAGED_POLICIES=true``, set while the in-process mock runs; a moto server must be
started with it (the container backend does).

moto never judges access here: it only stores state (``MOTO_IAM`` enforcement stays off).
"""

from __future__ import annotations

import os
import sys
import threading
import urllib.parse
import warnings
from typing import Any

import boto3  # type: ignore[import-untyped]  # boto3 ships no type stubs
from botocore.config import Config as BotoConfig  # type: ignore[import-untyped]  # nor botocore

from enjoin.errors import BackendError

# Fake credentials: moto accepts any, and they must never be real ones.
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
}
# Variables that would make requests go elsewhere or to another account while the mock runs.
_CLEARED_ENV = ("MOTO_ACCOUNT_ID", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE")
ACCOUNT_HEADER = "x-moto-account-id"


class MotoBackend:
    """moto, in process or as a server at ``endpoint_url``.

    Args:
        endpoint_url: the URL of a moto server (``http://127.0.0.1:5000``); None for in-process moto.
    """

    name = "moto"
    can_deploy = True

    def __init__(self, endpoint_url: str | None = None) -> None:
        self.endpoint_url = endpoint_url
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()
        # Made when the backend starts: moto's in-process stub reaches only sessions made after
        # moto is imported (it registers itself among botocore's built-in handlers).
        self._session: Any = None

    @property
    def started(self) -> bool:
        """True while the in-process mock runs (always True for a server backend)."""
        return self.endpoint_url is not None or self._mock is not None

    def start(self) -> None:
        """Start the in-process mock with fake credentials in the environment. Idempotent."""
        if self.endpoint_url is not None or self._mock is not None:
            return
        from moto import mock_aws  # imported late: importing moto is slow and only this path needs it

        self._saved_env = {name: os.environ.get(name) for name in (*_FAKE_ENV, *_CLEARED_ENV)}
        self._mock = mock_aws()
        self._mock.start()
        # After moto's own start, which sets credentials of its own for the duration.
        for name in _CLEARED_ENV:
            os.environ.pop(name, None)
        os.environ.update(_FAKE_ENV)
        self._session = _fake_session()

    def stop(self) -> None:
        """Stop the in-process mock (everything it held is gone) and restore the environment."""
        self._clients.clear()
        if self._mock is None:
            return
        try:
            self._mock.stop()
        finally:
            self._mock = None
            for name, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._saved_env = {}

    def reset(self) -> None:
        """Clear every account's state (in process: moto's reset; server: POST /moto-api/reset)."""
        self._clients.clear()
        if self.endpoint_url is not None:
            import urllib.request

            request = urllib.request.Request(f"{self.endpoint_url.rstrip('/')}/moto-api/reset", method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
            except OSError as exc:
                raise BackendError(
                    f"moto server {self.endpoint_url}", "POST /moto-api/reset to succeed", str(exc)
                ) from None
            return
        if self._mock is None:
            raise BackendError("moto backend", "a started backend (call start() first)", "not started")
        self._mock.reset()

    def client(self, service: str, account: str, region: str) -> Any:
        """A boto3 client whose every request acts in ``account`` (cached per service, account, region)."""
        if not self.started:
            raise BackendError("moto backend", "a started backend (call start() first)", "not started")
        if len(account) != 12 or not account.isdigit():
            raise BackendError("moto backend: client account", "a 12-digit account id", repr(account))
        key = (service, account, region)
        with self._lock:
            cached = self._clients.get(key)
            if cached is not None:
                return cached
            if self._session is None:
                self._session = _fake_session()
            with warnings.catch_warnings():
                # botocore warns about some legacy service names; nothing to tell the user.
                warnings.simplefilter("ignore")
                made = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=BotoConfig(retries={"max_attempts": 2, "mode": "standard"}),
                )

            def add_account(request: Any, **_: Any) -> None:
                request.headers[ACCOUNT_HEADER] = account

            made.meta.events.register("before-sign.*.*", add_account)
            if self.endpoint_url is not None:
                _bypass_in_process_mock(made)
                made.meta.events.register("before-sign.*.*", _without_host_prefix(self.endpoint_url))
            self._clients[key] = made
            return made


def _fake_session() -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", aws_session_token="testing"
    )


def _without_host_prefix(endpoint_url: str) -> Any:
    """A handler that sends requests to the server's own host, without an endpoint host prefix.

    S3 Control (access points) puts the account id in front of the host ("111111111111.127.0.0.1"),
    which a moto server at an address cannot answer; the server routes by path and by the account
    header instead. Other services never see a prefixed host.
    """
    endpoint = urllib.parse.urlsplit(endpoint_url)

    def strip(request: Any, **_: Any) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if parts.netloc != endpoint.netloc and parts.netloc.endswith("." + endpoint.netloc):
            request.url = urllib.parse.urlunsplit(parts._replace(netloc=endpoint.netloc))

    return strip


def _bypass_in_process_mock(client: Any) -> None:
    """Let a server backend's requests reach the server even while an in-process mock runs.

    moto's in-process stub sits among botocore's built-in handlers of every session made after moto
    is imported, and while a ``mock_aws()`` is active it answers requests to any endpoint itself.
    """
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    if stubber is not None:
        client.meta.events.unregister("before-send", stubber)
