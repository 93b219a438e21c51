"""The pipeline end to end, and the pytest plugin as a user meets it (pytest run in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from enjoin.config import load
from enjoin.errors import BackendError, ConfigError, DeployError
from enjoin.exitcodes import ExitCode, for_error
from enjoin.judgment import Verdict
from enjoin.pipeline import check_parties, run_pipeline
from enjoin.snapshot import IdentityProvider, Role, Snapshot

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "pipeline"


def test_a_holding_that_matches_no_deployed_store_is_an_error_naming_file_line_and_stores() -> None:
    with pytest.raises(ConfigError) as err:
        run_pipeline(DATA / "holding-no-store.yaml")
    message = str(err.value)
    assert "holding-no-store.yaml:4" in message
    assert "holdings[0].resource" in message
    assert "'arn:aws:s3:::cms-tmsis-eligibilty/*'" in message
    assert "cms-tmsis-eligibility" in message  # the buckets that do exist are listed


def test_a_party_principal_that_matches_nothing_deployed_is_an_error_naming_file_line_and_principals() -> None:
    with pytest.raises(ConfigError) as err:
        run_pipeline(DATA / "party-principal-typo.yaml")
    message = str(err.value)
    assert "party-principal-typo.yaml:5: parties.DHS.principals[0]" in message
    assert "'arn:aws:iam::111111111111:role/IceLiason*', which matches none" in message
    # The deployed principals closest to the typo come first.
    assert "closest first: arn:aws:iam::111111111111:role/IceLiaison," in message


CMS, DHS = "111111111111", "222222222222"
TRUSTED = f"arn:aws:iam::{CMS}:saml-provider/DHS-Partner"  # named by a trust policy, not deployed


def _party_snapshot() -> Snapshot:
    saml: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML"}
    trust = {"Version": "2012-10-17", "Statement": [saml]}
    federated = {"Version": "2012-10-17", "Statement": [{**saml, "Principal": {"Federated": TRUSTED}}]}
    return Snapshot(
        (CMS, DHS),
        roles=(
            Role(f"arn:aws:iam::{CMS}:role/IceLiaison", "IceLiaison", CMS, trust),
            Role(f"arn:aws:iam::{CMS}:role/Federated", "Federated", CMS, federated),
        ),
        identity_providers=(IdentityProvider(f"arn:aws:iam::{CMS}:saml-provider/DHS-PIV", CMS, "saml"),),
    )


def _check(principals: tuple[str, ...] = (), providers: tuple[str, ...] = ()) -> None:
    config = load(DATA / "party-principal-typo.yaml")
    party = replace(config.parties[0], principals=principals, identity_providers=providers)
    check_parties(replace(config, parties=(party,)), _party_snapshot())


def test_party_patterns_that_match_what_is_deployed_or_trusted_pass() -> None:
    _check(
        principals=(f"arn:aws:iam::{CMS}:role/IceLiaison*", "arn:aws:iam::*:role/Ice*"),
        providers=(f"arn:aws:iam::{CMS}:saml-provider/DHS-*", TRUSTED),
    )


def test_a_pattern_naming_the_party_own_account_need_not_match_a_deployed_principal() -> None:
    # Every principal of the party's accounts is the party's already: the pattern adds nothing, shrinks nothing.
    _check(principals=(f"arn:aws:iam::{DHS}:role/IceDetailee*",), providers=(f"arn:aws:iam::{DHS}:saml-provider/X",))


def test_party_patterns_that_match_nothing_are_errors() -> None:
    unmatched = {
        "principals": [
            f"arn:aws:iam::{CMS}:role/IceLiason*",  # a typo
            "arn:aws:iam::333333333333:role/IceLiaison",  # an account enjoin does not read
            "arn:aws:iam::*:role/Nobody*",  # a wildcard account is not the party's own
            "arn:aws:iam::22222222222?:role/Nobody",  # nor is one written with ?
        ],
        "identity_providers": [f"arn:aws:iam::{CMS}:saml-provider/DHS-PIB"],
    }
    for key, patterns in unmatched.items():
        for pattern in patterns:
            with pytest.raises(ConfigError) as err:
                if key == "principals":
                    _check(principals=(f"arn:aws:iam::{CMS}:role/IceLiaison", pattern))
                else:
                    _check(providers=(pattern,))
            index = 1 if key == "principals" else 0
            assert err.value.where.endswith(f"party-principal-typo.yaml:5: parties.DHS.{key}[{index}]")
            assert err.value.found == f"{pattern!r}, which matches none"
            assert "or naming one of the party's accounts (222222222222)" in err.value.expected


def test_a_template_cloudformation_rejects_is_an_error_naming_the_template() -> None:
    with pytest.raises(DeployError) as err:
        run_pipeline(DATA / "template-rejected.yaml")
    assert "broken-template.yaml" in str(err.value)


def test_the_live_backend_without_a_live_section_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as err:
        run_pipeline(ROOT / "enjoin.yaml", backend="live")
    assert str(err.value).endswith(
        "enjoin.yaml:1: expected the key 'live' (the audit role enjoin assumes in each account), which the live "
        "backend reads through; found no 'live' key"
    )
    assert for_error(err.value) is ExitCode.BAD_INPUT


def test_an_unknown_backend_lists_the_choices() -> None:
    with pytest.raises(BackendError) as err:
        run_pipeline(ROOT / "enjoin.yaml", backend="localstack")
    assert "one of moto, container, live" in str(err.value)


def test_the_reference_is_compliant_and_the_same_deployment_breaks_dkt98_in_2025() -> None:
    result = run_pipeline(ROOT / "enjoin.yaml")
    assert {c.id: c.verdict for c in result.judgment.clauses} == {
        "DKT98-NO-SHARING": Verdict.NOT_APPLICABLE,
        "DKT148-FIELDS": Verdict.COMPLIANT,
        "DKT148-MEDICAL": Verdict.COMPLIANT,
        "DKT148-POPULATIONS": Verdict.COMPLIANT,
        "DKT148-PROGRAMS": Verdict.COMPLIANT,
    }
    import datetime as dt

    earlier = result.judge_as_of(dt.date(2025, 9, 1))
    assert earlier.order is not None and earlier.order.id == "dkt-98"
    assert {c.id for c in earlier.clauses if c.verdict is Verdict.VIOLATION} == {"DKT98-NO-SHARING"}


def _pytest(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_compliance_suite_fails_on_a_violation_and_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "verdict.json"
    config = ROOT / "infra" / "variants" / "direct-grant" / "enjoin.yaml"
    run = _pytest("--enjoin-config", str(config), "--enjoin-report", str(report), tmp=tmp_path)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "enjoin verdict: VIOLATION" in run.stdout
    data = json.loads(report.read_text())
    assert (data["case"], data["order"], data["as_of"], data["verdict"]) == (
        "ca-v-hhs",
        "dkt-148",
        "2026-02-01",
        "VIOLATION",
    )
    clauses = {c["id"]: c for c in data["clauses"]}
    assert sorted(clauses) == [
        "DKT148-FIELDS",
        "DKT148-MEDICAL",
        "DKT148-POPULATIONS",
        "DKT148-PROGRAMS",
        "DKT98-NO-SHARING",
    ]
    finding = clauses["DKT148-FIELDS"]["findings"][0]
    assert set(finding) >= {"party", "principal", "action", "resource", "path", "message"}
    assert finding["path"][-1] == "s3:GetObject"
    assert finding["path"][0].startswith("arn:aws:iam::")
    assert clauses["DKT98-NO-SHARING"]["verdict"] == "NOT_APPLICABLE"


def test_a_mistake_in_the_config_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    run = _pytest("--enjoin-config", str(ROOT / "tests/data/config/bad/field.yaml"), tmp=tmp_path)
    assert run.returncode == 2, run.stdout[-3000:]
    assert "ERROR collecting tests/data/config/bad/field.yaml" in run.stdout
    assert "enjoin: tests/data/config/bad/field.yaml:10: holdings[2].fields[3]: expected a field" in run.stdout
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr


def test_a_report_path_written_with_a_space_that_exists_is_refused_with_the_fix(tmp_path: Path) -> None:
    existing = tmp_path / "verdict.json"
    existing.write_text("{}")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co", "--enjoin-report", str(existing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 2, run.stdout[-2000:]
    assert f"write --enjoin-report={existing} instead" in run.stderr
    assert "Traceback" not in run.stderr
