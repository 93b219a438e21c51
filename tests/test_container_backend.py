"""The container backend: moto's server in a container started by testcontainers, against in-process moto.

Every test here needs a Docker engine (``scripts/docker-up.sh`` starts one) and is marked ``container``.
Where none answers, the whole module is skipped with one line saying why, decided once at import with a
short timeout (CI sets ENJOIN_REQUIRE_DOCKER=1, which makes that a failure). The image is ``ENJOIN_IMAGE``,
else the one ``scripts/build-image.sh`` gives (a no-op when it is built). One container serves the module,
reset between deployments. tests/test_container_backend_without_docker.py shows the skip line and the
error without Docker.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from enjoin.backends import get_backend
from enjoin.backends.container import (
    HOW_TO_GET_AN_ENGINE,
    HOW_TO_GET_THE_IMAGE,
    IMAGE_ENV,
    ContainerBackend,
    engine_problem,
    local_image,
)
from enjoin.config import load
from enjoin.config_model import Config
from enjoin.errors import BackendError
from enjoin.pipeline import judge_snapshot, snapshot_of
from enjoin.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]
BUILD_IMAGE = ROOT / "scripts" / "build-image.sh"


def _resource_types(directory: Path) -> frozenset[str]:
    """The resource types the templates of a generated variant (its own directory) declare."""
    types: set[str] = set()
    for template in sorted(directory.glob("*.yaml")):
        if template.name in ("enjoin.yaml", "expected.yaml"):
            continue
        document = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
        types |= {str(r.get("Type")) for r in (document.get("Resources") or {}).values() if isinstance(r, dict)}
    return frozenset(types)


def _configs() -> list[Path]:
    """The reference deployment, every hand-written variant, and of the variants scripts/gen_compute_variants.py
    writes (those with an expected.yaml), the first of each set of resource types their templates declare. The
    generated ones of one set differ only in the IAM statements and names the generator writes, which both backends
    store through the same calls; deploying each of them twice more (container and in process) only made CI longer."""
    out = [ROOT / "enjoin.yaml"]
    seen: set[frozenset[str]] = set()
    for config in sorted((ROOT / "infra" / "variants").glob("*/enjoin.yaml")):
        if (config.parent / "expected.yaml").is_file():
            types = _resource_types(config.parent)
            if types in seen:
                continue
            seen.add(types)
        out.append(config)
    return out


CONFIGS = _configs()

pytestmark = pytest.mark.container

# Asked once, at import, with a short timeout: a missing socket fails at once, a silent host within 3 s.
# Skipping the module (not each test) gives the report one line saying why. CI sets
# ENJOIN_REQUIRE_DOCKER=1: there, no engine is a failure, never a skip.
ENGINE_PROBLEM = engine_problem(timeout=3.0)
if ENGINE_PROBLEM is not None:
    if os.environ.get("ENJOIN_REQUIRE_DOCKER") == "1":
        pytest.fail(f"ENJOIN_REQUIRE_DOCKER=1 and {ENGINE_PROBLEM} ({HOW_TO_GET_AN_ENGINE})", pytrace=False)
    pytest.skip(f"{ENGINE_PROBLEM} ({HOW_TO_GET_AN_ENGINE})", allow_module_level=True)


def _script(*args: str) -> str:
    """The last line scripts/build-image.sh prints (the tag)."""
    done = subprocess.run(
        ["bash", str(BUILD_IMAGE), *args], capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/build-image.sh {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built() -> str:
    """The locally built moto server image (built now when its inputs changed)."""
    return _script()


@pytest.fixture(scope="module")
def image(built: str) -> str:
    """The image the tests run: ``ENJOIN_IMAGE`` (scripts/test.sh sets it), else the local build."""
    return os.environ.get(IMAGE_ENV) or built


@pytest.fixture(scope="module")
def server(image: str) -> Iterator[ContainerBackend]:
    """One container for the module: tests reset it before they deploy."""
    backend = ContainerBackend(image=image)
    backend.start()
    yield backend
    backend.stop()


@pytest.fixture(scope="module")
def docker_client() -> Iterator[Any]:
    import docker  # type: ignore[import-untyped]  # no type hints shipped

    client = docker.from_env(timeout=30)
    yield client
    client.close()


@dataclass(frozen=True, slots=True)
class Deployed:
    """One configuration deployed and read back on both backends."""

    config: Config
    in_process: Snapshot
    container: Snapshot


@pytest.fixture(scope="module")
def deployed(server: ContainerBackend) -> Callable[[Path], Deployed]:
    """Deploys each configuration once per backend (the snapshot and report tests share it)."""
    cache: dict[Path, Deployed] = {}

    def get(config_path: Path) -> Deployed:
        if config_path not in cache:
            config = load(config_path)
            in_process = snapshot_of(config, "moto")  # what run_pipeline(config_path, "moto") judges
            server.reset()  # one container for every configuration, emptied between them
            container = snapshot_of(config, server)
            cache[config_path] = Deployed(config, in_process, container)
        return cache[config_path]

    return get


def _stable(value: Any, snapshot: Snapshot) -> Any:
    """``value`` with the ids moto generates at random (KMS key ids, role and user unique ids, instance and stack
    ids) replaced by names derived from what the deployment declares (key aliases, role and user ARNs, instance
    profiles, stack and stack set names).

    Two deployments of one template differ only in those ids, two in process as much as one in process
    and one in the container; reports carry them (key ARNs in findings, statements and hops).
    """
    names: dict[str, str] = {}
    for key in snapshot.keys:
        label = ",".join(sorted(key.aliases)) or str(key.policy.get("Id", "")) or json.dumps(key.policy)
        names[key.key_id] = f"<key {label}>"
    names.update({role.role_id: f"<id of {role.arn}>" for role in snapshot.roles if role.role_id})
    names.update({user.user_id: f"<id of {user.arn}>" for user in snapshot.users if user.user_id})
    # EC2 instance ids and a stack's or stack set's id (the UUID ending its ARN) are generated as well.
    for compute in snapshot.compute:
        if compute.kind == "ec2-instance":
            names[compute.name] = f"<instance with {compute.profile_arn or compute.role_arn}>"
        elif compute.kind == "cloudformation-stack":
            names[compute.arn.rsplit("/", 1)[-1]] = f"<id of stack {compute.name}>"
        elif compute.kind == "cloudformation-stack-set":  # stackset/NAME:UUID
            names[compute.arn.rsplit(":", 1)[-1]] = f"<id of stack set {compute.name}>"
    text = json.dumps(value, sort_keys=True)
    for generated, name in names.items():
        text = text.replace(generated, name)
    return json.loads(text)


def _stable_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    data = _stable(json.loads(snapshot.to_json()), snapshot)
    # The inventory orders keys by ARN, which holds the random id: order them by the stable name.
    return {
        name: sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        if isinstance(items, list)
        else items
        for name, items in data.items()
    }


def _fake_sigv4(service: str) -> dict[str, str]:
    """An Authorization header whose credential scope names ``service``: moto's server routes by it."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    }


