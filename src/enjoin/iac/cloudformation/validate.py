"""Validate a CloudFormation template as CloudFormation would, before enjoin deploys it.

moto deploys templates that CloudFormation itself refuses: a circular DependsOn, an unknown property, a
Ref to a resource that does not exist, a condition operator ``StringEqualz``, an ARN without its colons, a
policy over IAM's size quota. :func:`check` makes such a template a refusal (:class:`TemplateRejected`)
naming file, line, resource and property and the rule it breaks; :func:`validate` lists every problem.

What is checked
===============
1. cfn-lint, as a library (its rules are loaded once per process and reused for every template), for the
   one region enjoin deploys to. Every rule cfn-lint has runs: errors (E), warnings (W) and informational
   (I). An E rule blocks when its row in ``lint_rules.yaml`` (beside this module) says ``block: true``;
   an E rule without a row blocks too (fail closed; the tests name it). W and I rules never block. E rules
   are mandatory: neither the template's own cfn-lint Metadata (``ignore_checks``, resource directives) nor
   a ``.cfnlintrc`` switches them off, since CloudFormation would not ignore them either. The parameter
   values given for the deployment are handed to cfn-lint, which checks them against AllowedValues and
   the declared names (E2900) and lints the resources with them.
2. enjoin's own rules, which cfn-lint does not check (each has its row, and its AWS documentation, in
   ``lint_rules.yaml``):

   - ``IAM-POLICY-SIZE``: IAM's, S3's and KMS's size quotas on policy documents. IAM counts characters
     without white space: the inline policies of a role total at most 10,240 (its ``Policies`` with the
     ``AWS::IAM::Policy`` and ``AWS::IAM::RolePolicy`` resources of the template attached to it), of a user
     2,048, of a group 5,120; an ``AWS::IAM::ManagedPolicy`` 6,144; a role's trust policy 2,048 (the default
     quota: it can be raised to 4,096 through Service Quotas, but enjoin judges a template against the
     quotas of an account as AWS creates it). S3 and KMS count bytes of the document as CloudFormation
     sends it (compact JSON): an ``AWS::S3::BucketPolicy`` at most 20 KB (20,480 bytes), an
     ``AWS::KMS::Key`` policy at most 32 KB (32,768 bytes). A document with intrinsic functions is
     counted with each one replaced by its shortest possible value (a parameter by the value given or its
     Default, AWS::Region, AWS::Partition and AWS::URLSuffix by their values in the region, AWS::AccountId
     by 12 digits, ``Fn::If`` by its shorter branch, ``AWS::NoValue`` by nothing, anything else, a Ref or
     GetAtt of a resource included, by an empty string), so the count is a lower bound and only a document
     too large whatever its intrinsics resolve to is flagged; without intrinsics the count is exact.
     Lambda's 20 KB resource policy is not checked: it is the sum of statements Lambda writes itself for
     each ``AWS::Lambda::Permission``.
   - ``S3-ACL-OWNERSHIP``: ``AccessControl`` other than Private, BucketOwnerFullControl or BucketOwnerRead
     (the last two S3 ignores when it creates a bucket) on a bucket whose ``OwnershipControls`` say
     BucketOwnerEnforced: ACLs are disabled and S3 refuses the ACL. A bucket without ``OwnershipControls``
     (BucketOwnerEnforced by default since April 2023) is cfn-lint's E3045, not repeated here.
   - ``S3-ACL-PUBLIC-BLOCKED``: a public canned ACL (PublicRead, PublicReadWrite, AuthenticatedRead: they
     grant to the AllUsers or AuthenticatedUsers groups) on a bucket whose ``BlockPublicAcls`` is true or
     that has no ``PublicAccessBlockConfiguration`` (all four settings on by default since April 2023).
     Within a configuration that is given, a setting left out is false, as PutPublicAccessBlock takes it.
   - ``S3-POLICY-PUBLIC-BLOCKED``: an ``AWS::S3::BucketPolicy`` that is public by S3's definition ("The
     meaning of 'public'") for a bucket of the same template whose ``BlockPublicPolicy`` is true or that
     has no ``PublicAccessBlockConfiguration``. A policy is public when one of its Allow statements grants
     to a wildcard principal (``*``, an ARN or service with ``*`` or ``?``, a policy variable, a
     ``Federated`` principal, or ``NotPrincipal``) and has no condition that limits it to fixed values
     (no wildcard, no policy variable) of: ``aws:SourceIp`` (CIDRs no broader than /8 in IPv4 and /32 in
     IPv6), ``aws:SourceArn``, ``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:SourceOwner``,
     ``aws:SourceAccount``, ``s3:x-amz-server-side-encryption-aws-kms-key-id``, ``aws:userid`` (the pattern
     ``AROLEID:*`` counts as fixed), ``s3:DataAccessPointArn`` (a wildcard in the access point name is
     allowed when the account is fixed), ``s3:DataAccessPointAccount``, and the keys that fix the principal
     (the doc's example ``aws:PrincipalOrgID``; enjoin also counts ``aws:PrincipalAccount`` and
     ``aws:PrincipalArn``, which name a principal as fixedly). A condition limits only with an operator
     that requires a match (StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike,
     IpAddress; not their ``IfExists`` forms, which a request without the key passes, nor ``ForAllValues:``,
     which a request without the key passes too). A BucketPolicy whose ``Bucket`` cannot be tied to a
     bucket of the template (a parameter, an import, a name no bucket of the template has) is not flagged.
   - ``PARAM-VALUE``: a parameter value given for the deployment that CloudFormation refuses and E2900 does
     not check: AllowedPattern (the whole value, or each item of a CommaDelimitedList), MinLength,
     MaxLength, Number (each item of a ``List<Number>``), MinValue, MaxValue, and a parameter without
     Default given no value (E2900 reports only one of those). Given no parameters at all
     (``parameters=None``), the values are unknown and not checked; a Default outside its own constraints
     is E2015, which does not block for a parameter the user gives a value (the Default is then unused).

Intrinsic functions in the S3 rules: a value is resolved when that is simple and certain (a literal, a Ref
to a parameter given a value or with a Default, a pseudo parameter, a Ref or GetAtt of a resource of the
template for a value that only has to be fixed, Fn::Sub, Fn::Join, Fn::Select, Fn::FindInMap of resolved
arguments, a condition whose parameters are known). Where a value is not certain, its possibilities are
checked when that is cheap (both branches of an Fn::If on an unknown condition, the AllowedValues of a
parameter without a value) and the rule flags only when every possibility is refused; anything else
(an import, a parameter that could be anything, a resource or bucket whose own Condition is not known to
be true) is not flagged. A refusal therefore means CloudFormation refuses the template whatever those
values turn out to be. All of enjoin's own rules look only at resources certainly created: without a
Condition, or with one known to be true.

Speed: cfn-lint's rules are loaded once per process (about 0.4 s) and reused; the template is parsed once
(cfn-lint's decoder, which keeps lines) and that parse is what both cfn-lint and enjoin's rules read. A
100-resource template takes about 1 s, nearly all of it in cfn-lint's own rules; enjoin's take milliseconds.

AWS documentation followed
==========================
- CloudFormation: "CloudFormation quotas" (cloudformation-limits), "Parameters template section syntax"
  (parameters-section-structure), the intrinsic function and resource type references cfn-lint encodes.
- IAM: "IAM and AWS STS quotas" (reference_iam-quotas).
- S3: "Bucket quotas, limitations, and restrictions" and PutBucketPolicy (bucket policy size);
  "Controlling ownership of objects and disabling ACLs for your bucket" (about-object-ownership) and its
  "Troubleshooting" (object-ownership-error-responses); "Access control list (ACL) overview", canned
  ACLs (acl-overview); "Blocking public access to your Amazon S3 storage", section "The meaning of
  'public'" (access-control-block-public-access); "Default settings for new S3 buckets FAQ"
  (create-bucket-faq).
- KMS: "Quotas", resource quotas (key policy document size).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import cfnlint.rules  # type: ignore[import-untyped]  # cfn-lint ships no type information
import yaml
from cfnlint.config import ConfigMixIn  # type: ignore[import-untyped]
from cfnlint.decode.decode import decode_str  # type: ignore[import-untyped]
from cfnlint.rules import Rules
from cfnlint.runner import run_template_by_data  # type: ignore[import-untyped]
from cfnlint.version import __version__ as CFN_LINT_VERSION  # type: ignore[import-untyped]

from enjoin.errors import DeployError, TemplateRejected
from enjoin.s3_public import FIXED, UNKNOWN, statement_public

__all__ = [
    "CFN_LINT_VERSION",
    "OWN_RULES",
    "Problem",
    "RuleRow",
    "cfn_lint_rule_ids",
    "check",
    "lint_rules",
    "validate",
]

#: enjoin's own rule ids (rows of lint_rules.yaml, implemented here).
OWN_RULES = ("IAM-POLICY-SIZE", "S3-ACL-OWNERSHIP", "S3-ACL-PUBLIC-BLOCKED", "S3-POLICY-PUBLIC-BLOCKED", "PARAM-VALUE")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a template.

    Attributes:
        rule: cfn-lint's rule id (``E3004``) or one of enjoin's own (:data:`OWN_RULES`).
        message: cfn-lint's message, or enjoin's.
        line: the 1-based line in the file, when known.
        resource: the logical id, when the problem is inside Resources.
        path: where in the template: ``("Resources", "B", "Properties", "Foo")``.
        blocking: True when AWS would reject the template (see ``lint_rules.yaml``).
    """

    rule: str
    message: str
    line: int | None
    resource: str | None
    path: tuple[str | int, ...]
    blocking: bool

    @property
    def property(self) -> str | None:
        """The path under the resource's Properties, dotted: ``PolicyDocument.Statement[0].Condition``."""
        if len(self.path) < 4 or self.path[0] != "Resources" or self.path[2] != "Properties":
            return None
        return _dotted(self.path[3:])

    def where(self, file: Path) -> str:
        """The problem's place as enjoin's errors name it: ``"t.yaml: line 12: resource B, property Foo"``."""
        text = str(file)
        if self.line is not None:
            text += f": line {self.line}"
        if self.resource is not None:
            text += f": resource {self.resource}"
            prop = self.property
            if prop:
                text += f", property {prop}"
            elif len(self.path) > 2:
                text += f", {_dotted(self.path[2:])}"
        elif self.path:
            text += f": {_dotted(self.path)}"
        return text

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# ---------------------------------------------------------------------------------------------
# lint_rules.yaml
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One row of ``lint_rules.yaml``: does the rule block, and why."""

    block: bool
    reason: str


@cache
def lint_rules() -> dict[str, RuleRow]:
    """The rows of ``lint_rules.yaml`` (packaged with ``enjoin.iac.cloudformation``), by rule id.

    Raises:
        DeployError: the file is missing or a row is malformed.
    """
    where = "enjoin/iac/cloudformation/lint_rules.yaml"
    try:
        text = resources.files("enjoin.iac.cloudformation").joinpath("lint_rules.yaml").read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployError(where, "the packaged table of cfn-lint rules", str(exc)) from None
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise DeployError(where, "a mapping of rule id -> {block, reason}", type(data).__name__)
    rows: dict[str, RuleRow] = {}
    for rule_id, row in data.items():
        if not (isinstance(row, dict) and isinstance(row.get("block"), bool) and isinstance(row.get("reason"), str)):
            raise DeployError(f"{where}: {rule_id}", "{block: true|false, reason: '...'}", repr(row)[:200])
        rows[str(rule_id)] = RuleRow(block=row["block"], reason=row["reason"])
    return rows


def _blocks(rule_id: str) -> bool:
    if rule_id in OWN_RULES or rule_id.startswith("E"):
        row = lint_rules().get(rule_id)
        return True if row is None else row.block  # fail closed: an unreviewed E rule blocks
    return False  # W and I never block


# ---------------------------------------------------------------------------------------------
# cfn-lint
# ---------------------------------------------------------------------------------------------

_LINT_LOCK = threading.Lock()  # cfn-lint's rules keep per-run state: one template at a time


@cache
def _cfn_lint_rules() -> Any:
    """cfn-lint's default rules, loaded once (loading them is most of cfn-lint's 0.4 s start)."""
    directory = Path(cfnlint.rules.__file__).parent
    return Rules.create_from_directory(str(directory))


def cfn_lint_rule_ids() -> dict[str, str]:
    """Every rule of the installed cfn-lint: id -> its short description."""
    return {str(rule_id): str(rule.shortdesc) for rule_id, rule in _cfn_lint_rules().data.items()}


def _lint(template: dict[str, Any], region: str, parameters: Mapping[str, Any] | None) -> list[Any]:
    config = ConfigMixIn(
        regions=[region],
        parameters=[dict(parameters)] if parameters is not None else [],
        include_checks=["I"],
        mandatory_checks=["E"],
    )
    with _LINT_LOCK:
        return list(run_template_by_data(template, config, _cfn_lint_rules()))


# ---------------------------------------------------------------------------------------------
# validate, check
# ---------------------------------------------------------------------------------------------


def validate(
    path: Path, text: str, region: str = "us-east-1", parameters: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every problem cfn-lint and enjoin's own rules find in a template, blocking or not, sorted by line.

    Args:
        path: the template's file (for lines and messages; ``text`` is what is checked).
        text: the template (YAML or JSON).
        region: the region it is deployed to.
        parameters: the parameter values it is deployed with; None when not known (then they are not
            checked, and the S3 rules take each parameter's Default).

    Returns:
        The problems; ``Problem.blocking`` says which would make CloudFormation refuse the template.
    """
    template, parse_errors = decode_str(text)
    if parse_errors:
        return _sorted([_from_match(m, None) for m in parse_errors])
    if not isinstance(template, dict):
        return [Problem("E0000", "Template needs to be an object.", 1, None, (), _blocks("E0000"))]
    scope = _Scope(template, region, parameters)
    own = [*_param_values(scope), *_policy_sizes(scope), *_s3_acls(scope), *_s3_policies(scope)]
    given = scope.typed_parameters() if parameters is not None else None
    matches = _lint(template, region, given)
    problems = [_from_match(m, parameters) for m in matches]
    reported = {p.path[1] for p in problems if p.rule == "E2900" and len(p.path) > 1}
    reported |= {m.group(1) for p in problems if p.rule == "E2900" for m in [_REQUIRED.search(p.message)] if m}
    own = [p for p in own if not (p.rule == "PARAM-VALUE" and p.path[1] in reported and "no value" in p.message)]
    return _sorted(problems + own)


