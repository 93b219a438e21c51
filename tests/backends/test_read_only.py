"""The live backend is read-only by construction: every client it makes refuses, before anything is serialised,
signed or sent, each operation not on the reviewed allow-list; the allow-list names only reads; nothing turns the
guard off."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml

from enjoin.backends import get_backend
from enjoin.backends.live import LiveBackend
from enjoin.backends.read_only import ReadOnlyRefused, allowed_operations, asked_by, is_allowed
from enjoin.config import load
from enjoin.config_model import AuditRole, LiveConfig
from enjoin.errors import ConfigError
from enjoin.exitcodes import ExitCode, for_error
from enjoin.inventory_calls import call

from .conftest import ROOT, Server, audit_policy

CMS, DHS, ORG = "111111111111", "222222222222", "999999999999"
LIVE = LiveConfig(
    accounts={
        CMS: AuditRole(f"arn:aws:iam::{CMS}:role/enjoin-audit", "cms-audit-2026"),
        DHS: AuditRole(f"arn:aws:iam::{DHS}:role/enjoin-audit"),
    },
    region="us-east-1",
    organization=AuditRole(f"arn:aws:iam::{ORG}:role/enjoin-org-audit"),
)
# The services whose operations the allow-list names: the inventory's, sts and organizations.
SERVICES = sorted({op.service for op in allowed_operations()})
# Reads whose names do not say so, each named (and its row's reason says why it is one).
NAMED_EXCEPTIONS = {("sts", "AssumeRole"), ("codebuild", "BatchGetProjects")}
READ = re.compile(r"(Get|List|Describe|Head)[A-Z]")
# How each botocore service's operations are named as IAM actions, where the prefix differs.
IAM_PREFIX = {"s3control": "s3", "stepfunctions": "states"}  # a client whose actions have another prefix


@pytest.fixture(scope="module")
def backend(moto_server: Server, live_environment: None) -> Any:
    """The live backend against the empty stand-in (moto answers AssumeRole for a role that does not exist)."""
    started = LiveBackend(LIVE)
    started.start()  # sts AssumeRole and GetCallerIdentity for each role: allowed, and sent
    yield started
    started.stop()


class _Sent:
    """A before-send handler on a client: any request that reached it would have left the process."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request: Any, **_: Any) -> None:
        self.requests.append(f"{request.method} {request.url}")


def test_every_operation_not_on_the_list_is_refused_before_any_request_leaves(backend: LiveBackend,
                                                                              moto_server: Server) -> None:
    mark = moto_server.log.mark()
    sent = _Sent()
    refused: dict[str, int] = {}
    for service in SERVICES:
        # The organization role's client for organizations, CMS's audit role's for the others.
        client = backend.client(service, CMS, "us-east-1")
        client.meta.events.register("before-send", sent)
        for operation in client.meta.service_model.operation_names:
            if is_allowed(service, operation):
                continue
            method = getattr(client, botocore.xform_name(operation))
            with pytest.raises(ReadOnlyRefused) as err:
                method()  # no parameters: validation would fail, were the guard not first
            assert (err.value.service, err.value.operation) == (service, operation)
            refused[service] = refused.get(service, 0) + 1
    assert sent.requests == []
    assert moto_server.log.since(mark) == []
    # Every service's mutating operations are among those refused (a sample of each, by name).
    assert refused.keys() == set(SERVICES)
    assert refused["s3"] > 80 and refused["iam"] > 130 and refused["ec2"] > 500


def test_data_reads_and_presigned_urls_and_paginators_are_refused(backend: LiveBackend, moto_server: Server) -> None:
    mark = moto_server.log.mark()
    s3 = backend.client("s3", CMS, "us-east-1")
    for attempt in (
        lambda: s3.get_object(Bucket="cms-tmsis-eligibility", Key="taf.parquet"),
        lambda: s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"}),
        lambda: s3.generate_presigned_post("b", "k"),
        lambda: list(s3.get_paginator("list_objects_v2").paginate(Bucket="b")),
        lambda: s3.download_file("b", "k", "/dev/null"),
        lambda: backend.client("secretsmanager", CMS, "us-east-1").get_secret_value(SecretId="x"),
        lambda: backend.client("dynamodb", CMS, "us-east-1").scan(TableName="x"),
        lambda: backend.client("iam", CMS, "us-east-1").get_waiter("role_exists").wait(RoleName="x"),
    ):
        with pytest.raises(ReadOnlyRefused):
            attempt()
    assert moto_server.log.since(mark) == []


