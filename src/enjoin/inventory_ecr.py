"""Inventory of private Amazon ECR repositories: the images that existing compute runs, and who may push them.

Read-only calls, the same for every backend (:mod:`enjoin.inventory_calls`), in the inventory's region: ECR
``describe_repositories`` (each repository's tag mutability and its exclusion filters), ``get_repository_policy``
(``RepositoryPolicyNotFoundException``: the repository has none) and ``list_images`` of its tagged images (the tags
an immutable repository will not let a push move). Reach decides who may push an image that compute runs
(:mod:`enjoin.reach_image`).
"""

from __future__ import annotations

from enjoin.backends import Backend
from enjoin.inventory_calls import ABSENT, document, optional, pages
from enjoin.snapshot import Repository

_NO_POLICY = ABSENT | {"RepositoryPolicyNotFoundException"}


def read_repositories(backend: Backend, account: str, region: str) -> list[Repository]:
    """Every private repository of the account's registry in the region, sorted by ARN."""
    ecr = backend.client("ecr", account, region)
    where = f"account {account}: ecr in {region}"
    found = pages(f"{where}: describe_repositories", ecr.describe_repositories, "repositories", token="nextToken")
    out = []
    for repository in found:
        name = str(repository["repositoryName"])
        read = optional(f"{where}: get_repository_policy {name}", ecr.get_repository_policy, _NO_POLICY,
                        repositoryName=name)
        policy = None
        if read is not None and read.get("policyText"):
            policy = document(read["policyText"], f"{where}: the repository policy of {name}")
        images = pages(f"{where}: list_images {name}", ecr.list_images, "imageIds", token="nextToken",
                       repositoryName=name, filter={"tagStatus": "TAGGED"})
        out.append(Repository(
            arn=str(repository["repositoryArn"]),
            name=name,
            account=account,
            region=region,
            policy=policy,
            mutability=str(repository.get("imageTagMutability") or "MUTABLE"),
            exclusions=tuple(str(f["filter"]) for f in repository.get("imageTagMutabilityExclusionFilters") or []
                             if f.get("filterType") == "WILDCARD"),
            image_tags=tuple(sorted({str(i["imageTag"]) for i in images if i.get("imageTag")})),
        ))
    return sorted(out, key=lambda r: r.arn)
