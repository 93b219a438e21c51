"""Reads through CloudFront: whoever reaches a distribution reads what its S3 origins let it read.

A distribution serves anyone on the internet (DHS included) unless every cache behavior that serves an
origin requires signed URLs or cookies (trusted key groups or signers): who holds those keys is outside
IAM, so such an origin is a doubt, not a proof. CloudFront reads an S3 origin as its origin access
identity (OAI: the bucket policy names it as ``CanonicalUser`` or as
``arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID``) or, with an origin access control
(OAC), as the service principal ``cloudfront.amazonaws.com`` with ``aws:SourceArn`` the distribution's ARN
and ``aws:SourceAccount`` its account (CloudFront Developer Guide, "Restrict access to an Amazon S3
origin"). An OAI cannot read objects encrypted with SSE-KMS; an OAC can when the key policy allows the
service principal ``kms:Decrypt`` (same page, "SSE-KMS").

The engine evaluates IAM principals only, so the read is asked of a stand-in: a role of the bucket's
account that has no identity policy, in whose place the bucket (and key) policy names the stand-in wherever
it names the distribution's identity. The stand-in is spared service control policies (they do not apply
to service principals). What the stand-in cannot mirror exactly (condition keys such as
``aws:PrincipalAccount`` that a service principal's request does not carry) can only make enjoin find a
read that AWS would deny, never miss one it would allow... except a Deny on ``aws:PrincipalServiceName``,
which the stand-in's request carries as ``cloudfront.amazonaws.com`` like CloudFront's.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from enjoin.config_model import Holding
from enjoin.engine import Decision, PolicyKind, possible
from enjoin.iac.cloudformation.types import canonical_user_of, partition_of
from enjoin.reach_data import buckets_for, is_s3_holding, resolve_key
from enjoin.reach_grants import service_grant_doubts
from enjoin.reach_graph import Graph, Node, compile_or_reason, wildcard
from enjoin.reach_model import DECRYPT_ACTION, READ_ACTION, Hop
from enjoin.snapshot import Bucket, Distribution, DistributionOrigin

CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"
VIEW_ACTION = "cloudfront:GET"  # not an IAM action: the viewer's request, which needs no permission


@dataclass(frozen=True, slots=True)
class CloudFrontRead:
    """A holding read through a distribution (hops), or in doubt (reasons)."""

    holding: Holding
    distribution: Distribution
    hops: tuple[Hop, ...] = ()
    reasons: tuple[str, ...] = ()


def cloudfront_reads(graph: Graph, holdings: Sequence[Holding]) -> list[CloudFrontRead]:
    """Every holding some distribution serves to anyone, or might (see the module docstring)."""
    found: list[CloudFrontRead] = []
    buckets = {b.name: b for b in graph.snapshot.buckets}
    for distribution in graph.snapshot.distributions:
        if not distribution.enabled:
            continue
        for origin in distribution.origins:
            bucket = buckets.get(origin.bucket)
            if bucket is None:
                continue
            for holding in holdings:
                if not is_s3_holding(holding) or bucket not in buckets_for(holding, graph.snapshot.buckets):
                    continue
                obj = _probe(holding, bucket, origin)
                if obj is None:
                    continue
                read = _read(graph, distribution, origin, bucket, obj)
                if read is None:
                    continue
                hops, reasons = read
                if hops and not origin.public:
                    reasons = (
                        f"{distribution.arn} serves {bucket.arn} only to signed URLs or cookies (its cache "
                        "behaviors name trusted key groups or signers); who holds those keys is outside IAM",
                    )
                    hops = ()
                found.append(CloudFrontRead(holding, distribution, hops, reasons))
    return found


def _probe(holding: Holding, bucket: Bucket, origin: DistributionOrigin) -> str | None:
    """An object of the holding the origin serves (under its OriginPath), or None when there is none."""
    rest = holding.resource.split(":::", 1)[-1]
    pattern = rest.split("/", 1)[1] if "/" in rest else "*"
    prefix = origin.path.strip("/")
    prefix = f"{prefix}/" if prefix else ""
    for candidate in (pattern.replace("*", "enjoin-probe").replace("?", "x"), f"{prefix}enjoin-probe"):
        if candidate.startswith(prefix) and wildcard(pattern).fullmatch(candidate):
            return f"{bucket.arn}/{candidate}"
    return None


def _stand_in(distribution: Distribution, bucket: Bucket) -> Node:
    arn = f"arn:{partition_of(bucket.region)}:iam::{bucket.account}:role/enjoin-stand-in/cloudfront-{distribution.id}"
    return Node(f"cloudfront:{distribution.arn}", arn, bucket.account, "role", (), None, {}, None, synthetic=True)


def _rewritten(document: dict[str, Any], origin: DistributionOrigin, stand_in: str) -> dict[str, Any]:
    """The policy with the distribution's identity named as the stand-in wherever a principal names it."""
    names: set[str] = set()
    if origin.oai:
        names |= {
            canonical_user_of(origin.oai),
            f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {origin.oai}",
        }
    if origin.oac:
        names.add(CLOUDFRONT_SERVICE)
    out = copy.deepcopy(document)
    statements = out.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element)
            if not isinstance(principal, dict):
                continue
            named = False
            for kind in ("AWS", "CanonicalUser", "Service"):
                values = principal.get(kind)
                values = [values] if isinstance(values, str) else list(values or [])
                if any(v in names for v in values):
                    named = True
                    kept = [v for v in values if v not in names]
                    if kept:
                        principal[kind] = kept
                    else:
                        del principal[kind]
            if named:
                aws = principal.get("AWS")
                aws = [aws] if isinstance(aws, str) else list(aws or [])
                principal["AWS"] = [*aws, stand_in]
    return out


