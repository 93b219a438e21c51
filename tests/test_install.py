"""The install is the tested one: the versions installed are those constraints.txt pins, and botocore lies in the
range pyproject.toml declares (moto 5.2.1 cannot serve the Athena protocol of later botocore; see pyproject.toml).

The pin check holds only inside the virtual environment that scripts/test.sh builds from constraints.txt (it
exports ENJOIN_PINNED=1, and CI runs it); anywhere else it is skipped with the reason.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def pins() -> dict[str, str]:
    """constraints.txt's `name==version` lines, by canonical name."""
    out: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"constraints.txt: not a `name==version` line: {line!r}"
        out[canonicalize_name(match.group(1))] = match.group(2)
    return out


def declared(name: str) -> Requirement:
    """The requirement on `name` in pyproject.toml's [project] dependencies."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    found = [r for r in map(Requirement, dependencies) if canonicalize_name(r.name) == canonicalize_name(name)]
    assert len(found) == 1, f"pyproject.toml declares {name} {len(found)} times in [project] dependencies"
    return found[0]


def test_constraints_pin_what_the_dependencies_need() -> None:
    pinned = pins()
    for name in ("boto3", "botocore", "moto", "cfn-lint", "jsonschema", "pytest", "z3-solver"):
        assert name in pinned, f"constraints.txt pins no {name}"
    for name in ("boto3", "botocore", "moto", "cfn-lint"):
        requirement = declared(name)
        assert Version(pinned[name]) in requirement.specifier, (
            f"constraints.txt pins {name}=={pinned[name]}, outside pyproject.toml's {requirement}"
        )


@pytest.mark.skipif(
    os.environ.get("ENJOIN_PINNED") != "1",
    reason="not in the virtual environment scripts/test.sh builds from constraints.txt (ENJOIN_PINNED=1 unset)",
)
def test_installed_versions_are_the_pinned_ones() -> None:
    wrong: list[str] = []
    for name, version in sorted(pins().items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}: pinned {version}, not installed")
            continue
        if Version(installed) != Version(version):
            wrong.append(f"{name}: pinned {version}, installed {installed}")
    assert not wrong, "installed versions differ from constraints.txt:\n  " + "\n  ".join(wrong)


def test_installed_botocore_is_in_the_declared_range() -> None:
    requirement = declared("botocore")
    installed = metadata.version("botocore")
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"botocore {installed} is installed, outside pyproject.toml's {requirement}"
    )
