"""Fixtures the library's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from enjoin.backends.moto import MotoBackend


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoBackend]:
    """moto in process, started once per test module (each module resets it as it needs)."""
    backend = MotoBackend()
    backend.start()
    yield backend
    backend.stop()