_REQUIRED = re.compile(r"'([^']+)' is a required property")


def check(
    path: Path, text: str, region: str = "us-east-1", parameters: Mapping[str, str] | None = None
) -> list[Problem]:
    """Refuse a template CloudFormation would refuse; return the problems that do not block.

    Args:
        path: the template's file.
        text: the template (YAML or JSON).
        region: the region it is deployed to.
        parameters: the parameter values it is deployed with (None: not known).

    Returns:
        The non-blocking problems (warnings, informational, E rules enjoin does not block), sorted by line.

    Raises:
        TemplateRejected: a problem blocks. ``where`` is the first blocking problem's place, ``found`` its
            rule and message and how many more block; ``problems`` has every problem found.
    """
    return refuse_blocking(path, validate(path, text, region, parameters))


def refuse_blocking(path: Path, problems: list[Problem]) -> list[Problem]:
    """:func:`check`'s second half: raise TemplateRejected when a problem of ``problems`` blocks."""
    blocking = [p for p in problems if p.blocking]
    if not blocking:
        return problems
    first, rest = blocking[0], blocking[1:]
    found = f"{first.rule}: {first.message}"
    if rest:
        found += f" (and {len(rest)} more: {', '.join(dict.fromkeys(p.rule for p in rest))})"
    raise TemplateRejected(
        where=first.where(path),
        expected=f"a template CloudFormation accepts (cfn-lint {CFN_LINT_VERSION})",
        found=found,
        problems=list[object](problems),
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def _from_match(match: Any, parameters: Mapping[str, str] | None) -> Problem:
    raw = getattr(match, "path", None) or ()
    path = tuple(p if isinstance(p, int) else str(p) for p in raw)
    rule = str(match.rule.id)
    line = getattr(match, "linenumber", None)
    resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
    blocking = _blocks(rule)
    if rule == "E2015" and parameters is not None and len(path) > 1 and path[1] in parameters:
        blocking = False  # the Default is not used: the user gives the parameter a value
    return Problem(rule, str(match.message), int(line) if line else None, resource, path, blocking)


# ---------------------------------------------------------------------------------------------
# The template as enjoin's own rules see it
# ---------------------------------------------------------------------------------------------


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()  # AWS::NoValue, or a property not written
_MAX_POSSIBILITIES = 16
_PSEUDO = {"AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName", "AWS::StackId"}


def _partition(region: str) -> tuple[str, str]:
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


class _Scope:
    """The template, with what is known of its parameters and conditions before it is deployed."""

    def __init__(self, template: dict[str, Any], region: str, parameters: Mapping[str, str] | None) -> None:
        self.template = template
        self.region = region
        self.given = parameters
        self.partition, self.url_suffix = _partition(region)
        resources_ = template.get("Resources")
        self.resources: dict[str, Any] = dict(resources_) if isinstance(resources_, dict) else {}
        declared = template.get("Parameters")
        self.parameters: dict[str, Any] = dict(declared) if isinstance(declared, dict) else {}
        conditions = template.get("Conditions")
        self.conditions: dict[str, Any] = dict(conditions) if isinstance(conditions, dict) else {}
        self._condition_cache: dict[str, bool | None] = {}

    # -- where -----------------------------------------------------------------------------------

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """The line of the deepest node of ``path`` that has one (1-based)."""
        node: Any = self.template
        line = _mark_line(node)
        for part in path:
            if isinstance(node, dict) and not isinstance(part, int):
                key = next((k for k in node if k == part), None)
                if key is None:
                    break
                line = _mark_line(key) or line
                node = node[key]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
                line = _mark_line(node) or line
            else:
                break
        return line

    def problem(self, rule: str, message: str, path: tuple[str | int, ...]) -> Problem:
        resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
        return Problem(rule, message, self.line(path), resource, path, _blocks(rule))

    # -- parameters and conditions -----------------------------------------------------------------

    def typed_parameters(self) -> dict[str, Any]:
        """The given parameter values as cfn-lint takes them: list-typed ones split on commas."""
        out: dict[str, Any] = {}
        for name, value in (self.given or {}).items():
            declared = self.parameters.get(name)
            kind = declared.get("Type") if isinstance(declared, dict) else None
            if isinstance(kind, str) and (kind == "CommaDelimitedList" or kind.startswith("List<")):
                out[name] = [item.strip() for item in str(value).split(",")]
            else:
                out[name] = value
        return out

    def parameter(self, name: str) -> list[Any] | None:
        """The values a parameter can have in this deployment, or None when it could be anything."""
        declared = self.parameters.get(name)
        if not isinstance(declared, dict):
            return None
        kind = str(declared.get("Type", "String"))
        if self.given is not None and name in self.given:
            value: Any = self.given[name]
        elif "Default" in declared:
            value = declared["Default"]
        elif isinstance(declared.get("AllowedValues"), list) and kind == "String":
            return [str(v) for v in declared["AllowedValues"]][:_MAX_POSSIBILITIES] or None
        else:
            return None
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [[item.strip() for item in str(value).split(",")]] if isinstance(value, str) else [value]
        return [str(value) if not isinstance(value, bool) else str(value).lower()]

    def condition(self, name: str, stack: tuple[str, ...] = ()) -> bool | None:
        """A condition's value, or None when it depends on something unknown."""
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name not in self.conditions or name in stack:
            return None
        value = self._condition_value(self.conditions[name], (*stack, name))
        self._condition_cache[name] = value
        return value

    def _condition_value(self, expr: Any, stack: tuple[str, ...]) -> bool | None:
        if not (isinstance(expr, dict) and len(expr) == 1):
            return None
        ((fn, args),) = expr.items()
        if fn == "Condition" and isinstance(args, str):
            return self.condition(args, stack)
        if not isinstance(args, list):
            return None
        if fn == "Fn::Equals" and len(args) == 2:
            left, right = self.possible(args[0]), self.possible(args[1])
            if left is None or right is None or ABSENT in left or ABSENT in right:
                return None
            outcomes = {_scalar(a) == _scalar(b) for a in left for b in right}
            return outcomes.pop() if len(outcomes) == 1 else None
        values = [self._condition_value(a, stack) for a in args]
        if fn == "Fn::Not" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if fn == "Fn::And":
            return False if False in values else (None if None in values else True)
        if fn == "Fn::Or":
            return True if True in values else (None if None in values else False)
        return None

    def exists(self, logical_id: str) -> bool:
        """True when the resource is certainly created (no Condition, or one known to be true)."""
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            return False
        name = resource.get("Condition")
        return name is None or (isinstance(name, str) and self.condition(name) is True)

    # -- values ------------------------------------------------------------------------------------

    def possible(self, node: Any) -> list[Any] | None:
        """The values ``node`` can have, when they are few and knowable; None otherwise.

        A mapping or list that is not an intrinsic function is one possibility, as written (its members
        are asked for separately). :data:`ABSENT` stands for AWS::NoValue.
        """
        if isinstance(node, dict) and len(node) == 1:
            ((fn, args),) = node.items()
            if fn == "Ref":
                if args == "AWS::NoValue":
                    return [ABSENT]
                if args in self.parameters:
                    return self.parameter(str(args))
                if args == "AWS::Region":
                    return [self.region]
                if args == "AWS::Partition":
                    return [self.partition]
                if args == "AWS::URLSuffix":
                    return [self.url_suffix]
                return None
            if fn == "Fn::If":
                if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
                    return None
                chosen = self.condition(args[0])
                if chosen is not None:
                    return self.possible(args[1] if chosen else args[2])
                when_true, when_false = self.possible(args[1]), self.possible(args[2])
                if when_true is None or when_false is None:
                    return None
                both = _unique([*when_true, *when_false])
                return both if len(both) <= _MAX_POSSIBILITIES else None
            if fn.startswith("Fn::") or fn == "Condition":
                value = self.resolve(node)
                return None if _uncertain(value) else [value]
        return [node]

    def resolve(self, node: Any) -> Any:
        """``node`` with its intrinsic functions replaced by their values where certain.

        A value that is fixed but unknown before deploying (an account id, a resource's name or ARN)
        becomes :data:`FIXED` inside strings; a value that is not certain becomes :data:`UNKNOWN`;
        AWS::NoValue removes the entry.
        """
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not ABSENT]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((fn, args),) = node.items()
            if fn == "Ref" or fn.startswith("Fn::"):
                return self._function(str(fn), args)
        out = {}
        for key, item in node.items():
            value = self.resolve(item)
            if value is not ABSENT:
                out[str(key)] = value
        return out

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return UNKNOWN
        if name == "AWS::NoValue":
            return ABSENT
        if name in self.parameters:
            values = self.parameter(name)
            return values[0] if values is not None and len(values) == 1 else UNKNOWN
        if name == "AWS::Region":
            return self.region
        if name == "AWS::Partition":
            return self.partition
        if name == "AWS::URLSuffix":
            return self.url_suffix
        if name in _PSEUDO or name in self.resources:
            return FIXED  # an account id, a stack name, a resource's physical id: fixed, never a wildcard
        return UNKNOWN

    def _function(self, fn: str, args: Any) -> Any:
        if fn == "Ref":
            return self._ref(args)
        if fn == "Fn::GetAtt":
            return FIXED  # an attribute of a resource of the template: fixed once created
        if fn == "Fn::Sub":
            return self._sub(args)
        if fn == "Fn::Join" and isinstance(args, list) and len(args) == 2:
            delimiter, items = self.resolve(args[0]), self.resolve(args[1])
            if not isinstance(delimiter, str) or not isinstance(items, list):
                return UNKNOWN
            if any(not isinstance(i, str) for i in items):
                return UNKNOWN
            return delimiter.join(items)
        if fn == "Fn::Select" and isinstance(args, list) and len(args) == 2:
            index, items = self.resolve(args[0]), self.resolve(args[1])
            try:
                return items[int(index)] if isinstance(items, list) else UNKNOWN
            except (ValueError, TypeError, IndexError):
                return UNKNOWN
        if fn == "Fn::FindInMap" and isinstance(args, list) and len(args) == 3:
            keys = [self.resolve(a) for a in args]
            try:
                value = self.template["Mappings"][keys[0]][keys[1]][keys[2]]
            except (KeyError, TypeError):
                return UNKNOWN
            return self.resolve(value)
        if fn == "Fn::If" and isinstance(args, list) and len(args) == 3 and isinstance(args[0], str):
            chosen = self.condition(args[0])
            if chosen is not None:
                return self.resolve(args[1] if chosen else args[2])
            when_true, when_false = self.resolve(args[1]), self.resolve(args[2])
            return when_true if when_true == when_false else UNKNOWN
        return UNKNOWN

    def _sub(self, args: Any) -> Any:
        if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict):
            text, variables = args[0], {str(k): self.resolve(v) for k, v in args[1].items()}
        else:
            text, variables = args, {}
        if not isinstance(text, str):
            return UNKNOWN
        out: list[str] = []
        for literal, name in _sub_parts(text):
            out.append(literal)
            if name is None:
                continue
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                value = FIXED
            else:
                value = self._ref(name)
            if not isinstance(value, str):
                return UNKNOWN
            out.append(value)
        return "".join(out)


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _sub_parts(text: str) -> Iterator[tuple[str, str | None]]:
    """Fn::Sub's string as (literal, variable name or None) pieces; ``${!x}`` is the literal ``${x}``."""
    position = 0
    for match in _SUB_VARIABLE.finditer(text):
        name = match.group(1)
        if name.startswith("!"):
            yield text[position : match.start()] + "${" + name[1:] + "}", None
        else:
            yield text[position : match.start()], name.strip()
        position = match.end()
    yield text[position:], None


