"""The stand-in for live accounts as pytest fixtures (what they run is in :mod:`standin`).

:func:`moto_server` starts moto's threaded server in process, every request logged; :func:`standin` deploys the
reference enjoin.yaml into it through the admin path and creates the audit roles; :func:`live_environment` points a
live run in this process at it (``AWS_ENDPOINT_URL``, the caller's keys, the account hosts of S3 Control resolved).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.deploy import deploy

from .standin import (
    AUDIT_ROLE,
    CALLER_ACCOUNT,
    ORG_ROLE,
    REGION,
    ROOT,
    RequestLog,
    Seen,
    Server,
    StandIn,
    add_audit_role,
    audit_policy,
    environment,
    identify,
    running_server,
    trust_policy,
)
from .standin import (
    live_environment as _live_environment,
)

# The names the live tests import from here.
__all__ = [
    "AUDIT_ROLE", "CALLER_ACCOUNT", "ORG_ROLE", "REGION", "ROOT", "RequestLog", "Seen", "Server", "StandIn",
    "audit_policy", "identify", "trust_policy",
]


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """moto's server on a free port of 127.0.0.1, empty, every request it receives logged."""
    with running_server(tmp_path_factory.mktemp("standin")) as server:
        yield server


@pytest.fixture(scope="module")
def standin(moto_server: Server) -> Iterator[StandIn]:
    """The server with the reference deployed through the admin path and an audit role in each account."""
    # As the other backends: AWS managed ARNs resolve.
    with environment({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}):
        admin = MotoBackend(endpoint_url=moto_server.url)
        admin.start()
        config = load(ROOT / "enjoin.yaml")
        deployment = deploy(admin, config)
        for account in config.accounts.values():
            add_audit_role(admin, account)
        yield StandIn(moto_server.url, admin, moto_server.log, config, deployment, moto_server.folder)


@pytest.fixture(scope="module")
def live_environment(moto_server: Server) -> Iterator[None]:
    """The environment of a live run in this process against the stand-in (:func:`standin.live_environment`)."""
    with _live_environment(moto_server.url, moto_server.folder):
        yield
