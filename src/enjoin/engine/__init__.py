"""enjoin's authorization engine: may this principal perform this action on this resource?

Two questions (see ``evaluate.decide`` and ``possible.possible``):

- ``decide(request) -> Result``: the concrete question, for one request context.
- ``possible(request) -> Possibility``: the existential one: is there ANY request context (the keys
  the requester controls or that vary: source IP, TLS, MFA, time, request tags, ``s3:prefix``,
  ``sts:ExternalId``...) under which it is allowed? Answered exactly (the engine's own solver over
  per-key regions and string automata, the z3 SMT solver as fallback), and every ALLOW comes with a
  witness context that ``decide`` confirms.

AWS documentation implemented (the specification; wording and rules come from these pages):

- IAM User Guide: "Policy evaluation logic"; "Policy evaluation for requests within a single
  account" (resource-based policies and implicit denies in boundaries and session policies: user,
  role, role session); "Cross-account policy evaluation logic"; "Permissions boundaries for IAM
  entities" (incl. NotPrincipal with Deny and boundaries); "Session policies" (in "Policies and
  permissions in IAM"); "IAM JSON policy element reference" (Version, Statement, Sid, Effect,
  Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition); "IAM JSON policy
  elements: Condition operators" (every family, ...IfExists, Null, missing keys); "Single-valued vs.
  multivalued context keys" (ForAllValues, ForAnyValue); "IAM policy elements: Variables and tags";
  "AWS global condition context keys" (the principal-derived keys).
- AWS Organizations User Guide: "Service control policies (SCPs)" and "SCP evaluation" (every level
  from the root to the account must allow; "Tasks and entities not restricted by SCPs": not
  service-linked roles); "Resource control policies (RCPs)" and "RCP evaluation" ("Resources and
  entities not restricted by RCPs": not actions by service-linked roles). IAM User Guide, "Using
  service-linked roles": a role under the path ``/aws-service-role/`` is one.
- AWS KMS Developer Guide: "Key policies in AWS KMS" (the key policy must allow; the default
  statement naming the account root delegates to IAM policies).
- IAM User Guide: "How IAM roles differ from resource-based policies" and "Role terms and concepts"
  (a trust policy must allow sts:AssumeRole; naming the account root delegates to IAM policies);
  "Update a role trust policy" (the caller's permissions boundary must allow sts:AssumeRole even
  when the trust policy names it).
- Amazon S3 User Guide: "Bucket policies" / "Principals" (every principal form).

Not implemented yet (the engine answers INDETERMINATE where one of these could change the answer,
or the caller must not pass the case):

- Principals other than IAM users, roles and assumed-role sessions (account root user, federated
  users from GetFederationToken, AWS service principals, anonymous requests).
- S3 ACLs, S3 Block Public Access, S3 Object Ownership, access points and their policies (pass the
  relevant policy as ``resource_policy`` yourself), KMS grants, VPC endpoint policies, Lake Formation
  permissions, RAM shares, the organization's management account being exempt from SCPs/RCPs (the live
  organisation read gives it no level),
  AWS managed KMS keys being exempt from RCPs. A service-linked role is recognized by its role ARN
  (the path ``/aws-service-role/``) only: a session given by its assumed-role ARN, which does not
  show the path, is not taken for one.
- Which services RCPs cover beyond the AWS Organizations User Guide's "List of AWS services that
  support RCPs" as last read (``rcp_services.json``: 62 services, S3, STS, KMS, SQS, Secrets Manager,
  DynamoDB and ECR among them): for other services an RCP that would deny makes the answer
  INDETERMINATE. RCPs not impacting ``kms:RetireGrant`` ("Resources and entities not restricted by
  RCPs"): the engine applies them to it as to any KMS action, so the caller must leave a
  ``kms:RetireGrant`` request's RCPs out.
- Multiple session policies (the AssumeRole ``PolicyArns`` list): pass their intersection as one.
- ``CanonicalUser`` principals (the engine does not know canonical ids): UNKNOWN when they matter.
- A plain (non-set) operator on a key with several values: undocumented, UNKNOWN.
- possible(): a free key compared by two different operator families (string and numeric, say),
  or a policy variable naming a free key: INDETERMINATE when it matters. Free keys are independent
  of each other except ``aws:CurrentTime`` and ``aws:EpochTime``, which name the same instant, and
  range over well-formed values of the type their operators compare (AWS sets them so).

Interpretations the documentation leaves open (each deliberate and tested):

- ``"Principal": "*"`` in a resource policy names the caller itself (its exact session).
- NotPrincipal: a caller (user or exact session) not listed is not exempt; one listed without its
  account (and, for a session, its role) may still be denied ("AWS might validate the account
  first"): UNKNOWN.
- A role ARN as the principal is a session whose name is unknown unless ``principal_id`` is
  ``AROA...:name``: a statement naming a specific session of that role is UNKNOWN; so is
  ``aws:userid`` without ``principal_id`` (or an ``aws:userid`` in ``context``).
- Whether a session policy caps a trust policy naming the caller directly is not documented: it can
  only make the answer UNKNOWN. A session policy given for an IAM user is UNKNOWN too.
- An explicit deny that may or may not apply, where nothing allows anyway, is INDETERMINATE ("denied
  either way"): the decision value itself (explicit or implicit) is not known.
- A ``context`` entry for a principal key the case leaves open (``aws:userid``,
  ``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths``, an unlisted ``aws:PrincipalTag/*``, the role
  path in ``aws:PrincipalArn`` of a session given by its session ARN) is used as AWS would send it;
  one that contradicts the case (``context.principal_key_conflict``) is rejected by
  ``enjoin decide``, and the engine keeps the value it derives. A ``context`` entry for a resource
  key (``aws:ResourceAccount``, ``aws:ResourceTag/*``, ``kms:CallerAccount``) is ignored.
- ``ArnEquals``/``ArnLike`` values that are not six-component ARNs give UNKNOWN.
- Numbers, dates and IP addresses in the request that cannot be read as such give UNKNOWN.
- Tag keys in ``aws:PrincipalTag/``/``aws:ResourceTag/`` are matched case-insensitively, like key names.
"""

from enjoin.engine.evaluate import decide, decide_many
from enjoin.engine.model import ContextValue, Decision, Possibility, Request, Result, StatementRef
from enjoin.engine.policy import Policy, PolicyKind, compile_policy
from enjoin.engine.possible import possible

__all__ = [
    "ContextValue",
    "Decision",
    "Policy",
    "PolicyKind",
    "Possibility",
    "Request",
    "Result",
    "StatementRef",
    "compile_policy",
    "decide",
    "decide_many",
    "possible",
]
