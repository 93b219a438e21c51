"""CloudFront in a Terraform plan: ``aws_cloudfront_distribution`` as AWS::CloudFront::Distribution, its origin
access control and origin access identity as AWS::CloudFront::OriginAccessControl and
AWS::CloudFront::CloudFrontOriginAccessIdentity (see :mod:`enjoin.iac.terraform.translate` for the rules).

What reach reads of a distribution (:mod:`enjoin.reach_cloudfront`, :mod:`enjoin.deploy.cloudfront`): whether it
is enabled; each origin's domain name (an S3 REST endpoint names a bucket), path, and the identity it reads the
bucket as (``origin_access_control_id``, or ``s3_origin_config``'s OAI path); and, for each cache behavior, the
origin it targets and whether it serves only signed URLs or cookies (trusted key groups or signers). Those are
translated into DistributionConfig; the distribution's other arguments (certificates, geographic restriction,
WAF, logging, error pages, price class) can only narrow who views, or change nothing of what an origin serves,
and are inert (classification.yaml says why for each). The CloudFront Developer Guide, "Restrict access to an
Amazon S3 origin": https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.terraform.references import expression_at, follow
from enjoin.iac.terraform.translate import (
    _BUILDERS,
    _CANONICAL,
    _IDENTITY,
    Path_,
    Unresolved,
    _at,
    _blocks,
    _child_value,
    _dotted,
    _known,
    _refs,
    _Resource,
    _set,
    _tags,
    _Translation,
)

_OAI_PATH = "origin-access-identity/cloudfront/"
_SIGNING = ("always", "never", "no-override")  # the signing behaviours CloudFront takes
# What a reference to these types' attributes is in CloudFormation (translate's _IDENTITY, _CANONICAL), and an S3
# origin's domain name (deploy computes both as AWS forms them).
IDENTITY = {("aws_cloudfront_origin_access_control", "id"): "Ref",
            ("aws_cloudfront_origin_access_identity", "id"): "Ref",
            ("aws_cloudfront_origin_access_identity", "s3_canonical_user_id"): "S3CanonicalUserId",
            ("aws_s3_bucket", "bucket_regional_domain_name"): "RegionalDomainName",
            ("aws_s3_bucket", "bucket_domain_name"): "DomainName"}
CANONICAL = {"aws_cloudfront_origin_access_control": "id", "aws_cloudfront_origin_access_identity": "id"}


def _origin_access_control(t: _Translation, r: _Resource) -> None:
    config = {"Name": _known(t, r, "name"), "Description": _known(t, r, "description"),
              "OriginAccessControlOriginType": _known(t, r, "origin_access_control_origin_type"),
              "SigningBehavior": _known(t, r, "signing_behavior"), "SigningProtocol": _known(t, r, "signing_protocol")}
    if config["SigningBehavior"] not in _SIGNING:  # what CloudFront signs decides whether the bucket sees the OAC
        raise DeployError(t.plan.where(r.instance.address, "signing_behavior"), f"one of {', '.join(_SIGNING)}",
                          repr(config["SigningBehavior"]))
    _set(t, r, "OriginAccessControlConfig", "name", {k: v for k, v in config.items() if v not in (None, "")})


def _origin_access_identity(t: _Translation, r: _Resource) -> None:
    # The comment is the identity's only argument; CloudFormation requires the Config even without one.
    _set(t, r, "CloudFrontOriginAccessIdentityConfig", "comment", {"Comment": _known(t, r, "comment") or ""})


def _distribution(t: _Translation, r: _Resource) -> None:
    config: dict[str, Any] = {"Enabled": bool(_known(t, r, "enabled"))}
    comment = _known(t, r, "comment")
    if comment:
        config["Comment"] = comment
    config["Origins"] = [_origin(t, r, i) for i, _ in enumerate(_blocks(r, "origin"))]
    groups = [_origin_group(t, r, i) for i, _ in enumerate(_blocks(r, "origin_group"))]
    if groups:
        config["OriginGroups"] = {"Quantity": len(groups), "Items": groups}
    default = _blocks(r, "default_cache_behavior")
    if default:
        config["DefaultCacheBehavior"] = _behavior(t, r, ("default_cache_behavior", 0))
    ordered = [_behavior(t, r, ("ordered_cache_behavior", i))
               for i, _ in enumerate(_blocks(r, "ordered_cache_behavior"))]
    if ordered:
        config["CacheBehaviors"] = ordered
    ids = {o["Id"] for o in config["Origins"]} | {g["Id"] for g in groups}
    for attribute, behavior in (("default_cache_behavior[0]", config.get("DefaultCacheBehavior")),
                                *((f"ordered_cache_behavior[{i}]", b) for i, b in enumerate(ordered))):
        if behavior is not None and behavior["TargetOriginId"] not in ids:  # CloudFront refuses it too
            raise DeployError(t.plan.where(r.instance.address, f"{attribute}.target_origin_id"),
                              f"the origin_id of one of the distribution's origins ({', '.join(sorted(ids))})",
                              repr(behavior["TargetOriginId"]))
    _set(t, r, "DistributionConfig", "origin", config)
    _tags(t, r)


def _origin(t: _Translation, r: _Resource, i: int) -> dict[str, Any]:
    at: Path_ = ("origin", i)
    origin: dict[str, Any] = {"Id": t.value(r, (*at, "origin_id")),
                              "DomainName": t.value(r, (*at, "domain_name"), ("aws_s3_bucket",))}
    path = t.value(r, (*at, "origin_path"))
    if path:
        origin["OriginPath"] = path
    oac = t.value(r, (*at, "origin_access_control_id"), ("aws_cloudfront_origin_access_control",))
    if oac:
        origin["OriginAccessControlId"] = oac
    if _blocks_at(r, (*at, "s3_origin_config")):
        origin["S3OriginConfig"] = {"OriginAccessIdentity": _oai_path(t, r, (*at, "s3_origin_config", 0,
                                                                             "origin_access_identity"))}
    custom = _blocks_at(r, (*at, "custom_origin_config"))
    if custom:
        names = {"http_port": "HTTPPort", "https_port": "HTTPSPort", "origin_protocol_policy": "OriginProtocolPolicy",
                 "origin_ssl_protocols": "OriginSSLProtocols"}
        origin["CustomOriginConfig"] = {cfn: custom[0][tf] for tf, cfn in names.items()
                                        if isinstance(custom[0], dict) and custom[0].get(tf) is not None}
    return origin


def _oai_path(t: _Translation, r: _Resource, path: Path_) -> Any:
    """``origin-access-identity/cloudfront/ID``: as planned, or, known only after apply, the path of the
    aws_cloudfront_origin_access_identity the expression names (its ``cloudfront_access_identity_path``)."""
    known, value = _at(r.instance.values, r.instance.unknown, path)
    if known:
        if value and not (isinstance(value, str) and value.startswith(_OAI_PATH) and len(value) > len(_OAI_PATH)):
            raise DeployError(t.plan.where(r.instance.address, _dotted(path)),
                              f"an origin access identity's path ({_OAI_PATH}ID)", repr(value))
        return value or ""
    target = follow(t.plan, r.instance, path)
    found = t.resources.get(target.address) if target else None
    if (found is None or target is None or found.instance.type != "aws_cloudfront_origin_access_identity"
            or target.attribute not in ("cloudfront_access_identity_path", "")):
        raise Unresolved(_dotted(path), "is known only after apply, and its expression does not name "
                         "one aws_cloudfront_origin_access_identity's cloudfront_access_identity_path "
                         f"({_refs(expression_at(r.instance, path))})")
    t._ensure(found)
    if found.account != r.account or found.body is None:
        raise Unresolved(_dotted(path), f"refers to {found.instance.address}, which enjoin does not "
                         f"deploy into account {r.account}")
    return {"Fn::Join": ["", [_OAI_PATH, {"Ref": found.logical_id}]]}


def _origin_group(t: _Translation, r: _Resource, i: int) -> dict[str, Any]:
    at: Path_ = ("origin_group", i)
    codes = t.value(r, (*at, "failover_criteria", 0, "status_codes")) or []
    members = [t.value(r, (*at, "member", j, "origin_id")) for j, _ in enumerate(_blocks_at(r, (*at, "member")))]
    return {"Id": t.value(r, (*at, "origin_id")),
            "FailoverCriteria": {"StatusCodes": {"Quantity": len(codes), "Items": sorted(codes)}},
            "Members": {"Quantity": len(members), "Items": [{"OriginId": m} for m in members]}}


def _behavior(t: _Translation, r: _Resource, at: Path_) -> dict[str, Any]:
    behavior: dict[str, Any] = {"TargetOriginId": t.value(r, (*at, "target_origin_id")),
                                "ViewerProtocolPolicy": t.value(r, (*at, "viewer_protocol_policy"))}
    if at[0] == "ordered_cache_behavior":
        behavior["PathPattern"] = t.value(r, (*at, "path_pattern"))
    for prop, attribute in (("TrustedKeyGroups", "trusted_key_groups"), ("TrustedSigners", "trusted_signers")):
        listed = _signers(r, (*at, attribute))
        if listed:
            behavior[prop] = listed
    for prop, attribute in (("AllowedMethods", "allowed_methods"), ("CachedMethods", "cached_methods")):
        methods = t.value(r, (*at, attribute))
        if methods:
            behavior[prop] = sorted(methods)
    return behavior


def _signers(r: _Resource, path: Path_) -> list[str]:
    """Trusted key groups or signers: only whether there are any decides (who holds their keys is outside IAM),
    so one known only after apply (an aws_cloudfront_key_group's id) is named by its expression."""
    listed = _value_at(r, path)
    if listed is None and not _at(r.instance.values, r.instance.unknown, path)[0]:
        raise Unresolved(_dotted(path), "is known only after apply, and whether the behavior serves only "
                         f"signed URLs depends on it ({_refs(expression_at(r.instance, path))})")
    out = []
    for j in range(len(listed) if isinstance(listed, list) else 0):
        known, value = _at(r.instance.values, r.instance.unknown, (*path, j))
        refs = _refs(expression_at(r.instance, path))
        out.append(str(value) if known and value else f"(known only after apply: {refs})")
    return out


def _value_at(r: _Resource, path: Path_) -> Any:
    """The planned value at ``path`` as written (None where the plan has none)."""
    value: Any = r.instance.values
    for step in path:
        value = _child_value(value, step)
    return value


def _blocks_at(r: _Resource, path: Path_) -> list[Any]:
    value = _value_at(r, path)
    return value if isinstance(value, list) else []


BUILDERS: dict[str, Callable[[_Translation, _Resource], None]] = {
    "AWS::CloudFront::Distribution": _distribution,
    "AWS::CloudFront::OriginAccessControl": _origin_access_control,
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": _origin_access_identity,
}

# Registered here, so that importing either module first gives translate's tables with these rows.
_BUILDERS.update(BUILDERS)
_IDENTITY.update(IDENTITY)
_CANONICAL.update(CANONICAL)
