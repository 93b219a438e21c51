"""KMS grants on the KMS side of reading an SSE-KMS holding: a grant can let its grantee decrypt.

What AWS documents, and what reach does with it:

- "Grants in AWS KMS" (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html): "When authorizing
  access to a KMS key, grants are considered along with key policies and IAM policies"; "the grant allows the
  grantee principal to call the specified grant operations on the KMS key provided that all conditions
  specified in the grant are met"; "A grant can allow access to a KMS key, but not deny access"; "The grantee
  principal can use the permissions that the grant gives them without specifying the grant, just as they
  would if the permissions came from a key policy or IAM policy". A grant is an allowance of its own: it
  needs neither a key policy statement that enables IAM policies nor an IAM policy of the grantee. Reach
  follows a grant whose operations include ``Decrypt`` and whose grantee is the caller.
- Explicit denies, SCPs, RCPs: "No AWS principal ... has any permissions to a KMS key unless they are
  explicitly allowed, and never denied, in a key policy, IAM policy, or grant" ("Key policies in AWS KMS":
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html); AWS KMS evaluates the key policy,
  the caller's IAM policies, the grants and "other types of policies that might apply to the request to use
  the CMK, such as AWS Organizations service control policies ... [which] restrict permissions otherwise given
  to principals" together ("Troubleshooting key access": https://docs.aws.amazon.com/kms/latest/developerguide/policy-evaluation.html).
  Reach decides the request with the engine as the key policy plus one Allow for the caller labelled with the
  grant: an explicit Deny of the key policy or of the caller's IAM policies, an SCP or an RCP still refuses.
- Another account: "users and roles in the external account cannot use the CMK until you attach IAM policies
  that delegate those permissions, or use grants to manage access to the CMK" ("Allowing users in other
  accounts to use a KMS key": https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html):
  a grant to a principal of another account needs no IAM policy of its own account, so the identity side is
  given the same allowance (its Denies and SCPs still apply).
- Grantee forms ("Grant concepts", grantee principal): "any AWS principal, including an AWS account (root), an
  IAM user, an IAM role, a federated role or user, or an assumed role user". The caller's own ARN is the
  grantee; an assumed-role session ARN of a role is that role's, for whoever acts as the role names its session
  (reach does not follow session names). An account's root as grantee: the documentation says the grantee
  "can represent one or more identities" of that account and not which, nor whether their IAM policies must
  then allow: that is left undecided (INDETERMINATE) for every principal of that account, except the party's
  own principal of a party account, whose account's root user the party holds.
- Constraints ("Using grant constraints", and ``GrantConstraints`` in the API reference:
  https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html): EncryptionContextEquals
  allows only a request whose encryption context is exactly the constraint's, EncryptionContextSubset one whose
  context includes its pairs; "in a grant constraint, the key in each key-value pair is not case sensitive,
  but the value is case sensitive". S3 asks KMS with ``aws:s3:arn`` (the object's ARN, or the bucket's with an
  S3 Bucket Key) and with any "additional encryption context" the object was written with, which "is stored as
  object metadata and automatically gets passed on to AWS KMS for future GetObject operations"
  (PutObject, ``x-amz-server-side-encryption-context``: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
  A constraint whose ``aws:s3:arn`` names another bucket (or object) than the request's is never met; one that
  requires further pairs may be met by objects written with them, which the inventory cannot see: undecided.
  A constraint kind reach does not evaluate (SourceArn, for service principals) is undecided too.
- Not modelled: whether a permissions boundary limits what a grant allows (the pages do not say): when only
  the boundary stands between the grant and the caller, the request is undecided. Grant tokens and eventual
  consistency do not bear on what a grant allows once it exists; the retiring principal gains no use of the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from enjoin.engine import PolicyKind, compile_policy
from enjoin.reach_edges import answer
from enjoin.reach_graph import Graph, Node, wildcard
from enjoin.reach_model import DECRYPT_ACTION, Hop
from enjoin.snapshot import Grant, Key

_S3_ARN = "aws:s3:arn"
_CONTEXT_PREFIX = "kms:EncryptionContext:"


def grant_label(grant: Grant, key: Key) -> str:
    """How a finding names the grant: its id and its key."""
    return f"KMS grant {grant.grant_id} on {key.arn}"


def decrypt_by_grant(
    graph: Graph, who: Node, key: Key, context: Mapping[str, str | None], objects: tuple[str, ...] = ()
) -> Hop | tuple[str, ...] | None:
    """A hop if a grant of ``key`` lets ``who`` decrypt under ``context``, the reasons if undecided, else None.

    ``context`` is the request the KMS side carries (``kms:ViaService``, ``kms:EncryptionContext:aws:s3:arn``);
    ``objects``: the object ARN patterns of the holding, where the context names one object of them.
    """
    reasons: list[str] = []
    for grant in key.grants:
        if "Decrypt" not in grant.operations:
            continue
        label = grant_label(grant, key)
        names = _names(graph, grant, who)
        if names is None:
            continue
        if isinstance(names, str):
            reasons.append(f"{who.arn} kms:Decrypt {key.arn}: {label}: {names}")
            continue
        met = _constraints_met(grant, context, objects)
        if met is None:
            continue
        if isinstance(met, str):
            reasons.append(f"{who.arn} kms:Decrypt {key.arn}: {label}: {met}")
            continue
        found = _decide(graph, who, key, grant, context)
        if isinstance(found, Hop):
            return found
        reasons.extend(found or ())
    return tuple(reasons) or None


def service_grant_doubts(key: Key, service: str) -> tuple[str, ...]:
    """Why a grant of ``key`` to a service principal (``cloudfront.amazonaws.com``) may let that service decrypt:
    such a grant carries a SourceArn constraint ("Grant concepts", grantee service principal), which reach does not
    evaluate, so it is a doubt where the key policy alone refuses the service."""
    return tuple(
        f"{service} kms:Decrypt {key.arn}: {grant_label(grant, key)} names the service principal {service}, and "
        "enjoin does not evaluate a grant's SourceArn constraint"
        for grant in key.grants
        if grant.grantee == service and "Decrypt" in grant.operations
    )


def _names(graph: Graph, grant: Grant, who: Node) -> bool | str | None:
    """True: the grantee is ``who``; a reason: it may be; None: it is not."""
    grantee = grant.grantee
    if grantee == who.arn:
        return True
    parts = grantee.split(":", 5)
    if len(parts) != 6 or parts[4] != who.account:
        return None
    service, resource = parts[2], parts[5]
    if service == "sts" and resource.startswith("assumed-role/") and who.kind == "role":
        role_name = resource.split("/")[1] if resource.count("/") >= 2 else ""
        return True if role_name and who.arn.rsplit("/", 1)[-1] == role_name else None
    if service == "iam" and resource == "root":
        if who.synthetic and who.account in graph.party_accounts:
            return True  # the party holds its own account's root user
        return (
            f"the grantee is the account {who.account} (root), and AWS's documentation does not say which of its "
            "identities that lets use the key, nor whether their own IAM policies must allow it"
        )
    return None


def _constraints_met(grant: Grant, context: Mapping[str, str | None], objects: tuple[str, ...]) -> bool | str | None:
    """True: the request meets the grant's constraints; a reason: objects might; None: never."""
    if grant.other_constraints:
        return f"its constraints {', '.join(grant.other_constraints)} are not evaluated by enjoin"
    value = context.get(_CONTEXT_PREFIX + _S3_ARN)
    for kind, pairs in (
        ("EncryptionContextEquals", grant.context_equals),
        ("EncryptionContextSubset", grant.context_subset),
    ):
        if pairs is None:
            continue
        lowered = {k.lower(): v for k, v in pairs.items()}  # keys are not case sensitive in a constraint
        named = lowered.pop(_S3_ARN, None)
        if named is not None and named != value:
            if objects and any(wildcard(p).fullmatch(named) for p in objects):
                return f"its {kind} names the object {named} of the holding, which reach does not probe on its own"
            return None
        if kind == "EncryptionContextEquals" and named is None:
            return None  # S3 always passes aws:s3:arn, which the constraint would not allow
        if lowered:
            return (
                f"its {kind} requires the encryption context {sorted(lowered)}, which objects written with that "
                "additional encryption context carry and the inventory cannot see"
            )
    return True