def _mark_line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(value is seen or (type(value) is type(seen) and value == seen) for seen in out):
            out.append(value)
    return out


def _uncertain(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_uncertain(v) for v in value.values())
    if isinstance(value, list):
        return any(_uncertain(v) for v in value)
    return False


def _true(value: Any) -> bool | None:
    """A CloudFormation Boolean (``true``, ``"true"``, ``"True"``...), or None when not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _resources_of(scope: _Scope, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, Properties) of the template's resources of these types that are certainly created."""
    for logical_id, resource in scope.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in types:
            continue
        props = resource.get("Properties")
        if isinstance(props, dict) and scope.exists(str(logical_id)):
            yield str(logical_id), props


# ---------------------------------------------------------------------------------------------
# PARAM-VALUE
# ---------------------------------------------------------------------------------------------


def _param_values(scope: _Scope) -> Iterator[Problem]:
    if scope.given is None:
        return
    for name, declared in scope.parameters.items():
        if not isinstance(declared, dict):
            continue
        path: tuple[str | int, ...] = ("Parameters", str(name))
        if name not in scope.given:
            if "Default" not in declared:
                yield scope.problem(
                    "PARAM-VALUE", f"Parameter {name} has no Default and no value was given for it", path
                )
            continue
        for message in _param_problems(declared, str(scope.given[name])):
            yield scope.problem("PARAM-VALUE", f"Parameter {name}: {message}", path)