def test_a_refusal_names_the_service_the_operation_and_the_enjoin_code_that_asked(backend: LiveBackend) -> None:
    s3 = backend.client("s3", CMS, "us-east-1")
    with pytest.raises(ReadOnlyRefused) as err:
        s3.put_bucket_policy(Bucket="b", Policy="{}")
    assert err.value.where == "live backend: s3 PutBucketPolicy, asked by outside enjoin"
    assert for_error(err.value) is ExitCode.ENJOIN_FAILED
    # Asked through enjoin's own code: the first frame inside enjoin and outside its backends is named.
    # ... and the refusal reaches the user as itself (exit 3), not as a failed read.
    with pytest.raises(ReadOnlyRefused) as through:
        call("a test", s3.delete_bucket, Bucket="b")
    assert re.search(r"s3 DeleteBucket, asked by enjoin/inventory_calls\.py:\d+ in call", through.value.where)
    assert asked_by() == "outside enjoin"


def test_the_allow_list_names_only_reads_each_with_a_reason_and_its_iam_action() -> None:
    session = botocore.session.get_session()
    rows = allowed_operations()
    assert len({(r.service, r.operation) for r in rows}) == len(rows), "a row given twice"
    for row in rows:
        model = session.get_service_model(row.service)
        assert row.operation in model.operation_names, row
        assert READ.match(row.operation) or (row.service, row.operation) in NAMED_EXCEPTIONS, row
        assert len(row.reason) > 10, row
        if (row.service, row.operation) in NAMED_EXCEPTIONS:
            assert row.reason.startswith("exception to the read names"), row
        if row.role == "caller":
            continue
        prefix, _, action = row.action.partition(":")
        assert prefix == IAM_PREFIX.get(row.service, row.service), row
        assert READ.match(action) or action.startswith("BatchGet"), row
    assert {(r.service, r.operation) for r in rows if r.role == "caller"} == {
        ("sts", "AssumeRole"), ("sts", "GetCallerIdentity")
    }


def test_the_guard_cannot_be_switched_off_by_configuration(tmp_path: Path) -> None:
    # enjoin.yaml's live: section takes exactly its keys: no switch can be written there.
    for extra in ("read_only: false", "allow_writes: true", "allow: [s3:PutObject]", "operations: []"):
        path = tmp_path / "enjoin.yaml"
        path.write_text(
            f"extends: {ROOT / 'enjoin.yaml'}\nread_outside: [{ROOT}]\nlive:\n"
            f'  accounts:\n    cms: {{role_arn: "arn:aws:iam::{CMS}:role/a"}}\n'
            f'    dhs: {{role_arn: "arn:aws:iam::{DHS}:role/a"}}\n  {extra}\n',
            encoding="utf-8",
        )
        with pytest.raises(ConfigError) as err:
            load(path)
        assert "live" in err.value.where and extra.split(":")[0] in err.value.found
    # Nor in the values the backend is built from, nor in how it is built.
    assert {f.name for f in dataclasses.fields(LiveConfig)} == {"accounts", "region", "organization", "where"}
    assert {f.name for f in dataclasses.fields(AuditRole)} == {"role_arn", "external_id", "where"}
    assert list(inspect.signature(LiveBackend).parameters) == ["live", "session"]
    assert list(inspect.signature(get_backend).parameters) == ["name", "image", "live"]
    # The allow-list is package data, read from the package alone.
    source = inspect.getsource(allowed_operations)
    assert 'resources.files("enjoin.backends")' in source and "environ" not in source


def test_the_readme_audit_role_policy_is_exactly_the_allow_listed_actions() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    policies = re.findall(r"<!-- (\w+)-role-policy -->\n```json\n(.*?)^```", readme, re.S | re.M)
    assert {name: json.loads(text) for name, text in policies} == {
        "audit": audit_policy("account"),
        "organization": audit_policy("organization"),
    }


def test_the_allow_list_is_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "backends/*.yaml" in pyproject
    assert yaml.safe_load((ROOT / "src/enjoin/backends/read_operations.yaml").read_text(encoding="utf-8"))


def test_the_readme_live_section_example_loads() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"^```yaml\n(.*?)^```", readme, re.S | re.M) if "\nlive:" in b)
    path = ROOT / ".readme-live-example.yaml"  # beside enjoin.yaml, which it extends
    path.write_text(example, encoding="utf-8")
    try:
        live = load(path).live
    finally:
        path.unlink()
    assert live is not None and live.organization is not None
    assert {account: role.role_arn.split(":")[4] for account, role in live.accounts.items()} == {CMS: CMS, DHS: DHS}
