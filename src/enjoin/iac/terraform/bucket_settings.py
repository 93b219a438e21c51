"""A bucket's replication, ACL and website, which Terraform writes as resources of their own, as the
AWS::S3::Bucket property each sets (registered by :mod:`enjoin.iac.terraform.translate`, whose rules they follow):

- ``aws_s3_bucket_replication_configuration`` is ``ReplicationConfiguration``: the role, and each rule's id,
  status, priority, filter (prefix, tag, ``and``) or legacy prefix, destination (bucket, account, storage class,
  access control translation, replica KMS key), source selection criteria and delete marker replication. A
  destination bucket, role or replica key known only after apply is resolved as any reference is; one in another
  account (a literal ARN) is written as CloudFormation writes it. S3 Replication Time Control (``metrics``,
  ``replication_time``) and ``existing_object_replication`` only decide when objects are copied, and reach copies
  every object a rule selects whenever it was written, so they are left out; any other key with a value leaves the
  resource unmodeled (fail closed), naming it.
- ``aws_s3_bucket_acl`` is ``AccessControl``: a canned ``acl``. CloudFormation has no property for an ACL's grant
  list, so ``access_control_policy`` stays unmodeled (the classification's reason), and puts the bucket's holdings
  in doubt.
- ``aws_s3_bucket_website_configuration`` is ``WebsiteConfiguration``: index and error documents, redirect of all
  requests, and routing rules (blocks, or ``routing_rules`` as S3's JSON).

A value of the wrong shape (a status that is not Enabled or Disabled, an ACL that is not canned, routing rules
that are not JSON) is a :class:`~enjoin.errors.DeployError` naming the plan, the address and the attribute.
References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRule.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-websiteconfiguration.html
"""

from __future__ import annotations

import json
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.terraform.translate import _MERGED, Path_, Unresolved, _blocks, _dotted, _Resource, _Translation

# Each nested block of a replication rule: its keys enjoin translates, and those it leaves out (why: the module
# docstring). A key in neither with a value leaves the resource unmodeled.
_REPLICATION_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "rule": (frozenset({"id", "priority", "status", "prefix", "filter", "destination", "source_selection_criteria",
                        "delete_marker_replication"}), frozenset({"existing_object_replication"})),
    "filter": (frozenset({"prefix", "tag", "and"}), frozenset()),
    "tag": (frozenset({"key", "value"}), frozenset()),
    "and": (frozenset({"prefix", "tags"}), frozenset()),
    "destination": (frozenset({"bucket", "account", "storage_class", "access_control_translation",
                               "encryption_configuration"}), frozenset({"metrics", "replication_time"})),
    "access_control_translation": (frozenset({"owner"}), frozenset()),
    "encryption_configuration": (frozenset({"replica_kms_key_id"}), frozenset()),
    "source_selection_criteria": (frozenset({"sse_kms_encrypted_objects", "replica_modifications"}), frozenset()),
    "sse_kms_encrypted_objects": (frozenset({"status"}), frozenset()),
    "replica_modifications": (frozenset({"status"}), frozenset()),
    "delete_marker_replication": (frozenset({"status"}), frozenset()),
}
_STATUSES = ("Enabled", "Disabled")


def _nested(r: _Resource, path: Path_) -> list[dict[str, Any]]:
    """The blocks at ``path`` (a list of mappings in the plan), each checked against ``_REPLICATION_KEYS``."""
    value: Any = r.instance.values
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            value = None
    blocks = value if isinstance(value, list) else []
    name = str(path[-1])
    translated, left_out = _REPLICATION_KEYS[name]
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue  # known only after apply: each value is asked for on its own
        for key, item in block.items():
            if key not in translated and key not in left_out and item not in (None, "", [], {}):
                raise Unresolved(_dotted((*path, i, key)), "has a value enjoin does not translate into "
                                 "CloudFormation's ReplicationConfiguration")
    return [b for b in blocks if isinstance(b, dict)]


