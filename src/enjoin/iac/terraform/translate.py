"""A Terraform plan, translated into the CloudFormation model enjoin already deploys: one template per account.

Why translate rather than apply through boto3: deploy already brings CloudFormation resources up in moto, applies
what moto drops, and verifies every security-relevant property against the backend; the inventory, reach and
judgment read what deploy made. A plan whose ``aws_iam_role`` becomes an ``AWS::IAM::Role`` (its
``aws_iam_role_policy_attachment`` the role's ``ManagedPolicyArns``, an ``aws_s3_bucket_public_access_block``
its bucket's ``PublicAccessBlockConfiguration``...) goes through that same tested path, so nothing downstream
knows which language the code was written in, and each fix to deploy serves both.

The rules (the classification is ``classification.yaml``, loaded by :mod:`enjoin.iac.terraform.classification`):

- Each managed instance of the AWS provider goes to the account of its provider configuration: the templates
  entry's ``account`` for the default one, ``providers:`` for an aliased one (``aws.dhs: dhs``). An aliased
  configuration the entry does not map is an error naming the plan, the address and ``provider``.
- A ``modeled`` type becomes its CloudFormation resource, or (``merge:``) a property of the resource it
  configures, found by its argument (``bucket``, ``role``, ``key_id``) in the same account. A value known only
  after apply is resolved only for an argument that names a resource (:mod:`enjoin.iac.terraform.references`):
  to ``Ref`` or ``Fn::GetAtt`` of that resource's translation. Any other unknown value, a target not in the plan
  or in another account, leaves the whole resource unmodeled: its holdings (the classification's ``affects``)
  are INDETERMINATE, and the reason names the address, the attribute and the references.
- An argument of a modeled type that the classification does not name, and that has a value, is unmodeled
  with affects ``self``.
- An ``inert`` type and a resource of another provider (random, tls...) are listed, not deployed; an
  ``unmodeled`` type (or one not named) is listed with what it refers to, for reach to bound. A data source is
  not a construct at all: it creates nothing, and what it computes is in the planned values of the resources
  that use it.

Logical ids are derived from addresses; :class:`PlanTemplate` names the Terraform address and attribute in every
error and construct instead.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from enjoin.config_model import Template
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.cloudformation.plan import Declared, TemplatePlan
from enjoin.iac.cloudformation.template import CfnTemplate, PolicyPlace
from enjoin.iac.terraform.classification import (
    Merge,
    TerraformClassification,
    TypeEntry,
    load_terraform_classification,
)
from enjoin.iac.terraform.organization import CodePolicy, organization_policies
from enjoin.iac.terraform.plan import Expression, Instance, Plan
from enjoin.iac.terraform.references import Target, configured, expression_at, follow, specific
from enjoin.yamlload import Refused, bounded_loader

Path_ = tuple[str | int, ...]

# What a reference to a resource's attribute is in CloudFormation: "Ref", or the Fn::GetAtt attribute.
_IDENTITY: dict[tuple[str, str], str] = {
    ("aws_s3_bucket", "id"): "Ref",
    ("aws_s3_bucket", "bucket"): "Ref",
    ("aws_s3_bucket", "arn"): "Arn",
    ("aws_iam_role", "id"): "Ref",
    ("aws_iam_role", "name"): "Ref",
    ("aws_iam_role", "arn"): "Arn",
    ("aws_iam_user", "id"): "Ref",
    ("aws_iam_user", "name"): "Ref",
    ("aws_iam_user", "arn"): "Arn",
    ("aws_iam_group", "id"): "Ref",
    ("aws_iam_group", "name"): "Ref",
    ("aws_iam_group", "arn"): "Arn",
    ("aws_iam_policy", "id"): "Ref",
    ("aws_iam_policy", "arn"): "Ref",
    ("aws_iam_instance_profile", "id"): "Ref",
    ("aws_iam_instance_profile", "name"): "Ref",
    ("aws_iam_instance_profile", "arn"): "Arn",
    ("aws_s3_access_point", "name"): "Ref",
    ("aws_s3_access_point", "arn"): "Arn",
    ("aws_kms_key", "id"): "Ref",
    ("aws_kms_key", "key_id"): "Ref",
    ("aws_kms_key", "arn"): "Arn",
}
# The identity an argument takes when the reference records no attribute.
_CANONICAL = {"aws_s3_bucket": "id", "aws_iam_role": "name", "aws_iam_user": "name", "aws_iam_group": "name",
              "aws_iam_policy": "arn", "aws_kms_key": "arn", "aws_iam_instance_profile": "name",
              "aws_s3_access_point": "arn"}
# The argument that holds a resource's own name, for finding it by a literal value.
_NAME = {"aws_s3_bucket": "bucket", "aws_iam_role": "name", "aws_iam_user": "name", "aws_iam_group": "name",
         "aws_iam_policy": "name", "aws_iam_instance_profile": "name", "aws_s3_access_point": "name"}


class Unresolved(Exception):
    """A value the translation needs and cannot have: the attribute, and why."""

    def __init__(self, attribute: str, why: str) -> None:
        super().__init__(attribute, why)
        self.attribute, self.why = attribute, why


@dataclass(frozen=True, slots=True)
class PlanTemplate(CfnTemplate):
    """One account's share of a plan, as a CloudFormation template that names Terraform addresses.

    Attributes:
        addresses: logical id -> the Terraform address it was translated from.
        attributes: (logical id, CloudFormation property) -> the Terraform attribute it came from.
        declared: what the plan declares that is not deployed (by Terraform's classification), and the unmodeled
            arguments of translated resources.
    """

    addresses: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    declared: tuple[Declared, ...] = ()
    # (logical id, CloudFormation property) -> (the address that writes it, its attribute path, the expression)
    origins: dict[tuple[str, str], tuple[str, tuple[str | int, ...], str]] = field(default_factory=dict)
    plan_text: str = field(default="", repr=False, compare=False)  # the plan file as read, for its lines
    # What CloudFormation cannot write and deploy applies after the stack (enjoin.iac.terraform.applied): (the
    # address, the API call, its request, whose Ref and Fn::GetAtt name this template's resources), in plan order.
    applied: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    # The plan's SCPs and RCPs taken onto accounts' levels (enjoin.iac.terraform.organization): on the plan's first
    # template only, so that a plan's policy is counted once.
    organization: tuple[CodePolicy, ...] = ()

    def policy_place(self, logical_id: str, key: tuple[str | int, ...]) -> PolicyPlace | None:
        """The Terraform address that writes the policy document at ``key``, the line of its value in the plan's
        ``resource_changes`` (a policy is one JSON string there, so every statement is on that line) and the
        configuration expression that gives it."""
        origin = self.origins.get((logical_id, str(key[0]))) if key else None
        if origin is None:
            return PolicyPlace(self.addresses.get(logical_id, logical_id), 0)
        address, path, expression = origin
        if key[0] == "Policies" and len(key) > 1:  # a role's inline_policy blocks, in order
            path = (*path, key[1], "policy")
        node = _after_nodes(self.plan_text).get(address)
        for step in path:
            node = _child(node, step)
        line = node.start_mark.line + 1 if node is not None else 0
        document: Any = self.body.get("Resources", {}).get(logical_id, {}).get("Properties", {})
        for step in key:
            document = _child_value(document, step)
        statements = document.get("Statement") if isinstance(document, dict) else None
        count = len(statements) if isinstance(statements, list) else (1 if isinstance(statements, dict) else 0)
        return PolicyPlace(address, line, (line,) * count if line else (), expression)

    def address_line(self, address: str) -> int:
        """The line of a resource change's planned values (``change.after``) in the plan; 0 when not known."""
        node = _after_nodes(self.plan_text).get(address)
        return node.start_mark.line + 1 if node is not None else 0

    def where(self, logical_id: str | None = None, prop: str | None = None) -> str:
        text = str(self.path)
        if logical_id is not None:
            text += f": {self.addresses.get(logical_id, logical_id)}"
        if prop is not None:
            text += f", attribute {self.attributes.get((logical_id or '', prop), prop)}"
        return text

    def replan(self, plan: TemplatePlan) -> TemplatePlan:
        """The CloudFormation classification of this template, with what Terraform's classification says of
        the resources and arguments it did not translate."""
        own = {d.logical_id for d in self.declared if d.prop is None}
        kept = tuple(d for d in plan.declared if d.logical_id not in own)
        return TemplatePlan(self, {k: v for k, v in plan.modeled.items() if k not in own}, (*kept, *self.declared))


def translate(plan: Plan, entry: Template, classification: TerraformClassification | None = None
              ) -> list[tuple[str, PlanTemplate]]:
    """The plan's templates, (account id, template), in the order their accounts first appear in the plan."""
    return _Translation(plan, entry, classification or load_terraform_classification()).run()


@dataclass
class _Resource:
    instance: Instance
    account: str
    entry: TypeEntry
    logical_id: str
    body: dict[str, Any] | None = None  # {"Type": ..., "Properties": ...} once translated
    attributes: dict[str, str] = field(default_factory=dict)
    origins: dict[str, tuple[str, tuple[str | int, ...], str]] = field(default_factory=dict)
    declared: list[Declared] = field(default_factory=list)
    started: bool = False  # its translation began: resources are translated in dependency order, not plan order


class _Translation:
    def __init__(self, plan: Plan, entry: Template, classification: TerraformClassification) -> None:
        self.plan, self.entry, self.classification = plan, entry, classification
        try:
            self.plan_text = plan.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self.plan_text = ""  # no lines: a report says so rather than guess
        self.resources: dict[str, _Resource] = {}
        used: set[str] = set()
        for instance in plan.instances:
            provider = instance.provider.split(".")[0]
            account = self._account(instance) if provider == "aws" else entry.account
            kind = classification.of(instance.mode, instance.type)
            if provider != "aws":
                kind = TypeEntry(Class.INERT, f"a resource of provider {provider}: it creates nothing in AWS")
            self.resources[instance.address] = _Resource(instance, account, kind, _logical_id(instance.address, used))
        self.organization, classes = organization_policies(plan, entry)
        for address, (klass, reason) in classes.items():  # taken, inert or left out, whatever the table's fallback
            r = self.resources[address]
            r.entry = TypeEntry(klass, reason, frozenset({"all"}) if klass is Class.UNMODELED else frozenset())

    def _account(self, instance: Instance) -> str:
        if instance.provider == "aws":
            return self.entry.account
        account = self.entry.providers.get(instance.provider)
        if account is None:
            mapped = ", ".join(sorted(self.entry.providers)) or "none"
            raise DeployError(
                self.plan.where(instance.address, "provider"),
                f"an account for provider configuration {instance.provider} in the templates entry's providers: "
                f"(mapped: {mapped})",
                "none",
            )
        return account

    def run(self) -> list[tuple[str, PlanTemplate]]:
        for resource in self.resources.values():
            self._ensure(resource)
        for resource in self.resources.values():
            if resource.entry.klass is Class.MODELED and resource.entry.merge:
                self._merge(resource)
        applied = {r.instance.address: request for r in self.resources.values()
                   if (request := self._applied(r)) is not None}
        accounts: dict[str, PlanTemplate] = {}
        for resource in self.resources.values():
            if resource.account not in accounts:
                accounts[resource.account] = PlanTemplate(self.plan.path, {"Resources": {}})
        templates = []
        for account, empty in accounts.items():
            mine = [r for r in self.resources.values() if r.account == account]
            body: dict[str, Any] = {"Resources": {}}
            declared: list[Declared] = []
            attributes: dict[tuple[str, str], str] = {}
            origins: dict[tuple[str, str], tuple[str, tuple[str | int, ...], str]] = {}
            after = [(r.instance.address, str(r.entry.applied), applied[r.instance.address]) for r in mine
                     if r.instance.address in applied]
            for r in mine:
                if r.instance.address in applied:  # deploy applies it after the stack: not a CloudFormation resource
                    continue
                if r.instance.mode == "data":
                    # Not a construct: a read creates and changes nothing, and what it computes (a policy
                    # document's JSON) reaches AWS only through the arguments of the resources that use it, which
                    # are translated from their planned values. Listing every one as inert was noise.
                    continue
                if r.body is not None:
                    body["Resources"][r.logical_id] = r.body
                    attributes.update({(r.logical_id, p): a for p, a in r.attributes.items()})
                    origins.update({(r.logical_id, p): o for p, o in r.origins.items()})
                    declared.extend(r.declared)
                elif not (r.entry.klass is Class.MODELED and r.entry.merge and not r.declared):
                    body["Resources"][r.logical_id] = self._construct_body(r)
                    declared.extend(r.declared or [self._declared(r, r.entry.klass, r.entry.reason, r.entry.affects)])
            addresses = {r.logical_id: r.instance.address for r in mine if r.instance.mode != "data"}
            text = json.dumps(body, indent=1, sort_keys=True)
            templates.append((account, replace(empty, body=body, text=text, addresses=addresses,
                                               attributes=attributes, declared=tuple(declared), origins=origins,
                                               plan_text=self.plan_text, applied=tuple(after))))
        if templates:
            templates[0] = (templates[0][0], replace(templates[0][1], organization=self.organization))
        return templates

    # ---- building blocks ----------------------------------------------------------------------------------

    def _declared(self, r: _Resource, klass: Class, reason: str, affects: frozenset[str], prop: str | None = None
                  ) -> Declared:
        rtype = r.body["Type"] if r.body is not None and prop is not None else f"Terraform::{r.instance.type}"
        return Declared(r.logical_id, str(rtype), prop, klass, reason, affects if klass is Class.UNMODELED else
                        frozenset())

    def _unresolved(self, r: _Resource, exc: Unresolved) -> None:
        r.body = None
        reason = f"{r.instance.type} left out: {exc.attribute} {exc.why}"
        r.declared = [self._declared(r, Class.UNMODELED, reason, r.entry.affects or frozenset({"all"}))]

    def _construct_body(self, r: _Resource) -> dict[str, Any]:
        """What an untranslated resource refers to (for reach to bound it) and its known values (mentions)."""
        refs = sorted({lid for lid in self._referenced(r)})
        return {"Type": f"Terraform::{r.instance.type}",
                "Properties": {"References": [{"Ref": lid} for lid in refs], "Values": r.instance.values}}

    def _referenced(self, r: _Resource) -> Iterator[str]:
        """The translated resources of the same account this one refers to: by reference, or by a literal name."""
        config = r.instance.config
        for attribute in (config.expressions if config else {}):
            target = follow(self.plan, r.instance, (attribute,))
            if target is not None:
                found = self.resources.get(target.address)
                if found is not None and found.account == r.account and found.body is not None:
                    yield found.logical_id
        strings = set(_strings(r.instance.values))
        for other in self.resources.values():
            name = _NAME.get(other.instance.type)
            value = other.instance.values.get(name) if name else None
            if other.account == r.account and other.body is not None and isinstance(value, str) and value in strings:
                yield other.logical_id

    def value(self, r: _Resource, path: Path_, identity: tuple[str, ...] = ()) -> Any:
        """The planned value at ``path``; for an argument naming a resource of a type in ``identity``, a value
        known only after apply becomes a reference to that resource's translation."""
        known, value = _at(r.instance.values, r.instance.unknown, path)
        if known:
            return value
        attribute = _dotted(path)
        if r.instance.config is not None and not configured(r.instance, path):
            # Optional and computed, and not set by the configuration (a new role's inline_policy): what AWS will
            # hold is what this plan's other resources put there, which the translation adds itself.
            return None
        if not identity:
            raise Unresolved(attribute, f"is known only after apply, and enjoin does not resolve {attribute} from "
                             f"references ({_refs(expression_at(r.instance, path))})")
        target = follow(self.plan, r.instance, path)
        return self._reference(r, attribute, target, identity, expression_at(r.instance, path))

    def _reference(self, r: _Resource, attribute: str, target: Target | None, identity: tuple[str, ...],
                   expression: Expression | None) -> Any:
        found = self.resources.get(target.address) if target else None
        if found is not None:
            self._ensure(found)
        # A reference through a dynamic key (aws_s3_bucket.store[each.key]) records no attribute: the argument
        # takes the one form of the resource's identity it accepts.
        how = (_IDENTITY.get((found.instance.type, target.attribute or _CANONICAL.get(found.instance.type, "")))
               if found and target else None)
        if found is None or how is None or found.instance.type not in identity:
            raise Unresolved(attribute, "is known only after apply, and its expression does not refer to exactly one "
                             f"attribute naming a {' or '.join(identity)} ({_refs(expression)})")
        if found.account != r.account:
            raise Unresolved(attribute, f"refers to {found.instance.address}, deployed into another account")
        if found.body is None:
            raise Unresolved(attribute, f"refers to {found.instance.address}, which enjoin does not deploy")
        return {"Ref": found.logical_id} if how == "Ref" else {"Fn::GetAtt": [found.logical_id, how]}

    def target(self, r: _Resource, by: str, into: str) -> _Resource:
        """The resource of type ``into`` that argument ``by`` names, in the same account."""
        value = self.value(r, (by,), (into,))
        if (isinstance(value, dict) and "Ref" in value) or (isinstance(value, dict) and "Fn::GetAtt" in value):
            lid = value.get("Ref") or value["Fn::GetAtt"][0]
            return next(x for x in self.resources.values() if x.logical_id == lid)
        for other in self.resources.values():
            if other.instance.type != into or other.account != r.account:
                continue
            self._ensure(other)
            if other.body is None:
                continue
            own = other.instance.values
            if value in (own.get(_NAME.get(into, "")), own.get("arn"), own.get("id"), own.get("key_id")):
                return other
        raise Unresolved(by, f"names {value!r}, which is not a {into} this plan deploys into account {r.account}")

    # ---- translation ---------------------------------------------------------------------------------------

    def _ensure(self, r: _Resource) -> None:
        """Translate a resource translated into its own CloudFormation resource, once (before what refers to it;
        a reference cycle leaves the later one unresolved, as a value known only after apply)."""
        if not r.started and r.entry.klass is Class.MODELED and r.entry.cloudformation:
            r.started = True
            self._translate(r)

    def _translate(self, r: _Resource) -> None:
        build = _BUILDERS.get(str(r.entry.cloudformation))
        if build is None:
            self._unresolved(r, Unresolved("the whole resource", f"has no translation into {r.entry.cloudformation}"))
            return
        r.body = {"Type": r.entry.cloudformation, "Properties": {}}
        try:
            build(self, r)
        except Unresolved as exc:
            self._unresolved(r, exc)
            return
        self._unlisted(r)

    def _unlisted(self, r: _Resource) -> None:
        for attribute, value in r.instance.values.items():
            listed = r.entry.attributes.get(attribute)
            if (listed is not None and listed[0] is not Class.UNMODELED) or value in (None, "", [], {}):
                continue
            reason = (listed[1] if listed is not None else
                      f"enjoin's Terraform classification does not name the argument {attribute} of {r.instance.type}")
            r.declared.append(self._declared(r, Class.UNMODELED, reason, frozenset({"self"}), attribute))

    def _applied(self, r: _Resource) -> dict[str, Any] | None:
        """The request of a type deploy applies through the API (``applied:``), or None (unresolved: unmodeled)."""
        if r.entry.klass is not Class.MODELED or not r.entry.applied:
            return None
        try:
            request = _APPLIED[str(r.entry.applied)](self, r)
        except Unresolved as exc:
            self._unresolved(r, exc)
            return None
        self._unlisted(r)
        if r.declared:  # an argument enjoin does not know: the whole grant is in doubt, not a resource it writes
            doubt = r.declared[0]
            self._unresolved(r, Unresolved(str(doubt.prop), doubt.reason))
            return None
        return request

    def _merge(self, r: _Resource) -> None:
        merge = r.entry.merge
        assert merge is not None  # only called for merge rows
        try:
            # A type whose merge writes several resources (a policy attachment's roles, users and groups) does it
            # itself, and says which.
            merger = _MERGERS.get(r.instance.type)
            written = merger(self, r) if merger is not None else [self._merge_into(r, merge)]
        except Unresolved as exc:
            self._unresolved(r, exc)
            return
        r.declared = []
        for into in written:
            for attribute, value in r.instance.values.items():  # an argument it does not know puts its target in doubt
                listed = r.entry.attributes.get(attribute)
                if (listed is not None and listed[0] is not Class.UNMODELED) or value in (None, "", [], {}):
                    continue
                reason = (f"{listed[1]} ({r.instance.address})" if listed is not None else
                          f"enjoin's Terraform classification does not name the argument {attribute} of "
                          f"{r.instance.type} ({r.instance.address})")
                into.declared.append(Declared(into.logical_id, str(into.entry.cloudformation),
                                              f"{attribute} ({r.instance.address})", Class.UNMODELED, reason,
                                              frozenset({"self"})))

    def _merge_into(self, r: _Resource, merge: Merge) -> _Resource:
        """The resource the ``merge:`` row's argument names, with the row's property merged into it."""
        into = self.target(r, merge.by, merge.into)
        if into.body is None:
            raise Unresolved(merge.by, f"names {into.instance.address}, which enjoin does not deploy")
        props = into.body["Properties"]
        # Two resources of the plan that each set one value (a bucket's website, a user's login profile) race:
        # Terraform applies them in no set order, so which AWS keeps is not decided. The later one is left out.
        earlier = into.attributes.get(merge.property, "")
        if earlier.startswith(f"{merge.property} (from ") and merge.property not in _LISTED:
            raise Unresolved(merge.by, f"names {into.instance.address}, whose {merge.property} is set by "
                             f"{earlier[len(merge.property) + 7:-1]} too: which one AWS keeps depends on the order "
                             "Terraform applies them in")
        if merge.value is not None:
            added = self.value(r, (merge.value,), ("aws_iam_policy",) if merge.value == "policy_arn" else ())
            if merge.property == "ManagedPolicyArns":
                props.setdefault("ManagedPolicyArns", []).append(added)
            else:
                props[merge.property] = _document(self, r, merge.value) if merge.value == "policy" else added
        else:
            built = _MERGED[merge.property](self, r)
            if isinstance(built, list):
                props.setdefault(merge.property, []).extend(built)
            elif built is not None:  # None: the resource sets nothing CloudFormation can write (its doubts say why)
                props[merge.property] = built
        into.attributes[merge.property] = f"{merge.property} (from {r.instance.address})"
        if merge.value is not None:
            into.origins[merge.property] = (r.instance.address, (merge.value,),
                                            _expression_text(r.instance, merge.value))
        return into


# ---- per type -------------------------------------------------------------------------------------------------

def _document(t: _Translation, r: _Resource, attribute: str) -> Any:
    text = t.value(r, (attribute,))
    if not isinstance(text, str):
        raise Unresolved(attribute, f"is {type(text).__name__}, not a policy document in JSON")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DeployError(t.plan.where(r.instance.address, attribute), "a policy document in JSON", str(exc)) from None
    if not isinstance(document, dict):
        raise DeployError(t.plan.where(r.instance.address, attribute), "a policy document (a JSON object)",
                          type(document).__name__)
    return document


def _set(t: _Translation, r: _Resource, prop: str, attribute: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        assert r.body is not None  # set only while translating
        r.body["Properties"][prop] = value
        r.attributes[prop] = attribute
        r.origins[prop] = (r.instance.address, (attribute,), _expression_text(r.instance, attribute))


def _expression_text(instance: Instance, attribute: str) -> str:
    """``policy = data.aws_iam_policy_document.reader.json``: the attribute and the references of its expression
    (the plan records references, not the expression's text); "" for a constant or no expression."""
    expression = expression_at(instance, (attribute,))
    refs = specific(expression.references) if expression is not None else []
    if expression is not None and "each.key" in expression.references:  # for_each: the instance's own element
        refs = [r if r.endswith("]") else f"{r}[each.key]" for r in refs]
    return f"{attribute} = {', '.join(refs)}" if refs else ""


def _tags(t: _Translation, r: _Resource) -> None:
    tags = t.value(r, ("tags",)) or {}
    _set(t, r, "Tags", "tags", [{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())])


def _known(t: _Translation, r: _Resource, attribute: str, identity: tuple[str, ...] = ()) -> Any:
    return t.value(r, (attribute,), identity)


def _role(t: _Translation, r: _Resource) -> None:
    _set(t, r, "RoleName", "name", _known(t, r, "name"))
    path = _known(t, r, "path")
    _set(t, r, "Path", "path", path if path != "/" else None)
    _set(t, r, "AssumeRolePolicyDocument", "assume_role_policy", _document(t, r, "assume_role_policy"))
    _set(t, r, "MaxSessionDuration", "max_session_duration", _known(t, r, "max_session_duration"))
    _set(t, r, "PermissionsBoundary", "permissions_boundary", _known(t, r, "permissions_boundary", ("aws_iam_policy",)))
    arns = _known(t, r, "managed_policy_arns") or []
    _set(t, r, "ManagedPolicyArns", "managed_policy_arns", list(arns))
    policies = []
    for i, block in enumerate(_blocks(r, "inline_policy")):
        if block.get("name") or block.get("policy"):
            policies.append({"PolicyName": t.value(r, ("inline_policy", i, "name")),
                             "PolicyDocument": json.loads(t.value(r, ("inline_policy", i, "policy")))})
    _set(t, r, "Policies", "inline_policy", policies)
    _tags(t, r)


def _inline(kind: str, owner: str, key: str) -> Callable[[_Translation, _Resource], None]:
    def build(t: _Translation, r: _Resource) -> None:
        _set(t, r, "PolicyName", "name", _known(t, r, "name"))
        _set(t, r, f"{kind}Name", owner, _known(t, r, owner, (key,)))
        _set(t, r, "PolicyDocument", "policy", _document(t, r, "policy"))
    return build


def _managed_policy(t: _Translation, r: _Resource) -> None:
    _set(t, r, "ManagedPolicyName", "name", _known(t, r, "name"))
    path = _known(t, r, "path")
    _set(t, r, "Path", "path", path if path != "/" else None)
    _set(t, r, "PolicyDocument", "policy", _document(t, r, "policy"))


def _user(t: _Translation, r: _Resource) -> None:
    _set(t, r, "UserName", "name", _known(t, r, "name"))
    path = _known(t, r, "path")
    _set(t, r, "Path", "path", path if path != "/" else None)
    _set(t, r, "PermissionsBoundary", "permissions_boundary", _known(t, r, "permissions_boundary", ("aws_iam_policy",)))
    _tags(t, r)


def _group(t: _Translation, r: _Resource) -> None:
    _set(t, r, "GroupName", "name", _known(t, r, "name"))
    path = _known(t, r, "path")
    _set(t, r, "Path", "path", path if path != "/" else None)


def _instance_profile(t: _Translation, r: _Resource) -> None:
    _set(t, r, "InstanceProfileName", "name", _known(t, r, "name"))
    path = _known(t, r, "path")
    _set(t, r, "Path", "path", path if path != "/" else None)
    role = _known(t, r, "role", ("aws_iam_role",))  # one role in Terraform; CloudFormation's list of it
    _set(t, r, "Roles", "role", [role] if role else None)


def _saml_provider(t: _Translation, r: _Resource) -> None:
    _set(t, r, "Name", "name", _known(t, r, "name"))
    _set(t, r, "SamlMetadataDocument", "saml_metadata_document", _known(t, r, "saml_metadata_document"))


def _oidc_provider(t: _Translation, r: _Resource) -> None:
    _set(t, r, "Url", "url", _known(t, r, "url"))
    _set(t, r, "ClientIdList", "client_id_list", list(_known(t, r, "client_id_list") or []))
    _set(t, r, "ThumbprintList", "thumbprint_list", list(_known(t, r, "thumbprint_list") or []))
    _tags(t, r)


def _bucket(t: _Translation, r: _Resource) -> None:
    _set(t, r, "BucketName", "bucket", _known(t, r, "bucket"))
    _tags(t, r)


def _bucket_policy(t: _Translation, r: _Resource) -> None:
    _set(t, r, "Bucket", "bucket", _known(t, r, "bucket", ("aws_s3_bucket",)))
    _set(t, r, "PolicyDocument", "policy", _document(t, r, "policy"))


def _access_point(t: _Translation, r: _Resource) -> None:
    known, account = _at(r.instance.values, r.instance.unknown, ("account_id",))
    if known and account not in (None, r.account):  # unknown or unset: the provider's own account
        raise Unresolved("account_id", f"names account {account}, not {r.account}, where its provider deploys it")
    _set(t, r, "Name", "name", _known(t, r, "name"))
    _set(t, r, "Bucket", "bucket", _known(t, r, "bucket", ("aws_s3_bucket",)))
    if _known(t, r, "policy") not in (None, "", "{}"):  # "{}" is how Terraform removes the policy
        _set(t, r, "Policy", "policy", _document(t, r, "policy"))
    blocks = _blocks(r, "public_access_block_configuration")
    if blocks:
        names = {"block_public_acls": "BlockPublicAcls", "block_public_policy": "BlockPublicPolicy",
                 "ignore_public_acls": "IgnorePublicAcls", "restrict_public_buckets": "RestrictPublicBuckets"}
        _set(t, r, "PublicAccessBlockConfiguration", "public_access_block_configuration", {
            cfn: bool(t.value(r, ("public_access_block_configuration", 0, tf))) for tf, cfn in names.items()})
    if _blocks(r, "vpc_configuration"):
        _set(t, r, "VpcConfiguration", "vpc_configuration",
             {"VpcId": t.value(r, ("vpc_configuration", 0, "vpc_id"))})


def _names(t: _Translation, r: _Resource, attribute: str, into: str) -> list[Any]:
    """A set of names of resources of type ``into`` (a membership's users, a user's groups): as planned, or, when
    known only after apply, a ``Ref`` to each resource the expression names."""
    known, listed = _at(r.instance.values, r.instance.unknown, (attribute,))
    if known:
        return list(listed or [])
    # A set: which element is which does not matter, only that each is one of the resources the expression names.
    expression = expression_at(r.instance, (attribute,))
    named = [t.resources.get(f"{r.instance.module}.{ref}" if r.instance.module else ref)
             for ref in (expression.references if expression else ())]
    found = [x for x in named if x is not None and x.instance.type == into]
    for x in found:
        t._ensure(x)
    count = len(r.instance.values.get(attribute) or [])
    if len(found) != count or any(x.account != r.account or x.body is None for x in found):
        raise Unresolved(attribute, f"is known only after apply, and its references ({_refs(expression)}) do not "
                         f"name {count} of type {into} this plan deploys into account {r.account}")
    return [{"Ref": x.logical_id} for x in found]


def _membership(t: _Translation, r: _Resource) -> None:
    _set(t, r, "GroupName", "group", _known(t, r, "group", ("aws_iam_group",)))
    _set(t, r, "Users", "users", _names(t, r, "users", "aws_iam_user"))


def _key(t: _Translation, r: _Resource) -> None:
    if _known(t, r, "policy"):
        _set(t, r, "KeyPolicy", "policy", _document(t, r, "policy"))
    _set(t, r, "EnableKeyRotation", "enable_key_rotation", _known(t, r, "enable_key_rotation"))
    _tags(t, r)


def _alias(t: _Translation, r: _Resource) -> None:
    _set(t, r, "AliasName", "name", _known(t, r, "name"))
    _set(t, r, "TargetKeyId", "target_key_id", _known(t, r, "target_key_id", ("aws_kms_key",)))


_BUILDERS: dict[str, Callable[[_Translation, _Resource], None]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::RolePolicy": _inline("Role", "role", "aws_iam_role"),
    "AWS::IAM::UserPolicy": _inline("User", "user", "aws_iam_user"),
    "AWS::IAM::GroupPolicy": _inline("Group", "group", "aws_iam_group"),
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::User": _user,
    "AWS::IAM::Group": _group,
    "AWS::IAM::UserToGroupAddition": _membership,
    "AWS::IAM::InstanceProfile": _instance_profile,
    "AWS::IAM::SAMLProvider": _saml_provider,
    "AWS::IAM::OIDCProvider": _oidc_provider,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::S3::AccessPoint": _access_point,
    "AWS::KMS::Key": _key,
    "AWS::KMS::Alias": _alias,
}


def _public_access_block(t: _Translation, r: _Resource) -> dict[str, Any]:
    names = {"block_public_acls": "BlockPublicAcls", "block_public_policy": "BlockPublicPolicy",
             "ignore_public_acls": "IgnorePublicAcls", "restrict_public_buckets": "RestrictPublicBuckets"}
    return {cfn: bool(_known(t, r, tf)) for tf, cfn in names.items()}


def _encryption(t: _Translation, r: _Resource) -> dict[str, Any]:
    rules = []
    for i, _ in enumerate(_blocks(r, "rule")):
        default: dict[str, Any] = {"SSEAlgorithm": t.value(r, ("rule", i, "apply_server_side_encryption_by_default", 0,
                                                               "sse_algorithm"))}
        key = t.value(r, ("rule", i, "apply_server_side_encryption_by_default", 0, "kms_master_key_id"),
                      ("aws_kms_key",))
        if key:
            default["KMSMasterKeyID"] = key
        rule: dict[str, Any] = {"ServerSideEncryptionByDefault": default}
        if t.value(r, ("rule", i, "bucket_key_enabled")):
            rule["BucketKeyEnabled"] = True
        rules.append(rule)
    return {"ServerSideEncryptionConfiguration": rules}


def _versioning(t: _Translation, r: _Resource) -> dict[str, Any]:
    return {"Status": t.value(r, ("versioning_configuration", 0, "status"))}


def _ownership(t: _Translation, r: _Resource) -> dict[str, Any]:
    return {"Rules": [{"ObjectOwnership": t.value(r, ("rule", i, "object_ownership"))}
                      for i, _ in enumerate(_blocks(r, "rule"))]}


# The console password deploy gives a user whose plan creates a login profile. The provider generates the real one
# at apply, so the plan cannot hold it; reach needs only that the user has a password (whoever may update it signs
# in as the user), and deploy never reads a password back (AWS returns none).
_STAND_IN_PASSWORD = "Enjoin-stand-in-1!"  # not a credential: a placeholder for a generated password


def _login_profile(t: _Translation, r: _Resource) -> dict[str, Any]:
    return {"Password": _STAND_IN_PASSWORD,
            "PasswordResetRequired": bool(t.value(r, ("password_reset_required",)))}


def _user_groups(t: _Translation, r: _Resource) -> list[Any]:
    return _names(t, r, "groups", "aws_iam_group")


# Each builds a property of the resource a merged type configures: a mapping replaces it, a list extends it (a
# user's groups from several aws_iam_user_group_membership resources).
_MERGED: dict[str, Callable[[_Translation, _Resource], dict[str, Any] | list[Any] | str | None]] = {
    "PublicAccessBlockConfiguration": _public_access_block,
    "BucketEncryption": _encryption,
    "VersioningConfiguration": _versioning,
    "OwnershipControls": _ownership,
    "Groups": _user_groups,
    "LoginProfile": _login_profile,
}
# The API call of an ``applied:`` row -> the request it makes, built from the resource (enjoin.iac.terraform.applied).
_APPLIED: dict[str, Callable[[_Translation, _Resource], dict[str, Any]]] = {}
# The merged properties that are lists, which several resources of a plan extend (a role's attachments, a user's
# groups); every other merged property is one value, which only one resource may set.
_LISTED = frozenset({"ManagedPolicyArns", "Groups"})
# Terraform type -> a merge that writes several resources and returns them (an aws_iam_policy_attachment: the
# policy's Roles, Users and Groups, or each entity's ManagedPolicyArns).
_MERGERS: dict[str, Callable[[_Translation, _Resource], list[_Resource]]] = {}


def _blocks(r: _Resource, attribute: str) -> list[Any]:
    """The nested blocks of an argument, whatever of their contents is known (each value is asked for on its own)."""
    blocks = r.instance.values.get(attribute)
    return blocks if isinstance(blocks, list) else []


# ---- values ---------------------------------------------------------------------------------------------------

_Loader = bounded_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.lru_cache(maxsize=4)
def _after_nodes(text: str) -> dict[str, yaml.Node]:
    """Each resource change's ``change.after`` node in the plan's text (JSON is YAML), by address."""
    if not text:
        return {}
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except (yaml.YAMLError, Refused):  # the plan was read as JSON already: no lines is not an error here
        return {}
    finally:
        loader.dispose()
    found: dict[str, yaml.Node] = {}
    changes = _child(root, "resource_changes")
    for change in changes.value if isinstance(changes, yaml.SequenceNode) else ():
        address = _child(change, "address")
        after = _child(_child(change, "change"), "after")
        if isinstance(address, yaml.ScalarNode) and after is not None and not _child(change, "deposed"):
            found[str(address.value)] = after
    return found


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and 0 <= step < len(node.value):
        child: yaml.Node = node.value[step]
        return child
    if isinstance(step, str) and isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
    return None


def _child_value(value: Any, step: str | int) -> Any:
    if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
        return value[step]
    return value.get(step) if isinstance(value, dict) and isinstance(step, str) else None

def _at(values: Any, unknown: Any, path: Path_) -> tuple[bool, Any]:
    """(known, value) of the planned value at ``path`` (after_unknown marks what is known only after apply)."""
    value = values
    for step in path:
        if unknown is True:
            return False, None
        if isinstance(unknown, dict) and isinstance(step, str):
            unknown = unknown.get(step, False)
        elif isinstance(unknown, list) and isinstance(step, int):
            unknown = unknown[step] if step < len(unknown) else False
        else:
            unknown = False
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            value = None
    if unknown is True:
        return False, None
    if _has_unknown(unknown):
        return False, None
    return True, value


def _has_unknown(unknown: Any) -> bool:
    if unknown is True:
        return True
    if isinstance(unknown, dict):
        return any(_has_unknown(v) for v in unknown.values())
    if isinstance(unknown, list):
        return any(_has_unknown(v) for v in unknown)
    return False


def _dotted(path: Path_) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else (f".{s}" if i else s) for i, s in enumerate(path))


def _refs(expression: Expression | None) -> str:
    if expression is None:
        return "no expression in the plan's configuration"
    return "references: " + (", ".join(expression.references) or "none")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _logical_id(address: str, used: set[str]) -> str:
    """A CloudFormation logical id for an address: its words, capitalised (``DataAwsS3BucketStoreClaims``)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", address.replace("module.", "")) if w]
    base = ("".join(w[:1].upper() + w[1:] for w in words) or "Resource")[:200]
    if not base[0].isalpha():
        base = "R" + base
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}{n}"
    used.add(name)
    return name


# Lake Formation, the Glue Data Catalog and Athena: enjoin.iac.terraform.lake adds its builders and identities to
# the tables above when imported (last, as its builders use this module's helpers).
from enjoin.iac.terraform import lake as _lake  # noqa: E402,F401

# isort: split
# Lambda and CloudFront: enjoin.iac.terraform.functions and .cloudfront add their builders and identities to the
# tables above when imported (last, as their builders use this module's helpers).
from enjoin.iac.terraform import cloudfront as _cloudfront  # noqa: E402,F401
from enjoin.iac.terraform import functions as _functions  # noqa: E402,F401

# isort: split
# A bucket's replication, ACL and website, and aws_iam_policy_attachment: enjoin.iac.terraform.bucket_settings and
# .policy_attachment add their merges to _MERGED and _MERGERS when imported (last, as above).
from enjoin.iac.terraform import bucket_settings as _bucket_settings  # noqa: E402,F401
from enjoin.iac.terraform import policy_attachment as _policy_attachment  # noqa: E402,F401

# isort: split
# aws_kms_grant: enjoin.iac.terraform.applied adds its request to _APPLIED when imported (last, as above).
from enjoin.iac.terraform import applied as _applied  # noqa: E402,F401
