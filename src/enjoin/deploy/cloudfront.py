"""CloudFront: judged from the template, since the emulator cannot hold it.

moto 5.2.1's CloudFormation creates no AWS::CloudFront type, and a distribution's configuration is what
reach needs (its S3 origins, the origin access identity or control each uses, whether its cache
behaviors require signed URLs), not anything the backend would add to it. So deploy neither applies nor
reads back these types: :meth:`enjoin.deploy.Deployment.declared` carries each distribution as the
template declares it (:func:`declared_distribution`), and the inventory puts it in the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext
from enjoin.iac.cloudformation.types import partition_of
from enjoin.snapshot import Distribution, DistributionOrigin

_S3_HOST_SUFFIXES = (".s3.amazonaws.com", ".s3-external-1.amazonaws.com")


def _nothing_to_apply(ctx: ApplyContext) -> None:
    """Judged from the template: nothing is created in the backend."""


def _nothing_to_verify(c: VerifyContext) -> None:
    """Judged from the template: there is nothing in the backend to read back."""


def bucket_of_origin(domain: str) -> str | None:
    """The bucket an S3 origin's DomainName names (REST endpoints only), or None for another origin.

    A website endpoint (``bucket.s3-website-region.amazonaws.com``) is a custom origin: CloudFront reads
    it as an anonymous client, without an origin access identity or control.
    """
    host = domain.lower().rstrip(".")
    for suffix in _S3_HOST_SUFFIXES:
        if host.endswith(suffix):
            return host[: -len(suffix)]
    if ".s3." in host and host.endswith(".amazonaws.com") and ".s3-website" not in host:
        return host.split(".s3.", 1)[0]
    return None


def declared_distribution(props: Mapping[str, Any], distribution_id: str, account: str, region: str) -> Distribution:
    """A distribution as its template declares it (resolved properties; the identity's id is the last part
    of ``S3OriginConfig.OriginAccessIdentity``, ``origin-access-identity/cloudfront/ID``)."""
    config = props.get("DistributionConfig") or {}
    behaviors = [config.get("DefaultCacheBehavior") or {}, *(config.get("CacheBehaviors") or [])]
    origins = []
    for origin in config.get("Origins") or []:
        bucket = bucket_of_origin(str(origin.get("DomainName", "")))
        if bucket is None:
            continue
        origin_id = str(origin.get("Id", ""))
        targeted = [b for b in behaviors if str(b.get("TargetOriginId", "")) == origin_id]
        signed = [_signed(b) for b in targeted]
        written = str((origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or "")
        oai = written.rsplit("/", 1)[-1] if written else None
        origins.append(
            DistributionOrigin(
                bucket=bucket,
                path=str(origin.get("OriginPath") or ""),
                oai=oai or None,
                oac=bool(origin.get("OriginAccessControlId")),
                public=any(not s for s in signed),
                signed=any(signed),
            )
        )
    return Distribution(
        arn=f"arn:{partition_of(region)}:cloudfront::{account}:distribution/{distribution_id}",
        id=distribution_id,
        account=account,
        enabled=str(config.get("Enabled", True)).lower() == "true",
        origins=tuple(origins),
    )


def _signed(behavior: Mapping[str, Any]) -> bool:
    """Whether a cache behavior serves only signed URLs or cookies (trusted key groups or signers)."""
    groups = behavior.get("TrustedKeyGroups") or []
    signers = behavior.get("TrustedSigners") or []
    return bool(groups) or bool(signers)


APPLIERS: dict[str, Callable[[ApplyContext], None]] = dict.fromkeys(
    (
        "AWS::CloudFront::Distribution",
        "AWS::CloudFront::CloudFrontOriginAccessIdentity",
        "AWS::CloudFront::OriginAccessControl",
    ),
    _nothing_to_apply,
)
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = dict.fromkeys(APPLIERS, _nothing_to_verify)
