"""Rewriting a resource's own policy to admit oneself: the bucket's and the KMS key's sides of reading an S3 holding.

A principal that may replace a bucket's policy, or a KMS key's policy, or give itself a grant of the key, reads what
that resource guards whatever the policy says today. Reach follows each as one more way to satisfy a side of the
read, after the ways the policies allow as they are; every request is decided by the engine with its witness.

What AWS documents, and what reach does with it:

- ``s3:PutBucketPolicy`` (PutBucketPolicy, https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html):
  the caller needs ``s3:PutBucketPolicy`` on the bucket and, unless it is the owner account's root user, must
  belong to the bucket owner's account; the policy it sends replaces the bucket's. The request is decided against
  the policy in place (its Denies refuse it), with the caller's identity policies, boundary, SCPs and RCPs. The
  caller then writes one statement allowing itself ``s3:GetObject`` on the bucket's objects, and the read is
  decided under that policy (the old one's Denies are gone; the caller's identity Denies, SCPs and RCPs remain).
  Block Public Access's ``BlockPublicPolicy`` refuses only public policies, and a policy naming one principal is
  not public (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
  ``s3:DeleteBucketPolicy`` (DeleteBucketPolicy, same rule of the owner's account) leaves no bucket policy: where
  the caller may only delete it, its read is decided with none, which its own identity policies must allow.
- ``kms:PutKeyPolicy`` (PutKeyPolicy, https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html):
  not usable across accounts; the policy sent replaces the key policy. The caller writes one statement allowing
  itself ``kms:Decrypt`` (a key policy that names a principal of its own account lets it use the key without an
  IAM policy: "Key policies in AWS KMS", https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
- ``kms:CreateGrant`` (CreateGrant, https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html):
  usable across accounts (the key ARN named). The caller asks for a grant to itself of ``Decrypt``: the request
  carries ``kms:GranteePrincipal`` (the caller), ``kms:GrantOperations`` (Decrypt) and ``kms:GrantIsForAWSResource``
  false, since the caller makes it, not an AWS service on its behalf ("AWS KMS condition keys",
  https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html). The decrypt is then decided as for
  any grant (:mod:`enjoin.reach_grants`): key-policy and IAM Denies, SCPs and RCPs still refuse.
- ``s3:PutAccessPointPolicy`` (PutAccessPointPolicy,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutAccessPointPolicy.html): "Each access point can
  have only one policy, so a request made to this API replaces any existing policy". The request is decided on the
  access point's ARN against the policy in place, from any account (AWS documents no rule of the owner's account,
  as it does for PutBucketPolicy: where it refuses another account, reach over-reports, never the reverse). The
  caller writes one statement allowing itself ``s3:GetObject`` on the access point's objects; the bucket must still
  allow the read through the access point (its delegation, or its own grant), decided as for any access point.
- ``s3:CreateAccessPoint`` (CreateAccessPoint,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateAccessPoint.html): the caller creates an access
  point in its own account, in the bucket's Region, for a bucket of its account or of another one ("You can also
  create a cross-account access point that's associated with a bucket in another AWS account ... creating
  cross-account access points doesn't grant you access to data in the bucket until you are granted permissions from
  the bucket owner", "Creating access points", S3 User Guide,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/creating-access-points.html). It names the access point
  (reach tries the names its identity policies allow) and chooses its network origin (Internet, or a VPC: both are
  tried). The new access point has no policy until the caller, if allowed, puts one admitting itself; the read
  through it is then decided as through any access point, the bucket's side by the bucket's own policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import lru_cache

from enjoin.engine import Policy, PolicyKind, compile_policy
from enjoin.reach_edges import answer, resource_names
from enjoin.reach_grants import decrypt_by_grant
from enjoin.reach_graph import Graph, Node
from enjoin.reach_model import DECRYPT_ACTION, READ_ACTION, Hop
from enjoin.snapshot import AccessPoint, Bucket, Grant, Key

REWRITE_BUCKET = "s3:PutBucketPolicy"
DELETE_BUCKET_POLICY = "s3:DeleteBucketPolicy"
REWRITE_KEY = "kms:PutKeyPolicy"
CREATE_GRANT = "kms:CreateGrant"
REWRITE_POINT = "s3:PutAccessPointPolicy"
CREATE_POINT = "s3:CreateAccessPoint"
NETWORK_ORIGINS = ("Internet", "VPC")  # what a caller creating an access point may choose
# "Rules for naming Amazon S3 access points": 3-50 lowercase letters, digits and hyphens, no hyphen at either end.
_POINT_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,48})[a-z0-9]")
SELF_GRANT = "enjoin-self-grant"  # the id reach gives the grant a caller would create to itself


@lru_cache(maxsize=4096)
def own_policy(principal: str, action: str, resource: str, label: str, sid: str = "RewrittenToAdmitItself") -> Policy:
    """The one-statement policy a caller that may replace a resource's policy writes: it allows itself (or, for a
    resource the party owns, what it lets in: ``sid`` says which)."""
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": action,
         "Resource": resource}]}
    return compile_policy(document, label=label, kind=PolicyKind.RESOURCE)


def rewrite_bucket(graph: Graph, who: Node, bucket_arn: str, account: str, policy: Policy | None,
                   direct: Mapping[str, str | None]) -> tuple[Hop | None, Policy | None, tuple[str, ...]]:
    """Whether ``who`` may replace the bucket's policy (or else delete it): its hop and the policy it would write
    (None: no policy), or no hop and the reasons the engine could not decide. Same account only. ``direct`` fixes
    the access point keys absent: these requests are made on the bucket, never through an access point."""
    if who.account != account:
        return None, None, ()
    hop = answer(graph, who, REWRITE_BUCKET, bucket_arn, account, policy, direct,
                 note="replaces the bucket policy with one that admits itself (the old policy and its Denies go)")
    if not isinstance(hop, Hop):
        deleted = answer(graph, who, DELETE_BUCKET_POLICY, bucket_arn, account, policy, direct,
                         note="deletes the bucket policy (its Denies go with it)")
        if isinstance(deleted, Hop):
            return deleted, None, ()
        return None, None, (*(hop or ()), *(deleted or ()))
    written = own_policy(who.arn, READ_ACTION, f"{bucket_arn}/*", f"bucket policy of {bucket_arn} as {who.arn} "
                         "would rewrite it")
    return hop, written, ()


def take_key(graph: Graph, who: Node, key: Key, policy: Policy, context: Mapping[str, str | None],
             objects: tuple[str, ...]) -> tuple[tuple[Hop, ...] | None, tuple[str, ...]]:
    """The KMS side of the read by replacing the key policy (same account) or by a grant the caller makes itself;
    the hops, or None and the reasons the engine could not decide."""
    reasons: list[str] = []
    if who.account == key.account:
        hop = answer(graph, who, REWRITE_KEY, key.arn, key.account, policy,
                     note="replaces the key policy with one that admits itself (the old policy and its Denies go)")
        if isinstance(hop, Hop):
            written = own_policy(who.arn, DECRYPT_ACTION, "*", f"key policy of {key.arn} as {who.arn} would "
                                 "rewrite it")
            decrypt = answer(graph, who, DECRYPT_ACTION, key.arn, key.account, written, context)
            if isinstance(decrypt, Hop):
                return (hop, decrypt), ()
            reasons += decrypt or ()
        else:
            reasons += hop or ()
    asked = {"kms:GranteePrincipal": who.arn, "kms:GrantOperations": "Decrypt", "kms:GrantIsForAWSResource": "false"}
    hop = answer(graph, who, CREATE_GRANT, key.arn, key.account, policy, asked,
                 note="creates a grant of the key to itself, for Decrypt")
    if isinstance(hop, Hop):
        grant = Grant(SELF_GRANT, who.arn, ("Decrypt",), name="the grant the caller creates to itself")
        granted = decrypt_by_grant(graph, who, replace(key, grants=(grant,)), context, objects)
        if isinstance(granted, Hop):
            return (hop, granted), ()
        reasons += granted or ()
    else:
        reasons += hop or ()
    return None, tuple(reasons)


def point_keys(point: AccessPoint) -> dict[str, str | None]:
    """The access point keys a request on or through ``point`` carries: the Service Authorization Reference lists
    them for s3:CreateAccessPoint and s3:PutAccessPointPolicy as for the object requests made through it."""
    return {
        "s3:DataAccessPointArn": point.arn,
        "s3:DataAccessPointAccount": point.account,
        "s3:AccessPointNetworkOrigin": point.network_origin,
    }


def rewrite_access_point(graph: Graph, who: Node, point: AccessPoint,
                         policy: Policy | None) -> tuple[Hop | None, Policy | None, tuple[str, ...]]:
    """Whether ``who`` may replace the access point's policy: its hop and the policy it would write (one admitting
    itself to the access point's objects), or no hop and the reasons the engine could not decide."""
    hop = answer(graph, who, REWRITE_POINT, point.arn, point.account, policy, point_keys(point),
                 note="replaces the access point policy with one that admits itself")
    if not isinstance(hop, Hop):
        return None, None, tuple(hop or ())
    written = own_policy(who.arn, READ_ACTION, f"{point.arn}/object/*",
                         f"access point policy of {point.arn} as {who.arn} would write it")
    return hop, written, ()