def _ask(
    graph: Graph,
    who: Node,
    action: str,
    resource: str,
    account: str,
    document: dict[str, Any],
    context: dict[str, str],
    label: str,
    via: str,
) -> Hop | tuple[str, ...] | None:
    policy = compile_or_reason(document, label, PolicyKind.RESOURCE)
    if isinstance(policy, str):
        return (policy,)
    request = replace(graph.request(who, action, resource, account, policy, context), scps=())
    result = possible(request)
    if result.decision is Decision.ALLOW:
        statements = tuple(result.result.allowed_by) if result.result else ()
        witness = {**context, **(result.witness or {})}
        concrete = replace(graph.request(who, action, resource, account, policy, witness), scps=())
        note = f"CloudFront's request as the {via}, asked of a stand-in the policy names in its place"
        return Hop(who.arn, action, resource, statements, witness, note, concrete)
    if result.decision is Decision.INDETERMINATE and not result.never_allowed:
        return (f"CloudFront {action} {resource}: " + " ".join(result.explanation),)
    return None


def _read(
    graph: Graph, distribution: Distribution, origin: DistributionOrigin, bucket: Bucket, obj: str
) -> tuple[tuple[Hop, ...], tuple[str, ...]] | None:
    if not (origin.oai or origin.oac):
        return None  # CloudFront reads as an anonymous client: the bucket's own anonymous reads
    if bucket.policy is None:
        return None
    stand_in = _stand_in(distribution, bucket)
    context = {
        "aws:SourceArn": distribution.arn,
        "aws:SourceAccount": distribution.account,
        "aws:PrincipalServiceName": CLOUDFRONT_SERVICE,
    }
    view = Hop("anyone on the internet", VIEW_ACTION, distribution.arn, (), {}, "a viewer request needs no permission")
    label = f"origin access {'control' if origin.oac else 'identity ' + str(origin.oai)} of {distribution.arn}"
    read = _ask(
        graph,
        stand_in,
        READ_ACTION,
        obj,
        bucket.account,
        _rewritten(bucket.policy, origin, stand_in.arn),
        context,
        f"bucket policy of {bucket.arn}",
        label,
    )
    if read is None:
        return None
    if isinstance(read, tuple):
        return (), read
    hops: tuple[Hop, ...] = (view, read)
    if (bucket.sse_algorithm or "").startswith("aws:kms"):
        if not origin.oac:
            return None  # an origin access identity cannot read SSE-KMS objects
        key = resolve_key(bucket.kms_key_id, graph.snapshot.keys)
        if key is None:
            return (), (f"the KMS key {bucket.kms_key_id} of {bucket.arn} was not read back",)
        decrypt = _ask(
            graph,
            stand_in,
            DECRYPT_ACTION,
            key.arn,
            key.account,
            _rewritten(key.policy, origin, stand_in.arn),
            context,
            f"key policy of {key.arn}",
            label,
        )
        if decrypt is None:
            doubts = service_grant_doubts(key, CLOUDFRONT_SERVICE)  # a grant to CloudFront (enjoin.reach_grants)
            return ((), doubts) if doubts else None
        if isinstance(decrypt, tuple):
            return (), decrypt
        hops = (*hops, decrypt)
    return hops, ()