def _param_problems(declared: dict[str, Any], value: str) -> Iterator[str]:
    kind = str(declared.get("Type", "String"))
    is_list = kind == "CommaDelimitedList" or kind.startswith("List<")
    items = [item.strip() for item in value.split(",")] if is_list else [value]
    pattern = declared.get("AllowedPattern")
    if isinstance(pattern, str) and kind in ("String", "CommaDelimitedList"):
        try:
            compiled = re.compile(pattern)
        except re.error:
            compiled = None  # E2001's business, not the value's
        for item in items:
            if compiled is not None and compiled.fullmatch(item) is None:
                yield f"{item!r} does not match AllowedPattern {pattern!r}"
    if kind == "String":
        minimum, maximum = _number(declared.get("MinLength")), _number(declared.get("MaxLength"))
        if minimum is not None and len(value) < minimum:
            yield f"{value!r} is shorter than MinLength {declared['MinLength']}"
        if maximum is not None and len(value) > maximum:
            yield f"{value!r} is longer than MaxLength {declared['MaxLength']}"
    if kind in ("Number", "List<Number>"):
        low, high = _number(declared.get("MinValue")), _number(declared.get("MaxValue"))
        for item in items:
            number = _number(item)
            if number is None:
                yield f"{item!r} is not a number"
                continue
            if low is not None and number < low:
                yield f"{item!r} is below MinValue {declared['MinValue']}"
            if high is not None and number > high:
                yield f"{item!r} is above MaxValue {declared['MaxValue']}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------------------------
