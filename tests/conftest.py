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


# Modules whose tests share no costly module fixture and each take long: their tests are spread over the workers one
# by one (a variant's tests share its deployment, so they go together).
_SPREAD = ("tests/iac/test_corpus.py", "tests/iac/terraform/test_twins.py")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist's ``--dist loadgroup`` (scripts/test.sh): the tests of one module run on one worker, as its
    module-scoped fixtures (a moto server, a deployment, a stand-in's runs) are built once per worker that needs them;
    test_variants' tests go together per variant, whose deployment they share; the modules of ``_SPREAD`` go test
    by test. Without xdist the marker changes nothing."""
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if module in _SPREAD:
            continue
        group = module
        if module == "tests/test_variants.py":
            params = getattr(getattr(item, "callspec", None), "params", {})
            group = f"variant:{params['name']}" if "name" in params else module
        item.add_marker(pytest.mark.xdist_group(group))