def _decide(
    graph: Graph, who: Node, key: Key, grant: Grant, context: Mapping[str, str | None]
) -> Hop | tuple[str, ...] | None:
    label = grant_label(grant, key)
    allow = {"Effect": "Allow", "Principal": {"AWS": who.arn}, "Action": DECRYPT_ACTION, "Resource": "*"}
    statements = key.policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    document = {"Version": "2012-10-17", "Statement": [*statements, allow]}
    policy = compile_policy(document, label=f"key policy of {key.arn} with {label}", kind=PolicyKind.RESOURCE)
    caller = who
    if who.account != key.account:  # the grant stands for the identity side too
        identity = compile_policy(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": DECRYPT_ACTION, "Resource": key.arn}],
            },
            label=f"{label}, for its grantee of another account",
        )
        caller = replace(who, key=f"{who.key}#grant={grant.grant_id}", identity=(*who.identity, identity))
    note = f"through {label}"
    hop = answer(graph, caller, DECRYPT_ACTION, key.arn, key.account, policy, context, note=note)
    if isinstance(hop, Hop) or who.boundary is None:
        return hop
    unbounded = replace(caller, key=f"{caller.key}#unbounded", boundary=None)
    if isinstance(answer(graph, unbounded, DECRYPT_ACTION, key.arn, key.account, policy, context), Hop):
        return (
            f"{who.arn} kms:Decrypt {key.arn}: {label} names it, and only its permissions boundary refuses: AWS's "
            "documentation does not say whether a boundary limits what a grant allows",
        )
    return hop
