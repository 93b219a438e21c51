"""The pipeline end to end: config -> case -> deploy -> inventory -> reach -> judgment -> report.

Deployment, inventory and reach are done once (they do not depend on the date); judgment can be asked
again for another date (the same deployment under Dkt. 98 and under Dkt. 148).
"""

from __future__ import annotations

import datetime as dt
import difflib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from enjoin.backends import Backend, get_backend
from enjoin.case import Case, load_case
from enjoin.config import load
from enjoin.config_model import Config
from enjoin.deploy import deploy
from enjoin.deploy.organization import organization_from_config
from enjoin.deploy.sources import policy_sources
from enjoin.errors import ConfigError
from enjoin.inventory import Progress, inventory
from enjoin.judgment import Judgment, judge
from enjoin.organization_read import read_organization
from enjoin.reach import Reach, buckets_for, compute_reach, is_s3_holding, is_table_holding, tables_for
from enjoin.reach_graph import wildcard
from enjoin.report import to_report
from enjoin.snapshot import Snapshot
from enjoin.yamlload import shown_path

# The organisation policies of a deployment or a live run without an organization role: enjoin.yaml's organization:.
CONFIG_SOURCE = "enjoin.yaml"


@dataclass(frozen=True, slots=True)
class PipelineResult:
    config: Config
    case: Case
    snapshot: Snapshot
    reach: Reach
    judgment: Judgment

    @property
    def report(self) -> dict[str, Any]:
        return to_report(self.judgment)

    def judge_as_of(self, as_of: dt.date) -> Judgment:
        """The same deployment judged on another date (the order in force may differ)."""
        judgment = judge(self.case, self.config.holdings, self.reach, self.config.decisions, as_of)
        return replace(judgment, organization_source=self.snapshot.organization.source, sources=self.snapshot.sources)


def check_holdings(config: Config, snapshot: Snapshot) -> None:
    """Every S3 holding must match a deployed bucket: a typo must not read as 'nothing reaches it'."""
    for index, holding in enumerate(config.holdings):
        if is_table_holding(holding) and not tables_for(holding, snapshot.tables):
            names = ", ".join(sorted(t.arn for t in snapshot.tables)) or "none"
            raise ConfigError(
                f"{holding.where or f'{config.path}: holdings[{index}]'}.resource",
                f"an ARN pattern matching a deployed Glue table (tables: {names})",
                repr(holding.resource),
            )
        if is_s3_holding(holding) and not buckets_for(holding, snapshot.buckets):
            names = ", ".join(sorted(b.name for b in snapshot.buckets)) or "none"
            raise ConfigError(
                f"{holding.where or f'{config.path}: holdings[{index}]'}.resource",
                f"an ARN pattern matching a deployed store (buckets: {names})",
                repr(holding.resource),
            )


def check_parties(config: Config, snapshot: Snapshot) -> None:
    """Every ``principals:`` and ``identity_providers:`` pattern of a party must match something the
    snapshot holds: a typo must not shrink the party and read as 'nothing reaches'.

    The rule. A ``principals:`` pattern must match the ARN of a user or role read back (what reach
    starts from). An ``identity_providers:`` pattern must match a SAML or OIDC provider read back, or a
    provider that a role read back trusts (``Principal.Federated``: what reach follows). A pattern that
    matches none is a ConfigError, unless its account field is, literally (no ``*`` or ``?``), one of the
    party's own ``accounts:``: every principal of those accounts is the party's already, and one that is
    not deployed stands for what the party can create there (reach's party-controlled role), so such a
    pattern neither adds to the party nor can shrink it. A pattern that names an account enjoin does not
    read, or one it reads and where the pattern matches nothing, is an error: reach has nothing there for
    it to match.

    Raises:
        ConfigError: naming the file, the party's line and the key (``parties.DHS.principals[0]``), what
            was expected, the pattern found, and the deployed ARNs closest to it.
    """
    principals = sorted({u.arn for u in snapshot.users} | {r.arn for r in snapshot.roles})
    providers = sorted({p.arn for p in snapshot.identity_providers} | set(_trusted_providers(snapshot)))
    for party in config.parties:
        where = party.where or f"{config.path}: parties.{party.name}"
        keys = (
            ("principals", party.principals, principals),
            ("identity_providers", party.identity_providers, providers),
        )
        for key, patterns, known in keys:
            what = "user or role" if key == "principals" else "identity provider"
            for index, pattern in enumerate(patterns):
                if _arn_account(pattern) in party.accounts or any(wildcard(pattern).fullmatch(a) for a in known):
                    continue
                raise ConfigError(
                    f"{where}.{key}[{index}]",
                    f"an ARN pattern matching a deployed {what}, or naming one of the party's accounts "
                    f"({', '.join(party.accounts) or 'none'}); {_closest(pattern, known, what)}",
                    f"{pattern!r}, which matches none",
                )


