"""Accounts read concurrently (a backend that says how many it may read at once) give the same Snapshot as one
after another, in the accounts' order; progress is told once per account; the first failure stops the reading."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.deploy import deploy
from enjoin.errors import InventoryError
from enjoin.inventory import inventory

ROOT = Path(__file__).resolve().parents[1]
CMS, DHS = "111111111111", "222222222222"
REGION = "us-east-1"


class Concurrent:
    """The moto backend, declaring that it may be read by several threads, and recording which did."""

    def __init__(self, backend: MotoBackend, readers: int, broken: str = "") -> None:
        self.backend, self.readers, self.broken = backend, readers, broken
        self.name, self.can_deploy = "moto", False
        self.threads: set[str] = set()

    def client(self, service: str, account: str, region: str) -> Any:
        self.threads.add(threading.current_thread().name)
        if account == self.broken:
            raise InventoryError(f"account {account}", "a reachable account", "a broken one (test)")
        return self.backend.client(service, account, region)


def test_concurrent_reading_gives_the_same_snapshot_in_the_same_order(moto: MotoBackend) -> None:
    moto.reset()
    deployment = deploy(moto, load(ROOT / "enjoin.yaml"))
    args = ((CMS, DHS), REGION, deployment.organization, deployment.declared())
    told: list[tuple[int, int, str]] = []
    one_by_one = inventory(moto, *args)
    concurrent = Concurrent(moto, readers=2)
    together = inventory(concurrent, *args, progress=lambda *step: told.append(step))
    assert together == one_by_one
    assert any(t.startswith("enjoin-inventory") for t in concurrent.threads)
    assert sorted(told) == [(1, 2, told[0][2]), (2, 2, told[1][2])] and {t[2] for t in told} == {CMS, DHS}


def test_the_first_failure_stops_the_reading(moto: MotoBackend) -> None:
    moto.reset()
    with pytest.raises(InventoryError, match="a broken one"):
        inventory(Concurrent(moto, readers=2, broken=DHS), (CMS, DHS), REGION)


def test_progress_one_after_another(moto: MotoBackend) -> None:
    moto.reset()
    told: list[tuple[int, int, str]] = []
    inventory(moto, (CMS, DHS), REGION, progress=lambda *step: told.append(step))
    assert told == [(1, 2, CMS), (2, 2, DHS)]


def test_progress_lines_in_a_log_a_tenth_at_a_time() -> None:
    import io

    from enjoin.pipeline import progress_lines

    log = io.StringIO()
    tell = progress_lines(log)
    for done in range(1, 51):
        tell(done, 50, f"{done:012d}")
    assert log.getvalue().splitlines() == [f"enjoin: read {n}/50 accounts" for n in range(5, 51, 5)]


def test_progress_on_a_terminal_rewrites_one_line() -> None:
    import io

    from enjoin.pipeline import progress_lines

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    tell = progress_lines(screen)
    tell(1, 2, CMS)
    tell(2, 2, DHS)
    assert screen.getvalue() == f"\renjoin: read 1/2 accounts (last {CMS})\renjoin: read 2/2 accounts (last {DHS})\n"