CONFIG_IDS = ["reference", *(path.parent.name for path in CONFIGS[1:])]


@pytest.mark.parametrize("config_path", CONFIGS, ids=CONFIG_IDS)
def test_same_deployed_state_as_in_process(deployed: Callable[[Path], Deployed], config_path: Path) -> None:
    both = deployed(config_path)
    assert _stable_snapshot(both.container) == _stable_snapshot(both.in_process)


@pytest.mark.parametrize("config_path", CONFIGS, ids=CONFIG_IDS)
def test_same_report_as_in_process(deployed: Callable[[Path], Deployed], config_path: Path) -> None:
    both = deployed(config_path)
    in_process = judge_snapshot(both.config, both.in_process).report
    container = judge_snapshot(both.config, both.container).report
    assert _stable(container, both.container) == _stable(in_process, both.in_process)


def test_objects_live_in_the_container(server: ContainerBackend) -> None:
    from moto.s3.models import s3_backends

    server.reset()
    bucket = f"enjoin-where-{uuid.uuid4().hex[:12]}"
    s3 = server.client("s3", "111111111111", "us-east-1")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="extract/2026-01.csv", Body=b"state,records\nCA,3\n")

    # Read back with a plain HTTP request to the container's published port, no boto3 in between.
    request = urllib.request.Request(
        f"{server.endpoint_url}/{bucket}/extract/2026-01.csv", headers=_fake_sigv4("s3")
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read() == b"state,records\nCA,3\n"
    # This process's moto holds no such bucket in any account.
    in_process = {name for account in s3_backends for name in s3_backends[account]["global"].buckets}
    assert bucket not in in_process


def test_accounts_are_kept_apart_over_http(server: ContainerBackend) -> None:
    server.reset()
    server.client("iam", "111111111111", "us-east-1").create_role(
        RoleName="Bridge", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}'
    )
    cms = server.client("iam", "111111111111", "us-east-1").list_roles()["Roles"]
    dhs = server.client("iam", "222222222222", "us-east-1").list_roles()["Roles"]
    assert [r["Arn"] for r in cms] == ["arn:aws:iam::111111111111:role/Bridge"]
    assert dhs == []