# IAM-POLICY-SIZE
# ---------------------------------------------------------------------------------------------

_INLINE_QUOTA = {"role": 10_240, "user": 2_048, "group": 5_120}
_MANAGED_QUOTA = 6_144
_TRUST_QUOTA = 2_048  # the default quota; Service Quotas can raise it to 4,096
_BUCKET_POLICY_QUOTA = 20_480
_KEY_POLICY_QUOTA = 32_768
_ENTITY_TYPES = {"AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group"}
_NAME_PROPERTY = {"role": "RoleName", "user": "UserName", "group": "GroupName"}


class _Size:
    """The smallest a document can be once its intrinsic functions are resolved.

    ``iam``: characters without white space (how IAM counts); otherwise UTF-8 bytes of compact JSON.
    """

    def __init__(self, scope: _Scope, iam: bool) -> None:
        self.scope = scope
        self.iam = iam
        self.exact = True  # False once an intrinsic function had to be replaced by a lower bound

    def text(self, literal: str) -> int:
        if self.iam:
            return sum(1 for ch in literal if not ch.isspace())
        return len(literal.encode("utf-8"))

    def document(self, node: Any) -> int:
        """A policy document (a mapping, or the JSON text of one)."""
        if isinstance(node, str):
            try:
                node = json.loads(node)
            except ValueError:
                return self.text(node)
        return self.json(node)

    def vanishes(self, node: Any) -> bool:
        """Can ``node`` be AWS::NoValue (the entry disappears)?"""
        if isinstance(node, dict) and len(node) == 1:
            ((fn, args),) = node.items()
            if fn == "Ref" and args == "AWS::NoValue":
                return True
            if fn == "Fn::If" and isinstance(args, list) and len(args) == 3:
                return self.vanishes(args[1]) or self.vanishes(args[2])
        return False

    def json(self, node: Any) -> int:
        if isinstance(node, dict) and len(node) == 1:
            ((fn, args),) = node.items()
            if fn == "Ref" or str(fn).startswith("Fn::"):
                return self.function(str(fn), args)
        if isinstance(node, dict):
            entries = [
                self.text(json.dumps(str(k), ensure_ascii=False)) + 1 + self.json(v)
                for k, v in node.items()
                if not self.vanishes(v)
            ]
            return 2 + sum(entries) + max(len(entries) - 1, 0)
        if isinstance(node, list):
            items = [self.json(v) for v in node if not self.vanishes(v)]
            return 2 + sum(items) + max(len(items) - 1, 0)
        if isinstance(node, str):
            return self.text(json.dumps(node, ensure_ascii=False))
        return self.text(json.dumps(node))

    def function(self, fn: str, args: Any) -> int:
        """The shortest JSON an intrinsic function can resolve to (a string's quotes included)."""
        if fn == "Fn::If" and isinstance(args, list) and len(args) == 3:
            branches = [self.json(b) for b in args[1:] if not self.vanishes(b)]
            self.exact = False
            return min(branches) if branches else 0
        string = self.string(fn, args)
        return 2 if string is None else string + 2

    def string(self, fn: str, args: Any) -> int | None:
        """The shortest string an intrinsic can resolve to, without quotes; None for a list or unknown."""
        if fn == "Ref" and isinstance(args, str):
            value = self.scope._ref(args)
            if isinstance(value, str) and value != FIXED:
                return self.text(json.dumps(value, ensure_ascii=False)) - 2
            if args == "AWS::AccountId":
                return 12
            self.exact = False
            return 0
        if fn == "Fn::Sub":
            text = args[0] if isinstance(args, list) and args else args
            variables = args[1] if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict) else {}
            if not isinstance(text, str):
                self.exact = False
                return 0
            total = 0
            for literal, name in _sub_parts(text):
                total += self.text(json.dumps(literal, ensure_ascii=False)) - 2
                if name is None:
                    continue
                if name in variables:
                    node = variables[name]
                    if isinstance(node, str):
                        total += self.text(json.dumps(node, ensure_ascii=False)) - 2
                    elif isinstance(node, dict) and len(node) == 1:
                        total += max(self.json(node) - 2, 0)
                    else:
                        total += len(str(node)) if isinstance(node, (int, float)) else 0
                elif "." in name:
                    self.exact = False
                else:
                    total += self.string("Ref", name) or 0
            return total
        if fn == "Fn::Join" and isinstance(args, list) and len(args) == 2 and isinstance(args[0], str):
            items = args[1]
            if not isinstance(items, list):
                self.exact = False
                return 0
            kept = [i for i in items if not self.vanishes(i)]
            parts = sum(max(self.json(i) - 2, 0) for i in kept)
            return parts + (self.text(args[0]) * max(len(kept) - 1, 0))
        self.exact = False
        return 0