def point_names(who: Node, prefix: str) -> list[str]:
    """The access point names to try: the probe, then one per Resource pattern of the caller's identity policies
    that names an access point, where it makes a valid name."""
    out: list[str] = []
    for candidate in resource_names(who, prefix, ":accesspoint/"):
        name = candidate[len(prefix):].split("/", 1)[0]
        if _POINT_NAME.fullmatch(name) and name not in out:
            out.append(name)
    return out


def new_access_points(graph: Graph, who: Node, bucket: Bucket,
                      undecided: list[str]) -> Iterator[tuple[Hop, AccessPoint]]:
    """The access points ``who`` may create for ``bucket`` in its own account (each name it may use, each network
    origin), with the hop of each CreateAccessPoint; what the engine could not decide goes to ``undecided``."""
    partition = who.arn.split(":")[1]
    prefix = f"arn:{partition}:s3:{bucket.region}:{who.account}:accesspoint/"
    for name in point_names(who, prefix):
        for origin in NETWORK_ORIGINS:
            point = AccessPoint(prefix + name, name, who.account, bucket.region, bucket.name, None, origin)
            hop = answer(graph, who, CREATE_POINT, point.arn, who.account, None, point_keys(point),
                         note=f"creates access point {name} ({origin}) for bucket {bucket.name}")
            if isinstance(hop, Hop):
                yield hop, point
            elif hop:
                undecided.extend(hop)
