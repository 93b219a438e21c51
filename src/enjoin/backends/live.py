"""The live backend: the agency's own accounts, read through an audit role assumed in each, never written.

Credentials. The identity that runs enjoin comes from boto3's standard chain (environment, shared config and
credentials files with ``AWS_PROFILE``, IAM Identity Center, a container or instance role); enjoin stores no
secret. For each account of enjoin.yaml it assumes that account's audit role from the ``live:`` section
(sts:AssumeRole with the role's ExternalId when one is given, the session name :data:`SESSION_NAME` so that
CloudTrail shows what enjoin did), and every client of that account signs with those temporary credentials,
which botocore refreshes before they expire (:class:`botocore.credentials.DeferredRefreshableCredentials` over an
:class:`botocore.credentials.AssumeRoleCredentialFetcher`). ``client("organizations", ...)`` signs with the
organization role when ``live.organization`` gives one. :meth:`LiveBackend.start` checks every role once
(sts:GetCallerIdentity must answer with the account enjoin.yaml names), so a missing trust or a wrong ARN is one
error naming the account and the role before anything is read.

Read-only by construction. Every client this backend makes, its own STS clients included, carries the guard of
:mod:`enjoin.backends.read_only`: an operation that is not on the reviewed allow-list is refused before it is
serialised or signed. ``can_deploy`` is False: the pipeline never deploys here, it only reads.

Endpoints. The backend passes no endpoint to boto3, which reads ``AWS_ENDPOINT_URL``, the per-service
``AWS_ENDPOINT_URL_<SERVICE>`` variables and ``endpoint_url`` of the shared config file itself: pointing enjoin at an
AWS-compatible endpoint is boto3's configuration, not enjoin's. Clients retry in botocore's adaptive mode (client-side
rate limiting on throttling) with :data:`MAX_ATTEMPTS` attempts.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import boto3  # type: ignore[import-untyped]  # boto3 ships no type stubs
import botocore.session  # type: ignore[import-untyped]  # botocore ships no type stubs
from botocore.config import Config as BotoConfig  # type: ignore[import-untyped]
from botocore.credentials import (  # type: ignore[import-untyped]
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from enjoin.backends.read_only import ReadOnlyRefused, guard
from enjoin.config_model import AuditRole, LiveConfig
from enjoin.errors import BackendError

#: The RoleSessionName of every role enjoin assumes: what the accounts' CloudTrail shows as the session.
SESSION_NAME = "enjoin-audit"
#: Attempts per call, throttling included; adaptive mode also slows the client down when AWS throttles it.
MAX_ATTEMPTS = 10
_RETRIES = BotoConfig(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS})


class _AssumedRole(CredentialProvider):  # type: ignore[misc]  # botocore's class is untyped
    """A credential provider that hands out one role's refreshable credentials."""

    METHOD = "assume-role"
    CANONICAL_NAME = "enjoin-audit-role"

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