def _policy_sizes(scope: _Scope) -> Iterator[Problem]:
    # (kind, logical id or name) -> [(path of a document, its size)]
    inline: dict[tuple[str, str], list[tuple[tuple[str | int, ...], int, bool]]] = {}
    names: dict[tuple[str, str], str] = {}  # (kind, RoleName...) -> logical id of the entity in the template

    for logical_id, props in _resources_of(scope, *_ENTITY_TYPES):
        kind = _ENTITY_TYPES[str(scope.resources[logical_id]["Type"])]
        name = scope.resolve(props.get(_NAME_PROPERTY[kind]))
        if isinstance(name, str) and FIXED not in name:
            names[(kind, name)] = logical_id
        policies = props.get("Policies")
        if isinstance(policies, list):
            for index, policy in enumerate(policies):
                if isinstance(policy, dict) and "PolicyDocument" in policy:
                    doc_path: tuple[str | int, ...] = (
                        "Resources",
                        logical_id,
                        "Properties",
                        "Policies",
                        index,
                        "PolicyDocument",
                    )
                    size = _Size(scope, iam=True)
                    chars = size.document(policy["PolicyDocument"])
                    inline.setdefault((kind, logical_id), []).append((doc_path, chars, size.exact))
        if kind == "role" and "AssumeRolePolicyDocument" in props:
            size = _Size(scope, iam=True)
            chars = size.document(props["AssumeRolePolicyDocument"])
            if chars > _TRUST_QUOTA:
                yield scope.problem(
                    "IAM-POLICY-SIZE",
                    f"The trust policy of role {logical_id} is {_count(chars, size.exact)} characters (white space "
                    f"not counted); IAM's quota for a role trust policy is {_TRUST_QUOTA:,} (the default; it can "
                    "be raised to 4,096 through Service Quotas)",
                    ("Resources", logical_id, "Properties", "AssumeRolePolicyDocument"),
                )

    unknown = 0
    for logical_id, props in _resources_of(
        scope, "AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"
    ):
        kind_of = str(scope.resources[logical_id]["Type"])
        targets: list[tuple[str, Any]] = []
        if kind_of == "AWS::IAM::Policy":
            for kind, prop in (("role", "Roles"), ("user", "Users"), ("group", "Groups")):
                listed = props.get(prop)
                targets += [(kind, t) for t in listed] if isinstance(listed, list) else []
        else:
            kind = {"AWS::IAM::RolePolicy": "role", "AWS::IAM::UserPolicy": "user"}.get(kind_of, "group")
            targets.append((kind, props.get(_NAME_PROPERTY[kind])))
        if "PolicyDocument" not in props:
            continue
        size = _Size(scope, iam=True)
        chars = size.document(props["PolicyDocument"])
        doc_path = ("Resources", logical_id, "Properties", "PolicyDocument")
        for kind, target in targets:
            key: tuple[str, str]
            if isinstance(target, dict) and set(target) == {"Ref"} and target["Ref"] in scope.resources:
                key = (kind, str(target["Ref"]))
            else:
                name = scope.resolve(target)
                if isinstance(name, str) and FIXED not in name:
                    key = (kind, names.get((kind, name), f"name:{name}"))
                else:
                    unknown += 1
                    key = (kind, f"unknown:{unknown}")
            inline.setdefault(key, []).append((doc_path, chars, size.exact))

    for (kind, entity), documents in inline.items():
        total = sum(chars for _, chars, _ in documents)
        quota = _INLINE_QUOTA[kind]
        if total <= quota:
            continue
        exact = all(e for _, _, e in documents)
        own = [d for d in documents if d[0][1] == entity]
        at = (own or documents)[0][0]
        if len(own) > 1:
            at = ("Resources", entity, "Properties", "Policies")
        label = entity.removeprefix("name:")
        if entity.startswith("unknown:"):
            label = f"named by {documents[0][0][1]}"
        yield scope.problem(
            "IAM-POLICY-SIZE",
            f"The inline policies of {kind} {label} total {_count(total, exact)} characters (white space not "
            f"counted; {len(documents)} document{'s' if len(documents) > 1 else ''}); IAM's quota for the inline "
            f"policies of a {kind} is {quota:,}",
            at,
        )

    for logical_id, props in _resources_of(scope, "AWS::IAM::ManagedPolicy"):
        if "PolicyDocument" in props:
            size = _Size(scope, iam=True)
            chars = size.document(props["PolicyDocument"])
            if chars > _MANAGED_QUOTA:
                yield scope.problem(
                    "IAM-POLICY-SIZE",
                    f"Managed policy {logical_id} is {_count(chars, size.exact)} characters (white space not "
                    f"counted); IAM's quota for a managed policy is {_MANAGED_QUOTA:,}",
                    ("Resources", logical_id, "Properties", "PolicyDocument"),
                )

    for type_name, prop, quota, label in (
        ("AWS::S3::BucketPolicy", "PolicyDocument", _BUCKET_POLICY_QUOTA, "S3's quota for a bucket policy is 20 KB"),
        ("AWS::KMS::Key", "KeyPolicy", _KEY_POLICY_QUOTA, "KMS's quota for a key policy is 32 KB"),
    ):
        for logical_id, props in _resources_of(scope, type_name):
            if prop in props:
                size = _Size(scope, iam=False)
                count = size.document(props[prop])
                if count > quota:
                    yield scope.problem(
                        "IAM-POLICY-SIZE",
                        f"The policy of {logical_id} is {_count(count, size.exact)} bytes as compact JSON; {label} "
                        f"({quota:,} bytes)",
                        ("Resources", logical_id, "Properties", prop),
                    )


