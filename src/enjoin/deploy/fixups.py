"""Apply a deployed resource's template properties through the ordinary APIs.

moto's CloudFormation skips some types and properties (see :mod:`enjoin.deploy.stack`). Rather than
guess which, enjoin applies every property it verifies, idempotently, after the stack is created:
the state then equals the template whatever the backend's CloudFormation did, and the verification
that follows proves it. Only write calls of the resource's own service are used, in the stack's account
and region. Each service family's appliers are in a module of their own; this is their registry.
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
from enjoin.deploy.context import ApplyContext

if TYPE_CHECKING:
    from enjoin.deploy.stack import DeployedStack


def apply_resource(backend: Backend, stack: DeployedStack, logical_id: str) -> None:
    """Make the resource ``logical_id`` of ``stack`` hold exactly its template properties.

    Raises:
        DeployError: the backend refused a call; names the template, resource and property.
    """
    rtype = stack.types[logical_id]
    applier = _APPLIERS.get(rtype)
    if applier is not None:
        applier(ApplyContext(backend, stack, logical_id))


_APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    **iam.APPLIERS,
    **iam_more.APPLIERS,
    **s3_bucket.APPLIERS,
    **s3.APPLIERS,
    **kms.APPLIERS,
    **lake.APPLIERS,
    **compute.APPLIERS,
    **instances.APPLIERS,
    **builds.APPLIERS,
    **batch.APPLIERS,
    **cloudfront.APPLIERS,
    **images.APPLIERS,
    **ecs.APPLIERS,
}