def test_aws_managed_policies_exist(server: ContainerBackend) -> None:
    iam = server.client("iam", "111111111111", "us-east-1")
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]
    assert policy["Arn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_reset_empties_the_server(server: ContainerBackend) -> None:
    s3 = server.client("s3", "111111111111", "us-east-1")
    s3.create_bucket(Bucket="enjoin-before-reset")
    server.reset()
    assert server.client("s3", "111111111111", "us-east-1").list_buckets()["Buckets"] == []


def test_default_image_is_enjoin_image_else_the_local_build(
    built: str, docker_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The newest local build for this moto version: the one just built when the inputs changed.
    assert local_image(docker_client) == built
    monkeypatch.delenv(IMAGE_ENV, raising=False)
    backend = get_backend("container", image=None)
    backend.start()
    try:
        assert isinstance(backend, ContainerBackend)
        assert backend.image == built
    finally:
        backend.stop()
    # ENJOIN_IMAGE comes before the local build; naming the image comes before ENJOIN_IMAGE.
    monkeypatch.setenv(IMAGE_ENV, "enjoin/moto-server:000000000000")
    with pytest.raises(BackendError) as raised:
        ContainerBackend().start()
    assert raised.value.where == "--enjoin-backend container: image enjoin/moto-server:000000000000"
    named = ContainerBackend(image=built)
    named.start()
    try:
        assert named.image == built
    finally:
        named.stop()


def test_start_is_idempotent_and_stop_removes_the_container(image: str, docker_client: Any) -> None:
    import docker.errors  # type: ignore[import-untyped]  # no type hints shipped

    backend = ContainerBackend(image=image)
    backend.start()
    try:
        first = (backend.container_id, backend.endpoint_url)
        backend.start()
        assert (backend.container_id, backend.endpoint_url) == first
        assert backend.image == image
        assert docker_client.containers.get(first[0]).status == "running"
    finally:
        backend.stop()
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(first[0])
    backend.stop()  # idempotent
    with pytest.raises(BackendError) as raised:
        backend.client("s3", "111111111111", "us-east-1")
    assert raised.value.found == "not started"


def test_missing_local_image_names_the_build_script() -> None:
    backend = ContainerBackend(image="enjoin/moto-server:000000000000")
    with pytest.raises(BackendError) as raised:
        backend.start()
    assert raised.value.where == "--enjoin-backend container: image enjoin/moto-server:000000000000"
    assert raised.value.expected == (
        f"the image present locally or pullable from its registry ({HOW_TO_GET_THE_IMAGE})"
    )
    assert raised.value.found == "not present locally (it is built here, never pulled)"
    assert "scripts/build-image.sh" in str(raised.value)


def test_unpullable_image_says_the_pull_failed() -> None:
    # A registry on a loopback port where nothing listens: the pull fails at once, nothing leaves the machine.
    name = "127.0.0.1:9/enjoin/missing:1"
    with pytest.raises(BackendError) as raised:
        ContainerBackend(image=name).start()
    assert raised.value.where == f"--enjoin-backend container: image {name}"
    assert raised.value.found.startswith("not present locally, and pulling it failed: ")
    assert "127.0.0.1:9" in raised.value.found
    assert "scripts/build-image.sh" in raised.value.expected


def test_a_container_that_stops_is_an_error_not_a_hang(built: str, docker_client: Any) -> None:
    # The base image (Debian and Python, no moto) runs bash, which exits at once without a terminal.
    base = _script("--base-tag")
    assert docker_client.images.get(base).tags == [base]
    # Only containers of the base image itself count: other tests (on other workers) start and stop moto's
    # meanwhile, and Docker's "ancestor" filter also matches those, since moto's image is built from the base.
    base_id = docker_client.images.get(base).id

    def of_base() -> set[str]:
        return {c.id for c in docker_client.containers.list(all=True, sparse=True) if c.attrs.get("ImageID") == base_id}

    before = of_base()
    with pytest.raises(BackendError) as raised:
        ContainerBackend(image=base, startup_timeout=120).start()
    assert raised.value.where == f"--enjoin-backend container: container of {base}"
    assert raised.value.found.startswith("the container stopped: ")
    # ...and the failed container is removed.
    assert of_base() == before