def _count(count: int, exact: bool) -> str:
    return f"{count:,}" if exact else f"at least {count:,}"


# ---------------------------------------------------------------------------------------------
# S3-ACL-OWNERSHIP, S3-ACL-PUBLIC-BLOCKED
# ---------------------------------------------------------------------------------------------

# Canned ACLs a bucket with ACLs disabled accepts: the owner's full control, and the two S3 ignores
# when it creates a bucket (acl-overview, "Canned ACL").
_OWNER_ACLS = {"Private", "BucketOwnerFullControl", "BucketOwnerRead"}
# Canned ACLs that grant to AllUsers or AuthenticatedUsers: public ("The meaning of 'public'", ACLs).
_PUBLIC_ACLS = {"PublicRead", "PublicReadWrite", "AuthenticatedRead"}


def _ownerships(scope: _Scope, props: dict[str, Any]) -> list[Any] | None:
    """The possible ObjectOwnership of a bucket: BucketOwnerEnforced when OwnershipControls is absent."""
    controls = scope.possible(props.get("OwnershipControls", ABSENT))
    if controls is None:
        return None
    out: list[Any] = []
    for control in controls:
        if control is ABSENT:
            out.append("BucketOwnerEnforced")
            continue
        if not isinstance(control, dict):
            return None
        rules = scope.possible(control.get("Rules", ABSENT))
        if rules is None:
            return None
        for rule_list in rules:
            if not isinstance(rule_list, list) or len(rule_list) != 1 or not isinstance(rule_list[0], dict):
                return None  # no rule, or several: not this rule's business (E3045, the schema)
            ownership = scope.possible(rule_list[0].get("ObjectOwnership", ABSENT))
            if ownership is None:
                return None
            out += ownership
    return _unique(out)