def _status(t: _Translation, r: _Resource, path: Path_) -> str:
    status = t.value(r, path)
    if status not in _STATUSES:
        raise DeployError(t.plan.where(r.instance.address, _dotted(path)), "Enabled or Disabled", repr(status))
    return str(status)


def _replication(t: _Translation, r: _Resource) -> dict[str, Any]:
    rules = []
    for i, _ in enumerate(_nested(r, ("rule",))):
        at: Path_ = ("rule", i)
        rule: dict[str, Any] = {"Status": _status(t, r, (*at, "status"))}
        for key, prop in (("id", "Id"), ("priority", "Priority")):
            value = t.value(r, (*at, key))
            if value not in (None, ""):
                rule[prop] = value
        if _nested(r, (*at, "filter")):
            rule["Filter"] = _filter(t, r, (*at, "filter", 0))
        elif t.value(r, (*at, "prefix")) is not None:  # the legacy rule: a prefix and no filter
            rule["Prefix"] = t.value(r, (*at, "prefix"))
        if not _nested(r, (*at, "destination")):
            raise DeployError(t.plan.where(r.instance.address, _dotted((*at, "destination"))),
                              "a destination block", "none")
        rule["Destination"] = _destination(t, r, (*at, "destination", 0))
        if _nested(r, (*at, "delete_marker_replication")):
            rule["DeleteMarkerReplication"] = {
                "Status": _status(t, r, (*at, "delete_marker_replication", 0, "status"))}
        criteria: dict[str, Any] = {}
        if _nested(r, (*at, "source_selection_criteria")):
            inner = (*at, "source_selection_criteria", 0)
            for key, prop in (("sse_kms_encrypted_objects", "SseKmsEncryptedObjects"),
                              ("replica_modifications", "ReplicaModifications")):
                if _nested(r, (*inner, key)):
                    criteria[prop] = {"Status": _status(t, r, (*inner, key, 0, "status"))}
        if criteria:
            rule["SourceSelectionCriteria"] = criteria
        rules.append(rule)
    return {"Role": t.value(r, ("role",), ("aws_iam_role",)), "Rules": rules}


def _filter(t: _Translation, r: _Resource, at: Path_) -> dict[str, Any]:
    found: dict[str, Any] = {}
    prefix = t.value(r, (*at, "prefix"))
    if prefix is not None:
        found["Prefix"] = prefix
    if _nested(r, (*at, "tag")):
        found["TagFilter"] = {"Key": t.value(r, (*at, "tag", 0, "key")), "Value": t.value(r, (*at, "tag", 0, "value"))}
    if _nested(r, (*at, "and")):
        conjunction: dict[str, Any] = {}
        prefix = t.value(r, (*at, "and", 0, "prefix"))
        if prefix not in (None, ""):
            conjunction["Prefix"] = prefix
        tags = t.value(r, (*at, "and", 0, "tags")) or {}
        if not isinstance(tags, dict):
            raise DeployError(t.plan.where(r.instance.address, _dotted((*at, "and", 0, "tags"))),
                              "a map of tags", repr(tags))
        if tags:
            conjunction["TagFilters"] = [{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())]
        found["And"] = conjunction
    return found


def _destination(t: _Translation, r: _Resource, at: Path_) -> dict[str, Any]:
    found: dict[str, Any] = {"Bucket": t.value(r, (*at, "bucket"), ("aws_s3_bucket",))}
    for key, prop in (("account", "Account"), ("storage_class", "StorageClass")):
        value = t.value(r, (*at, key))
        if value not in (None, ""):
            found[prop] = value
    if _nested(r, (*at, "access_control_translation")):
        found["AccessControlTranslation"] = {"Owner": t.value(r, (*at, "access_control_translation", 0, "owner"))}
    if _nested(r, (*at, "encryption_configuration")):
        key = t.value(r, (*at, "encryption_configuration", 0, "replica_kms_key_id"), ("aws_kms_key",))
        if key not in (None, ""):
            found["EncryptionConfiguration"] = {"ReplicaKmsKeyID": key}
    return found


