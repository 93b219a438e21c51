"""Container images existing compute pulls by tag at every run (enjoin.reach_image), over hand-built snapshots.

CMS runs the Batch job definition ``extract`` as ExtractRole, which reads the claims; its container's image is
``CMS.dkr.ecr.REGION.amazonaws.com/cms/extract:nightly``. Who may push that tag, from which account, under which
repository settings, is each test's subject.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.inventory_compute import _job_images, project_code
from enjoin.reach import compute_reach
from enjoin.reach_image import parse_image, tag_movable
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Repository, Role, Snapshot
from reach_common import (
    BUCKET,
    CLAIMS,
    CMS,
    DHS,
    DHS_READER,
    PARTY,
    REGION,
    STEWARD,
    TRUST_DHS,
    allow,
    doc,
    steps,
)

EXTRACT = f"arn:aws:iam::{CMS}:role/ExtractRole"
DEFINITION = f"arn:aws:batch:{REGION}:{CMS}:job-definition/extract:1"
REPOSITORY = f"arn:aws:ecr:{REGION}:{CMS}:repository/cms/extract"
IMAGE = f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/cms/extract:nightly"
ECS_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"})
PUSH = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]
DHS_PUSHES = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": PUSH}


def reach(*, policy: dict[str, Any] | None = None, image: str = IMAGE, trust: dict[str, Any] = ECS_TRUST,
          dhs: dict[str, Any] | None = None, steward: dict[str, Any] | None = None, inventoried: bool = True,
          **repository: Any) -> Reach:
    dhs = dhs or doc(allow("*", "*"))
    roles = [
        Role(EXTRACT, "ExtractRole", CMS, trust,
             inline_policies=(NamedPolicy("p", doc(allow("s3:GetObject", f"{BUCKET}/*"))),)),
        Role(DHS_READER, "DhsReader", DHS, doc(), inline_policies=(NamedPolicy("p", dhs),)),
    ]
    if steward is not None:
        roles.append(Role(STEWARD, "Steward", CMS, TRUST_DHS, inline_policies=(NamedPolicy("p", steward),)))
    buckets = (Bucket(BUCKET, "claims", CMS, REGION, None, ownership="BucketOwnerEnforced"),)
    repositories = (Repository(REPOSITORY, "cms/extract", CMS, REGION, policy, **repository),) if inventoried else ()
    job = Compute("batch-job-definition", DEFINITION, "extract", CMS, REGION, EXTRACT, images=(image,))
    snap = Snapshot((CMS, DHS), roles=tuple(roles), buckets=buckets, compute=(job,), repositories=repositories)
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def test_a_repository_that_lets_dhs_push_runs_dhs_code_as_the_job_role() -> None:
    found = reach(policy=doc(DHS_PUSHES))
    assert not found.undecided
    path = steps(found)[0]
    assert path[0] == (DHS_READER, "ecr:GetAuthorizationToken", "*")
    assert [h[1] for h in path[1:5]] == PUSH and {h[2] for h in path[1:5]} == {REPOSITORY}
    assert path[5][:2] == (EXTRACT, "s3:GetObject")


def test_dhs_allowed_by_its_own_policy_alone_is_refused_by_cms_s_repository() -> None:
    assert reach(policy=None).accesses == ()  # another account: the repository policy must grant too


def test_pull_only_or_one_missing_upload_action_is_no_path() -> None:
    pull = {**DHS_PUSHES, "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}
    assert reach(policy=doc(pull)).accesses == ()
    assert reach(policy=doc({**DHS_PUSHES, "Action": PUSH[1:]})).accesses == ()
    no_put = {"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage",
              "Condition": {"StringNotEquals": {"aws:PrincipalAccount": CMS}}}
    assert reach(policy=doc(DHS_PUSHES, no_put)).accesses == ()


def test_a_cms_role_dhs_assumes_pushes_by_its_own_policy() -> None:
    found = reach(steward=doc(allow(PUSH, REPOSITORY), allow("ecr:GetAuthorizationToken", "*")))
    path = steps(found)[0]
    assert path[0][1:] == ("sts:AssumeRole", STEWARD) and path[-2][:2] == (STEWARD, "ecr:PutImage")


def test_an_immutable_tag_an_image_bears_cannot_move_but_a_missing_one_is_pushed_first() -> None:
    assert reach(policy=doc(DHS_PUSHES), mutability="IMMUTABLE", image_tags=("nightly",)).accesses == ()
    assert reach(policy=doc(DHS_PUSHES), mutability="IMMUTABLE", image_tags=("v1",)).accesses != ()
    excluded = {"mutability": "IMMUTABLE_WITH_EXCLUSION", "exclusions": ("night*",), "image_tags": ("nightly",)}
    assert reach(policy=doc(DHS_PUSHES), **excluded).accesses != ()
    kept = {"mutability": "MUTABLE_WITH_EXCLUSION", "exclusions": ("nightly",), "image_tags": ("nightly",)}
    assert reach(policy=doc(DHS_PUSHES), **kept).accesses == ()


def test_an_image_pinned_by_digest_or_outside_aws_is_not_pushed() -> None:
    digest = f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/cms/extract@sha256:{'ab' * 32}"
    assert reach(policy=doc(DHS_PUSHES), image=digest).accesses == ()
    found = reach(policy=doc(DHS_PUSHES), image="public.ecr.aws/docker/library/python:3.12")
    assert found.accesses == () and not found.undecided


def test_a_job_whose_role_ecs_tasks_cannot_assume_runs_nothing() -> None:
    glue = doc({"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"})
    found = reach(policy=doc(DHS_PUSHES), trust=glue)
    assert found.accesses == () and not found.undecided


def test_a_repository_the_inventory_does_not_hold_leaves_the_role_s_reads_in_doubt() -> None:
    found = reach(inventoried=False)
    assert found.accesses == ()
    assert [u.holding for u in found.undecided] == [CLAIMS]
    assert "not in the inventory" in " ".join(found.undecided[0].reasons)
    assert "batch-job-image-push" in found.undecided[0].reasons[0]
    # DHS controls its own account, so a principal of its own may push by its own policies, whatever DhsReader's say.
    assert reach(inventoried=False, dhs=doc(allow("s3:*", "*"))).undecided


@pytest.mark.parametrize(("image", "expected"), [
    (f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/cms/extract:nightly", ("cms/extract", "nightly")),
    (f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/extract", ("extract", "latest")),
    (f"{CMS}.dkr.ecr-fips.us-gov-west-1.amazonaws.com/a/b/c:v1.2", ("a/b/c", "v1.2")),
    (f"{CMS}.dkr-ecr.{REGION}.on.aws/extract:v1", ("extract", "v1")),
    (f"{CMS}.dkr.ecr.cn-north-1.amazonaws.com.cn/extract:v1", ("extract", "v1")),
    (f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/extract:v1@sha256:{'0' * 64}", ("extract", None)),
])
def test_private_image_references_are_read(image: str, expected: tuple[str, str | None]) -> None:
    ref = parse_image(image)
    assert ref is not None and (ref.name, ref.tag) == expected and ref.account == CMS


@pytest.mark.parametrize("image", ["python:3.12", "public.ecr.aws/docker/library/python:3.12-slim",
                                   "aws/codebuild/standard:7.0", "ghcr.io/org/tool:1", ""])
def test_images_outside_private_ecr_are_not_read(image: str) -> None:
    assert parse_image(image) is None


def test_tag_mutability_and_its_exclusions() -> None:
    def repo(mutability: str, *exclusions: str) -> Repository:
        return Repository(REPOSITORY, "cms/extract", CMS, REGION, None, mutability, exclusions, ("v1", "dev-1"))

    assert tag_movable(repo("MUTABLE"), "v1")
    assert not tag_movable(repo("IMMUTABLE"), "v1") and tag_movable(repo("IMMUTABLE"), "v2")
    assert tag_movable(repo("IMMUTABLE_WITH_EXCLUSION", "dev-*"), "dev-1")
    assert not tag_movable(repo("IMMUTABLE_WITH_EXCLUSION", "dev-*"), "v1")
    assert not tag_movable(repo("MUTABLE_WITH_EXCLUSION", "v*"), "v1")
    assert tag_movable(repo("MUTABLE_WITH_EXCLUSION", "v*"), "dev-1")


def test_the_images_of_a_job_definition_are_read_per_role() -> None:
    container = {"containerProperties": {"image": "a:1", "jobRoleArn": "arn:aws:iam::1:role/Job"}}
    ecs = {"ecsProperties": {"taskProperties": [{"taskRoleArn": "arn:aws:iam::1:role/Task",
                                                 "containers": [{"image": "b:1"}, {"image": "c:1"}]}]}}
    nodes = {"nodeProperties": {"nodeRangeProperties": [
        {"targetNodes": "0", "container": {"jobRoleArn": "arn:aws:iam::1:role/Job", "image": "d:1"}},
        {"targetNodes": "1:", "container": {"jobRoleArn": "arn:aws:iam::1:role/Job", "image": "a:1"}},
    ]}}
    assert _job_images(container) == {"arn:aws:iam::1:role/Job": ("a:1",)}
    assert _job_images(ecs) == {"arn:aws:iam::1:role/Task": ("b:1", "c:1")}
    assert _job_images(nodes) == {"arn:aws:iam::1:role/Job": ("d:1", "a:1")}
    assert _job_images({"eksProperties": {"podProperties": {"serviceAccountName": "etl"}}}) == {}


@pytest.mark.parametrize(("project", "expected"), [
    ({"source": {"type": "S3", "location": "cms-builds/etl/source.zip"}}, ("arn:aws:s3:::cms-builds/etl/source.zip",)),
    ({"source": {"type": "S3", "location": "cms-builds/etl/"},
      "secondarySources": [{"type": "S3", "location": "arn:aws:s3:::other/lib.zip"}]},
     ("arn:aws:s3:::cms-builds/etl/*", "arn:aws:s3:::other/lib.zip")),
    ({"source": {"type": "NO_SOURCE", "buildspec": "arn:aws:s3:::cms-builds/buildspec.yml"}},
     ("arn:aws:s3:::cms-builds/buildspec.yml",)),
    ({"source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"}}, ()),
    ({"source": {"type": "GITHUB", "location": "https://github.com/org/repo"}}, ()),
])
def test_the_s3_code_of_a_build_project_is_read(project: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert project_code(project, "aws") == expected