class LiveBackend:
    """The accounts of enjoin.yaml as they are, read through the audit roles of its ``live:`` section.

    Args:
        live: the ``live:`` section (:class:`~enjoin.config_model.LiveConfig`).
        session: the boto3 session whose credentials assume the roles; None: a new one, boto3's standard chain.
    """

    name = "live"
    can_deploy = False
    #: How many accounts the inventory reads at once: each reads through its own role's clients (botocore clients
    #: are thread-safe; the sessions are made under the lock), and adaptive retries slow every thread down together
    #: when an API throttles.
    readers = 8

    def __init__(self, live: LiveConfig, session: boto3.session.Session | None = None) -> None:
        self.live = live
        self._given_session = session
        self._base: boto3.session.Session | None = None
        self._sessions: dict[str, boto3.session.Session] = {}  # role ARN -> a session signing as that role
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Find the caller's credentials and check that each audit role answers as its account. Idempotent.

        Raises:
            BackendError: no credentials in the standard chain, or a role that cannot be assumed or that
                answers as another account.
        """
        if self._base is not None:
            return
        base = self._given_session or boto3.session.Session()
        if base.get_credentials() is None:
            raise BackendError(
                "--enjoin-backend live: credentials",
                "AWS credentials from the standard chain (environment, AWS_PROFILE, SSO, instance or container role)",
                "none",
            )
        self._base = base
        try:
            for account, role in sorted(self.live.accounts.items()):
                self._check(role, account)
            if self.live.organization is not None:
                self._check(self.live.organization, None)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Forget the sessions and clients (nothing runs that would need stopping)."""
        with self._lock:
            self._clients.clear()
            self._sessions.clear()
            self._base = None

    def client(self, service: str, account: str, region: str) -> Any:
        """A read-only client for ``service`` signing as ``account``'s audit role (the organization role for
        ``organizations`` when one is given), cached per service, account and region."""
        if self._base is None:
            raise BackendError("live backend", "a started backend (call start() first)", "not started")
        role = self.live.organization if service == "organizations" and self.live.organization else None
        if role is None:
            role = self.live.accounts.get(account)
        if role is None:
            known = ", ".join(sorted(self.live.accounts))
            raise BackendError(
                f"live backend: a {service} client for account {account}",
                f"an account of live.accounts ({known})",
                f"{account!r}, which has no audit role",
            )
        key = (service, role.role_arn, region)
        with self._lock:
            cached = self._clients.get(key)
            if cached is None:
                cached = self._clients[key] = _client(self._session(role), service, region)
            return cached

    # -- sessions -----------------------------------------------------------------------------------------------

    def _session(self, role: AuditRole) -> boto3.session.Session:
        """A session whose credentials are ``role``'s, assumed on first use and refreshed before they expire."""
        session = self._sessions.get(role.role_arn)
        if session is not None:
            return session
        assert self._base is not None  # client() and _check() run on a started backend
        extra: dict[str, str] = {"RoleSessionName": SESSION_NAME}
        if role.external_id:
            extra["ExternalId"] = role.external_id
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=self._sts_creator,
            source_credentials=self._base.get_credentials(),
            role_arn=role.role_arn,
            extra_args=extra,
        )
        credentials = DeferredRefreshableCredentials(fetcher.fetch_credentials, "assume-role")
        # The caller's profile (AWS_PROFILE or the session's) still gives the region and endpoint settings.
        core = botocore.session.Session(profile=self._base._session.get_config_variable("profile"))
        core.register_component("credential_provider", CredentialResolver([_AssumedRole(credentials)]))
        # One loader for every account's session: botocore's loader caches each service model it parses (EC2's
        # alone is tens of megabytes of Python objects), so a loader per session made memory and start-up grow
        # with the accounts (scripts/bench_live.py: 3.9 GB for 50 accounts).
        core.register_component("data_loader", self._base._session.get_component("data_loader"))
        session = boto3.session.Session(botocore_session=core)
        self._sessions[role.role_arn] = session
        return session

    def _sts_creator(self, service: str, **kwargs: Any) -> Any:
        """The client botocore's fetcher calls AssumeRole with: the caller's, guarded like every other client."""
        assert self._base is not None
        kwargs.setdefault("region_name", self.live.region)
        kwargs.setdefault("config", _RETRIES)
        return guard(self._base.client(service, **kwargs))

    def _check(self, role: AuditRole, account: str | None) -> None:
        """sts:GetCallerIdentity as ``role``: it must answer, and as ``account`` when one is given."""
        where = f"--enjoin-backend live: {role.where or role.role_arn}"
        expected = f"the audit role {role.role_arn} assumable by the caller"
        sts = _client(self._session(role), "sts", self.live.region)
        try:
            found = sts.get_caller_identity()["Account"]
        except ReadOnlyRefused:
            raise
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise BackendError(where, expected, f"{error.get('Code')}: {error.get('Message')}") from None
        except BotoCoreError as exc:
            raise BackendError(where, expected, str(exc)) from None
        if account is not None and found != account:
            raise BackendError(where, f"{expected}, answering as account {account}", f"account {found}")


def _client(session: boto3.session.Session, service: str, region: str) -> Any:
    with warnings.catch_warnings():
        # botocore warns about some legacy service names; nothing to tell the user.
        warnings.simplefilter("ignore")
        return guard(session.client(service, region_name=region, config=_RETRIES))