def _arn_account(pattern: str) -> str:
    parts = pattern.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _trusted_providers(snapshot: Snapshot) -> Iterable[str]:
    """The identity providers the roles' trust policies name (``Principal.Federated``)."""
    for role in snapshot.roles:
        statements = role.trust_policy.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            principal = statement.get("Principal") if isinstance(statement, dict) else None
            if isinstance(principal, dict):
                federated = principal.get("Federated", [])
                yield from (
                    f for f in (federated if isinstance(federated, list) else [federated]) if isinstance(f, str)
                )


def _closest(pattern: str, known: Sequence[str], what: str, shown: int = 5) -> str:
    """``deployed: a, b, c (and N more)``, the ARNs most like the pattern first."""
    if not known:
        return f"no {what} is deployed"
    first = difflib.get_close_matches(pattern, known, n=shown, cutoff=0.0)
    rest = [k for k in known if k not in first]
    more = f" and {len(known) - shown} more" if len(known) > shown else ""
    return "deployed, closest first: " + ", ".join([*first, *rest][:shown]) + more


def snapshot_of(config: Config, backend: str | Backend = "moto", *, image: str | None = None) -> Snapshot:
    """Deploy the config's templates into the backend and read the accounts back.

    ``backend`` is a backend name (started and stopped here) or a Backend the caller already started
    and will stop (a container shared by many deployments; the caller resets it between them). A backend
    that cannot deploy (the live accounts) is only read: see :func:`read_only_snapshot`.

    Raises:
        ConfigError: ``"live"`` without a ``live:`` section in the config.
    """
    if not isinstance(backend, str):
        if not backend.can_deploy:
            return read_only_snapshot(config, backend)
        deployment = deploy(backend, config)
        snapshot = inventory(
            backend,
            tuple(config.accounts.values()),
            config.region,
            replace(deployment.organization, source=CONFIG_SOURCE),
            deployment.declared(),
        )
        return replace(snapshot, sources=policy_sources(deployment, snapshot))
    if backend == "live" and config.live is None:
        raise ConfigError(
            f"{shown_path(config.path)}:1",
            "the key 'live' (the audit role enjoin assumes in each account), which the live backend reads through",
            "no 'live' key",
        )
    started = get_backend(backend, image=image or config.image, live=config.live)
    started.start()
    try:
        return snapshot_of(config, started)
    finally:
        started.stop()


def read_only_snapshot(config: Config, backend: Backend) -> Snapshot:
    """Read the accounts of a backend that cannot deploy (the live accounts): nothing is deployed there.

    The organisation policies come from AWS Organizations when the config's ``live:`` section gives an
    organization role (:func:`enjoin.organization_read.read_organization`), otherwise from its
    ``organization:`` section, parsed as the deployment parses it; the Snapshot's ``organization.source`` says
    which. The templates are not read: what a template declares that enjoin cannot deploy (inert and
    unmodeled constructs, CloudFront distributions, replication rules as declared) is about the reviewed code,
    not about the accounts, so a live run judges only what the accounts hold and reports no construct; a
    construct that exists in a live account is judged from what the inventory reads of it, or not at all.
    """
    accounts = tuple(config.accounts.values())
    if config.live is not None and config.live.organization is not None:
        organization = read_organization(backend, accounts, config.live.region)
    else:
        organization = replace(organization_from_config(config), source=CONFIG_SOURCE)
    return inventory(backend, accounts, config.region, organization, None, progress=progress_lines(sys.stderr))


def progress_lines(stream: TextIO) -> Progress:
    """How a long read tells its progress: one line rewritten in place on a terminal, and otherwise (CI logs) a
    line at each tenth of the accounts and at the end."""
    tty = stream.isatty()

    def tell(done: int, total: int, account: str) -> None:
        if tty:
            stream.write(f"\renjoin: read {done}/{total} accounts (last {account})" + ("\n" if done == total else ""))
        elif done == total or done % max(1, total // 10) == 0:
            stream.write(f"enjoin: read {done}/{total} accounts\n")
        stream.flush()

    return tell


def judge_snapshot(config: Config, snapshot: Snapshot, as_of: dt.date | None = None) -> PipelineResult:
    """Reach and judgment over a snapshot already taken."""
    case = load_case(config.case, where=f"{config.path}: case")
    check_holdings(config, snapshot)
    check_parties(config, snapshot)
    reach = compute_reach(snapshot, config.parties, config.holdings, config.region)
    judgment = judge(case, config.holdings, reach, config.decisions, as_of or config.as_of)
    judgment = replace(judgment, organization_source=snapshot.organization.source, sources=snapshot.sources)
    return PipelineResult(config, case, snapshot, reach, judgment)


def run_pipeline(
    config_path: Path | str,
    backend: str | Backend = "moto",
    *,
    image: str | None = None,
    as_of: dt.date | None = None,
) -> PipelineResult:
    """Load the config, deploy, read back, compute reach and judge."""
    config = load(config_path)
    load_case(config.case, where=f"{config.path}: case")  # an unknown case fails before any deployment
    return judge_snapshot(config, snapshot_of(config, backend, image=image), as_of)
