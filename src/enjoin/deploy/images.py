"""Private Amazon ECR repositories, applied and verified.

Reach needs who may push an image to a repository (its policy) and which tags a push may move (its tag mutability
and exclusion filters): an image that existing compute runs by a tag is code that runs as its role
(:mod:`enjoin.reach_image`). moto 5.2.1's CloudFormation creates an ``AWS::ECR::Repository`` with its name, tag
mutability, exclusion filters and tags, but drops ``RepositoryPolicyText``: deploy sets it with
``SetRepositoryPolicy``, and reads everything back with ``DescribeRepositories``, ``GetRepositoryPolicy`` and
``ListTagsForResource``. No image is pushed: the repositories a template declares are empty, as they are the moment
CloudFormation makes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.deploy.context import ApplyContext, VerifyContext
from enjoin.iac.cloudformation.types import tags_of

_NO_POLICY = frozenset({"RepositoryPolicyNotFoundException"})


def _policy_text(value: Any) -> str:
    """RepositoryPolicyText as CloudFormation takes it (a JSON object, or JSON text) -> JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def _repository(ctx: ApplyContext) -> None:
    if "RepositoryPolicyText" in ctx.props:
        ctx.call("RepositoryPolicyText", ctx.client("ecr").set_repository_policy, repositoryName=ctx.physical_id,
                 policyText=_policy_text(ctx.props["RepositoryPolicyText"]))


def _filters(value: Any) -> list[dict[str, Any]]:
    """ImageTagMutabilityExclusionFilters as CloudFormation writes them -> as the API reads them back."""
    return [{"filterType": f.get("ImageTagMutabilityExclusionFilterType"),
             "filter": f.get("ImageTagMutabilityExclusionFilterValue")}
            for f in value or [] if isinstance(f, Mapping)]


def _verify_repository(c: VerifyContext) -> None:
    ecr = c.client("ecr")
    found = c.read("RepositoryName", ecr.describe_repositories, repositoryNames=[c.physical_id])["repositories"]
    repository = found[0]
    c.equal("RepositoryName", c.props.get("RepositoryName", c.physical_id), repository.get("repositoryName"))
    c.equal("ImageTagMutability", c.props.get("ImageTagMutability", "MUTABLE"), repository.get("imageTagMutability"))
    c.equal("ImageTagMutabilityExclusionFilters", _filters(c.props.get("ImageTagMutabilityExclusionFilters")),
            repository.get("imageTagMutabilityExclusionFilters") or [])
    read = _read_policy(c, ecr)
    policy = json.loads(read["policyText"]) if read else None
    expected = c.props.get("RepositoryPolicyText")
    c.equal("RepositoryPolicyText", json.loads(_policy_text(expected)) if expected is not None else None, policy)
    tags = c.read("Tags", ecr.list_tags_for_resource, resourceArn=repository["repositoryArn"]).get("tags") or []
    c.tags(c.props.get("Tags"), tags_of(tags))


def _read_policy(c: VerifyContext, ecr: Any) -> Any:
    """The repository's policy, None when it has none."""
    try:
        return ecr.get_repository_policy(repositoryName=c.physical_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NO_POLICY:
            return None
        raise c.fail("RepositoryPolicyText", "readable", str(exc)) from None


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {"AWS::ECR::Repository": _repository}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {"AWS::ECR::Repository": _verify_repository}