# Terraform's canned ACLs (S3's x-amz-acl values) as CloudFormation's AccessControl names them.
_CANNED = {"private": "Private", "public-read": "PublicRead", "public-read-write": "PublicReadWrite",
           "aws-exec-read": "AwsExecRead", "authenticated-read": "AuthenticatedRead",
           "log-delivery-write": "LogDeliveryWrite", "bucket-owner-read": "BucketOwnerRead",
           "bucket-owner-full-control": "BucketOwnerFullControl"}


def _acl(t: _Translation, r: _Resource) -> str | None:
    acl = t.value(r, ("acl",))
    if acl in (None, ""):
        return None  # a grant list (access_control_policy): unmodeled, which the classification says
    if acl not in _CANNED:
        raise DeployError(t.plan.where(r.instance.address, "acl"), f"a canned ACL ({', '.join(_CANNED)})",
                          repr(acl))
    return _CANNED[str(acl)]


def _website(t: _Translation, r: _Resource) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if _blocks(r, "index_document"):
        found["IndexDocument"] = t.value(r, ("index_document", 0, "suffix"))
    if _blocks(r, "error_document"):
        found["ErrorDocument"] = t.value(r, ("error_document", 0, "key"))
    if _blocks(r, "redirect_all_requests_to"):
        redirect = {"HostName": t.value(r, ("redirect_all_requests_to", 0, "host_name"))}
        protocol = t.value(r, ("redirect_all_requests_to", 0, "protocol"))
        if protocol:
            redirect["Protocol"] = protocol
        found["RedirectAllRequestsTo"] = redirect
    rules = [_routing_rule(t, r, i) for i, _ in enumerate(_blocks(r, "routing_rule"))]
    if not rules:
        rules = _routing_rules_json(t, r)
    if rules:
        found["RoutingRules"] = rules
    return found


_CONDITION = {"http_error_code_returned_equals": "HttpErrorCodeReturnedEquals", "key_prefix_equals": "KeyPrefixEquals"}
_REDIRECT = {"host_name": "HostName", "http_redirect_code": "HttpRedirectCode", "protocol": "Protocol",
             "replace_key_prefix_with": "ReplaceKeyPrefixWith", "replace_key_with": "ReplaceKeyWith"}


def _routing_rule(t: _Translation, r: _Resource, i: int) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    for block, prop, names in (("condition", "RoutingRuleCondition", _CONDITION), ("redirect", "RedirectRule",
                                                                                    _REDIRECT)):
        blocks = r.instance.values["routing_rule"][i].get(block) if isinstance(
            r.instance.values["routing_rule"][i], dict) else None
        if not blocks:
            continue
        written = {cfn: t.value(r, ("routing_rule", i, block, 0, tf)) for tf, cfn in names.items()}
        rule[prop] = {k: v for k, v in written.items() if v not in (None, "")}
    return rule


def _routing_rules_json(t: _Translation, r: _Resource) -> list[dict[str, Any]]:
    """``routing_rules``: S3's RoutingRules in JSON (Condition, Redirect), as CloudFormation's."""
    text = t.value(r, ("routing_rules",))
    if text in (None, ""):
        return []
    where = t.plan.where(r.instance.address, "routing_rules")
    try:
        rules = json.loads(text) if isinstance(text, str) else None
    except ValueError as exc:
        raise DeployError(where, "S3's routing rules in JSON", str(exc)) from None
    if not isinstance(rules, list) or not all(isinstance(x, dict) for x in rules):
        raise DeployError(where, "a JSON list of routing rules", repr(text)[:200])
    out = []
    for rule in rules:
        written: dict[str, Any] = {}
        if isinstance(rule.get("Condition"), dict):
            written["RoutingRuleCondition"] = dict(rule["Condition"])
        if isinstance(rule.get("Redirect"), dict):
            written["RedirectRule"] = dict(rule["Redirect"])
        if set(rule) - {"Condition", "Redirect"} or not written.get("RedirectRule"):
            raise DeployError(where, "routing rules of Condition and Redirect", repr(rule)[:200])
        out.append(written)
    return out


_MERGED.update({
    "ReplicationConfiguration": _replication,
    "AccessControl": _acl,
    "WebsiteConfiguration": _website,
})