def _block_setting(scope: _Scope, props: dict[str, Any], setting: str) -> list[bool] | None:
    """The possible values of one Block Public Access setting: all on when no configuration is given."""
    configurations = scope.possible(props.get("PublicAccessBlockConfiguration", ABSENT))
    if configurations is None:
        return None
    out: list[bool] = []
    for configuration in configurations:
        if configuration is ABSENT:
            out.append(True)  # new buckets block public access by default since April 2023
            continue
        if not isinstance(configuration, dict):
            return None
        values = scope.possible(configuration.get(setting, ABSENT))
        if values is None:
            return None
        for value in values:
            flag = False if value is ABSENT else _true(value)  # left out: false, as PutPublicAccessBlock
            if flag is None:
                return None
            out.append(flag)
    return out


def _s3_acls(scope: _Scope) -> Iterator[Problem]:
    for logical_id, props in _resources_of(scope, "AWS::S3::Bucket"):
        if "AccessControl" not in props:
            continue
        acls = scope.possible(props["AccessControl"])
        if acls is None or not acls or any(not isinstance(a, str) for a in acls):
            continue
        path: tuple[str | int, ...] = ("Resources", logical_id, "Properties", "AccessControl")
        shown = "/".join(acls)
        ownerships = _ownerships(scope, props)
        if (
            "OwnershipControls" in props
            and ownerships is not None
            and all(o == "BucketOwnerEnforced" for o in ownerships)
            and all(a not in _OWNER_ACLS for a in acls)
        ):
            yield scope.problem(
                "S3-ACL-OWNERSHIP",
                f"AccessControl {shown} on a bucket whose OwnershipControls are BucketOwnerEnforced (ACLs "
                "disabled): S3 refuses any ACL but the bucket owner's full control (Bucket cannot have ACLs set "
                "with ObjectOwnership's BucketOwnerEnforced setting)",
                path,
            )
        blocks = _block_setting(scope, props, "BlockPublicAcls")
        if blocks is not None and all(blocks) and all(a in _PUBLIC_ACLS for a in acls):
            given = "PublicAccessBlockConfiguration" in props
            yield scope.problem(
                "S3-ACL-PUBLIC-BLOCKED",
                f"AccessControl {shown} is a public ACL and the bucket blocks public ACLs ("
                + (
                    "BlockPublicAcls is true"
                    if given
                    else "no PublicAccessBlockConfiguration: new buckets block "
                    "public access by default since April 2023"
                )
                + "): S3 refuses the ACL",
                path,
            )


# ---------------------------------------------------------------------------------------------
# S3-POLICY-PUBLIC-BLOCKED
# ---------------------------------------------------------------------------------------------


def _bucket_of(scope: _Scope, node: Any) -> str | None:
    """The logical id of the template's bucket a BucketPolicy's ``Bucket`` names, if it certainly names one."""
    if isinstance(node, dict) and set(node) == {"Ref"}:
        target = node["Ref"]
        resource = scope.resources.get(target)
        if isinstance(resource, dict) and resource.get("Type") == "AWS::S3::Bucket":
            return str(target)
        return None
    name = scope.resolve(node)
    if not isinstance(name, str) or FIXED in name:
        return None
    for logical_id, props in _resources_of(scope, "AWS::S3::Bucket"):
        if scope.resolve(props.get("BucketName")) == name:
            return logical_id
    return None


def _s3_policies(scope: _Scope) -> Iterator[Problem]:
    for logical_id, props in _resources_of(scope, "AWS::S3::BucketPolicy"):
        bucket = _bucket_of(scope, props.get("Bucket"))
        if bucket is None or not scope.exists(bucket):
            continue
        bucket_props = scope.resources[bucket].get("Properties") or {}
        blocks = _block_setting(scope, bucket_props, "BlockPublicPolicy")
        if blocks is None or not all(blocks):
            continue
        document = scope.resolve(props.get("PolicyDocument"))
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                continue
        statements = document.get("Statement") if isinstance(document, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list):
            continue
        for index, statement in enumerate(statements):
            if statement_public(statement):
                given = "PublicAccessBlockConfiguration" in bucket_props
                yield scope.problem(
                    "S3-POLICY-PUBLIC-BLOCKED",
                    f"Statement {index} grants public access (a wildcard or federated principal, not limited by a "
                    f"condition on fixed values) and bucket {bucket} blocks public policies ("
                    + (
                        "BlockPublicPolicy is true"
                        if given
                        else "no PublicAccessBlockConfiguration: new buckets "
                        "block public access by default since April 2023"
                    )
                    + "): S3 refuses the bucket policy (403 Access Denied)",
                    ("Resources", logical_id, "Properties", "PolicyDocument", "Statement", index),
                )
                break
