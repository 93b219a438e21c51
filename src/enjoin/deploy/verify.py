"""Verify that a deployed resource holds exactly its template properties, read back through the APIs.

Every security-relevant property is compared with the template's value after intrinsics are
resolved; policy documents are compared as parsed JSON. Lists that other resources may add to
(a principal's managed policies and inline policies, a user's groups) must contain the template's
entries; everything else must be equal. A difference is a DeployError naming the template, the
resource (logical id) and the property. Only read calls are made. Each service family's verifiers are in
a module of their own; this is their registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from enjoin.backends import Backend
from enjoin.deploy import (
    batch,
    builds,
    cloudfront,
    compute,
    ecs,
    iam,
    iam_more,
    images,
    instances,
    kms,
    lake,
    s3,
    s3_bucket,
)
from enjoin.deploy.context import VerifyContext

if TYPE_CHECKING:
    from enjoin.deploy.stack import DeployedStack


def verify_resource(backend: Backend, stack: DeployedStack, logical_id: str) -> None:
    """Check one resource against its template properties.

    Raises:
        DeployError: the resource is missing or a property differs.
    """
    check = VerifyContext(backend, stack, logical_id)
    _VERIFIERS[check.type](check)


_VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    **iam.VERIFIERS,
    **iam_more.VERIFIERS,
    **s3_bucket.VERIFIERS,
    **s3.VERIFIERS,
    **kms.VERIFIERS,
    **lake.VERIFIERS,
    **compute.VERIFIERS,
    **instances.VERIFIERS,
    **builds.VERIFIERS,
    **batch.VERIFIERS,
    **cloudfront.VERIFIERS,
    **images.VERIFIERS,
    **ecs.VERIFIERS,
}
