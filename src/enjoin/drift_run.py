"""Taking the two sides of a drift and comparing them: what ``enjoin drift`` and pytest's ``--enjoin-drift`` share.

The code side is the reviewed templates deployed into the emulator (in-process moto) and read back, or a saved
evidence file of such a run. The live side is the accounts read through the live backend (``live:`` of
enjoin.yaml), or a saved evidence file of a live run. Both are judged under the same configuration on the same
date and compared by :func:`enjoin.drift.compare`.

The live side is judged without the configuration checks of :func:`enjoin.pipeline.check_holdings` and
:func:`~enjoin.pipeline.check_parties`: a bucket or a party's role that the code deploys and the live accounts
lack is drift (``missing-live``), not a mistake in enjoin.yaml. The code side keeps them: there a holding that
matches no bucket is a typo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from enjoin.case import load_case
from enjoin.config_model import Config
from enjoin.drift import Drift, Status, compare
from enjoin.judgment import Judgment, judge
from enjoin.pipeline import judge_snapshot, snapshot_of
from enjoin.reach import compute_reach
from enjoin.snapshot import Snapshot
from enjoin.yamlload import shown_path


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a drift: what was read, its judgment, and where it was read (one line)."""

    snapshot: Snapshot
    judgment: Judgment
    source: str


@dataclass(frozen=True, slots=True)
class DriftRun:
    code: Side
    live: Side
    drift: Drift


def judge_live(config: Config, snapshot: Snapshot, as_of: dt.date | None = None) -> Judgment:
    """The live side's judgment: reach and judgment without the configuration checks (module docstring)."""
    case = load_case(config.case, where=f"{config.path}: case")
    reach = compute_reach(snapshot, config.parties, config.holdings, config.region)
    return judge(case, config.holdings, reach, config.decisions, as_of or config.as_of)


def _from_evidence(config: Config, path: Path) -> tuple[Snapshot, str]:
    from enjoin.report import evidence

    saved = evidence.load(path)
    evidence.check_taken_for(config, saved, shown_path(path))
    return saved.snapshot, f"the evidence file {shown_path(path)}, {saved.describe()}"


def code_side(config: Config, as_of: dt.date | None = None, saved: Path | None = None) -> Side:
    """The reviewed code deployed into in-process moto and read back, or the evidence file ``saved``."""
    if saved is not None:
        snapshot, source = _from_evidence(config, saved)
    else:
        snapshot, source = snapshot_of(config, "moto"), "the reviewed code deployed into moto"
    return Side(snapshot, judge_snapshot(config, snapshot, as_of).judgment, source)


def live_side(config: Config, as_of: dt.date | None = None, saved: Path | None = None,
              snapshot: Snapshot | None = None, source: str = "") -> Side:
    """The live accounts read through the live backend, or the evidence file ``saved``, or a snapshot already read."""
    if snapshot is None:
        if saved is not None:
            snapshot, source = _from_evidence(config, saved)
        else:
            snapshot, source = snapshot_of(config, "live"), "the live accounts"
    return Side(snapshot, judge_live(config, snapshot, as_of), source)


def own_roles(config: Config) -> frozenset[str]:
    """The ARNs of the roles of ``live:`` (audit and organization roles): enjoin's own, not the agency's drift."""
    if config.live is None:
        return frozenset()
    roles = {role.role_arn for role in config.live.accounts.values()}
    if config.live.organization is not None:
        roles.add(config.live.organization.role_arn)
    return frozenset(roles)


def run_drift(code: Side, live: Side, own: frozenset[str] = frozenset()) -> DriftRun:
    """Compare the two sides (:func:`enjoin.drift.compare`); ``own`` roles existing only live are not drift."""
    drift = compare(code.snapshot, live.snapshot, code.judgment, live.judgment)
    if own:
        drift = replace(drift, resources=tuple(
            r for r in drift.resources
            if not (r.kind == "role" and r.id in own and r.status is Status.CONSOLE_CREATED)))
    return DriftRun(code, live, drift)
