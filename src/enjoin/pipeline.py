"""The pipeline end to end: config -> case -> deploy -> inventory -> reach -> judgment -> report.

Deployment, inventory and reach are done once (they do not depend on the date); judgment can be asked
again for another date (the same deployment under Dkt. 98 and under Dkt. 148).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enjoin.backends import Backend, get_backend
from enjoin.case import Case, load_case
from enjoin.config import load
from enjoin.config_model import Config
from enjoin.deploy import deploy
from enjoin.errors import ConfigError
from enjoin.inventory import inventory
from enjoin.judgment import Judgment, judge
from enjoin.reach import Reach, buckets_for, compute_reach, is_s3_holding, is_table_holding, tables_for
from enjoin.report import to_report
from enjoin.snapshot import Snapshot


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
        return judge(self.case, self.config.holdings, self.reach, self.config.decisions, as_of)


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


def snapshot_of(config: Config, backend: str | Backend = "moto", *, image: str | None = None) -> Snapshot:
    """Deploy the config's templates into the backend and read the accounts back.

    ``backend`` is a backend name (started and stopped here) or a Backend the caller already started
    and will stop (a container shared by many deployments; the caller resets it between them).
    """
    if not isinstance(backend, str):
        deployment = deploy(backend, config)
        return inventory(
            backend,
            tuple(config.accounts.values()),
            config.region,
            deployment.organization,
            deployment.declared(),
        )
    started = get_backend(backend, image=image or config.image)
    started.start()
    try:
        return snapshot_of(config, started)
    finally:
        started.stop()


def judge_snapshot(config: Config, snapshot: Snapshot, as_of: dt.date | None = None) -> PipelineResult:
    """Reach and judgment over a snapshot already taken."""
    case = load_case(config.case, where=f"{config.path}: case")
    check_holdings(config, snapshot)
    reach = compute_reach(snapshot, config.parties, config.holdings, config.region)
    judgment = judge(case, config.holdings, reach, config.decisions, as_of or config.as_of)
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
