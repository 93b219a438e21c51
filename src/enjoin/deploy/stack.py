"""Deploy: bring the user's CloudFormation templates up through a backend, exactly as written.

For each template of the config, in order: CloudFormation ``create_stack`` in its account and the
config's region with its parameters, then wait for it to finish. moto 5.2's CloudFormation reports
CREATE_COMPLETE while it silently skips some resource types and properties, so deploy then applies
every resource's properties itself through the ordinary APIs (:mod:`enjoin.deploy.fixups`), and
finally reads every resource back and compares each security-relevant property with the template's
value, intrinsics resolved (:mod:`enjoin.deploy.verify`). What cannot be made equal is a
:class:`~enjoin.errors.DeployError` naming the template, the resource and the property.

What moto 5.2.1 was seen to drop or break (checked against these templates; pinned by
tests/test_deploy.py): AWS::IAM::Group, AWS::IAM::UserToGroupAddition and AWS::S3::BucketPolicy are
not created at all; ManagedPolicyArns on roles is ignored; Policies, Groups, Tags, ManagedPolicyArns
and PermissionsBoundary on users are ignored; role inline policies are stored as Python objects and
read back as their repr (and get_account_authorization_details fails on them); bucket public access
blocks, ownership controls and versioning are dropped; a KMS key policy is stored as a Python object
(get_key_policy returns it unserialised and describe_key fails); Tags on AWS::KMS::Key break
create_stack (so deploy strips them and tags the key afterwards). A user's PermissionsBoundary cannot
be applied at all (moto does not implement PutUserPermissionsBoundary): deploy reports it. AWS-managed
policies exist only when the backend loads them (MOTO_IAM_LOAD_MANAGED_POLICIES=true). Kept as
written: role trust policies, PermissionsBoundary, Tags, Description and MaxSessionDuration on roles,
managed policies and their Roles/Users attachments, bucket encryption and tags, key rotation, aliases.

For the types of "Reach at organisation scale" (each module pins its own list): moto 5.2.1 creates
none of AWS::IAM::SAMLProvider, AWS::IAM::OIDCProvider, AWS::S3::AccessPoint, AWS::Glue::Database,
AWS::Glue::Table, the AWS::LakeFormation types and AWS::Athena::WorkGroup, and drops a bucket's
ReplicationConfiguration; it creates an AWS::Lambda::Function but drops its Tags, and stores an
AWS::Lambda::Permission malformed (so deploy withholds it from the stack). deploy creates each
through the APIs (:mod:`enjoin.deploy.s3`, :mod:`enjoin.deploy.lake`, :mod:`enjoin.deploy.compute`),
and hands moto a body in which references to them are already resolved (:mod:`enjoin.deploy.body`).
A replication rule's prefix and KMS-object setting cannot be held by moto at all:
:meth:`Deployment.declared` carries them as the templates declare them, and
:func:`enjoin.inventory.inventory` takes them from there (``declared=``).

Organisation policies come from the config, not from stacks: see :mod:`enjoin.deploy.organization`.

The live backend never deploys: ``can_deploy`` False is a DeployError.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.config_model import Config, Template
from enjoin.deploy.batch import check_compute_resources, check_container, check_job_type, check_type
from enjoin.deploy.body import create_body, no_attr, own_physical_id, precomputed, pseudo_parameters
from enjoin.deploy.builds import check_permission_model, check_source, check_template_url
from enjoin.deploy.cloudfront import declared_distribution
from enjoin.deploy.constructs import backend_attribute, constructs_of
from enjoin.deploy.fixups import apply_resource
from enjoin.deploy.kms_grants import apply_grants
from enjoin.deploy.lake import check_grant
from enjoin.deploy.organization import organization_from_config
from enjoin.deploy.s3 import api_replication, declared_replication
from enjoin.deploy.verify import verify_resource
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.ahead import ValidationAhead
from enjoin.iac.cloudformation.classification import Classification, load_classification
from enjoin.iac.cloudformation.coerce import coerce_properties
from enjoin.iac.cloudformation.organization import reclassified, template_policies
from enjoin.iac.cloudformation.plan import PartCheck, TemplatePlan, plan_template
from enjoin.iac.cloudformation.sam import SAM, expand, transforms
from enjoin.iac.cloudformation.template import (
    CfnTemplate,
    Scope,
    chosen_template,
    evaluate_conditions,
    resolve,
)
from enjoin.iac.cloudformation.types import SUPPORTED, attribute, partition_of, placeholder
from enjoin.iac.intake import load_entry
from enjoin.iac.terraform.organization import CodePolicy
from enjoin.iac.terraform.translate import PlanTemplate
from enjoin.inventory import Declared
from enjoin.longlived import frozen
from enjoin.snapshot import Construct, Organization, ReplicationRule

_WAIT_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class DeployedStack:
    """One template, deployed.

    Attributes:
        name: the stack name (the template file's stem, made unique per account).
        account: the account id it was deployed into.
        region: its region.
        template: the parsed template.
        parameters: the parameter values it was deployed with (defaults included).
        outputs: output key -> value.
        resources: logical id -> physical id, for every resource that exists (Condition true).
        properties: logical id -> the resource's properties with every intrinsic resolved.
    """

    name: str
    account: str
    region: str
    template: CfnTemplate
    parameters: dict[str, Any]
    outputs: dict[str, str]
    resources: dict[str, str]
    properties: dict[str, dict[str, Any]]
    types: dict[str, str] = field(default_factory=dict)
    # What the template declares and enjoin did not deploy (inert or unmodeled), resolved.
    constructs: tuple[Construct, ...] = ()


@dataclass(frozen=True, slots=True)
class Deployment:
    """Everything deployed for a config.

    Attributes:
        stacks: the stacks, in deployment order.
        physical_ids: (account, logical id) -> physical id. A logical id used by several stacks of
            one account is keyed (account, "stack-name/LogicalId") instead, for each of them.
        templates: the parsed templates, in order.
        organization: the organisation policies, built from the config (see the module docstring).
    """

    stacks: tuple[DeployedStack, ...]
    physical_ids: dict[tuple[str, str], str]
    templates: tuple[CfnTemplate, ...]
    organization: Organization

    @property
    def outputs(self) -> dict[str, dict[str, str]]:
        """Stack name -> its outputs."""
        return {s.name: dict(s.outputs) for s in self.stacks}

    def declared(self) -> Declared:
        """What the templates declare where the backend cannot hold it, for the inventory.

        A replication rule's prefix and KMS-object setting: moto reads a rule back without them
        (:mod:`enjoin.deploy.s3`), so ``inventory(..., declared=deployment.declared())`` takes every
        declared ReplicationConfiguration from here, keyed (account, bucket name).
        """
        replication: dict[tuple[str, str], tuple[str, tuple[ReplicationRule, ...]]] = {}
        for stack in self.stacks:
            for logical_id, rtype in stack.types.items():
                props = stack.properties[logical_id]
                if rtype == "AWS::S3::Bucket" and "ReplicationConfiguration" in props:
                    where = stack.template.where(logical_id, "ReplicationConfiguration")
                    replication[(stack.account, stack.resources[logical_id])] = declared_replication(
                        props["ReplicationConfiguration"], where
                    )
        constructs = tuple(c for stack in self.stacks for c in stack.constructs)
        distributions = tuple(
            declared_distribution(stack.properties[lid], stack.resources[lid], stack.account, stack.region)
            for stack in self.stacks
            for lid, rtype in stack.types.items()
            if rtype == "AWS::CloudFront::Distribution"
        )
        return Declared(replication=replication, constructs=constructs, distributions=distributions)


def deploy(backend: Backend, config: Config) -> Deployment:
    """Deploy every template of ``config`` through ``backend`` and check it is deployed as written.

    Each template is first validated as CloudFormation would (:mod:`enjoin.iac.cloudformation.validate`)
    and classified (:mod:`enjoin.iac.cloudformation.plan`): what is modeled is deployed and verified; what
    is inert or unmodeled is not deployed, and comes out as the deployment's constructs.

    Raises:
        TemplateRejected: a template CloudFormation would reject (cfn-lint's rule and message).
        DeployError: the backend cannot deploy; a template is missing or malformed, lacks a parameter
            value; the backend rejects or fails a stack; or a resource or property is not deployed as
            the template says.
    """
    if not backend.can_deploy:
        raise DeployError(
            f"backend {backend.name}",
            "a backend enjoin may deploy into (moto, container)",
            "a read-only backend",
        )
    classification = load_classification()
    loaded = [pair for entry in config.templates for pair in load_entry(entry)]  # a Terraform plan: one per account
    # enjoin.yaml's organization: section, and the SCPs and RCPs the plans attach to accounts
    code = [p for _, t in loaded if isinstance(t, PlanTemplate) for p in t.organization]
    organization = organization_from_config(config, code)
    given: list[dict[str, Any]] = []
    for entry, template in loaded:  # what is wrong in the config is said before the templates are judged
        if transforms(template) and transforms(template) != [SAM]:
            expand(template, entry.parameters, config.region)  # refuses the transforms it cannot run
        given.append(_parameters(entry, template, config))
    # A plan's translation is not cfn-lint's to judge: Terraform validated the plan, and its errors name addresses.
    jobs = [(t.path, t.text, config.region, dict(e.parameters)) for e, t in loaded if not isinstance(t, PlanTemplate)]
    template_code: list[CodePolicy] = []
    with ValidationAhead(jobs) as validation, frozen():  # cfn-lint in another process while this one deploys
        try:
            stacks = _deploy_all(backend, config, loaded, given, classification, template_code)
        except Exception:
            validation.refuse()  # a template bug explains a failed deployment better than the failure
            raise
        validation.refuse()
    if template_code:  # the templates' AWS::Organizations::Policy, once their conditions are chosen
        organization = organization_from_config(config, [*code, *template_code])
    return Deployment(
        stacks=tuple(stacks),
        physical_ids=_physical_ids(stacks),
        templates=tuple(t for _, t in loaded),
        organization=organization,
    )


def _deploy_all(
    backend: Backend,
    config: Config,
    loaded: list[tuple[Template, CfnTemplate]],
    given: list[dict[str, Any]],
    classification: Classification,
    code: list[CodePolicy] | None = None,
) -> list[DeployedStack]:
    """Each template expanded (SAM), classified and deployed, in order; the exports of one feed the next. The SCPs
    and RCPs the templates attach to accounts are added to ``code``."""
    planned: list[tuple[Template, str, dict[str, Any], TemplatePlan]] = []
    used_names: set[tuple[str, str]] = set()
    for (entry, template), parameters in zip(loaded, given, strict=True):
        name = _stack_name(template.path, entry.account, used_names)
        template = expand(template, parameters, config.region)  # SAM, as CloudFormation would
        planned.append((entry, name, parameters, _plan(template, parameters, name, entry, config, classification)))
        if code is not None and not isinstance(template, PlanTemplate):
            code.extend(template_policies(planned[-1][3].template, parameters)[0])
    stacks: list[DeployedStack] = []
    exports: dict[str, dict[str, Any]] = {}  # account -> export name -> value
    for entry, name, parameters, plan in planned:
        account_exports = exports.setdefault(entry.account, {})
        stacks.append(_deploy_one(backend, config, entry, plan, name, parameters, account_exports))
    return stacks


def _lake_resource(rtype: str) -> PartCheck:
    return PartCheck(lambda value, where: check_grant(rtype, {"Resource": value}, where.rsplit(",", 1)[0]), True)


# The parts of modeled properties that enjoin applies only in part (see enjoin.iac.cloudformation.plan).
PART_CHECKS: dict[tuple[str, str], PartCheck] = {
    ("AWS::S3::Bucket", "ReplicationConfiguration"): PartCheck(api_replication),
    ("AWS::LakeFormation::Permissions", "Resource"): _lake_resource("AWS::LakeFormation::Permissions"),
    # A project runs its source's code as its role: only code the template holds is deployed (see deploy.builds).
    ("AWS::CodeBuild::Project", "Source"): PartCheck(check_source, True),
    # A self-managed stack set whose template is its own body only (see deploy.builds).
    ("AWS::CloudFormation::StackSet", "PermissionModel"): PartCheck(check_permission_model, True),
    ("AWS::CloudFormation::StackSet", "TemplateURL"): PartCheck(check_template_url, True),
    # A managed Fargate environment only: a job then runs as its job role alone (see deploy.batch).
    ("AWS::Batch::ComputeEnvironment", "Type"): PartCheck(check_type, True),
    ("AWS::Batch::ComputeEnvironment", "ComputeResources"): PartCheck(check_compute_resources, True),
    # A container job definition without ECS Exec only (see deploy.batch).
    ("AWS::Batch::JobDefinition", "Type"): PartCheck(check_job_type, True),
    ("AWS::Batch::JobDefinition", "ContainerProperties"): PartCheck(check_container, True),
    ("AWS::LakeFormation::PrincipalPermissions", "Resource"): _lake_resource(
        "AWS::LakeFormation::PrincipalPermissions"
    ),
}


def _plan(
    template: CfnTemplate,
    parameters: dict[str, Any],
    name: str,
    entry: Template,
    config: Config,
    classification: Classification,
) -> TemplatePlan:
    """The template with its conditions chosen, classified."""
    pseudo = pseudo_parameters(name, entry.account, config.region)
    conditions = evaluate_conditions(template, Scope(template, parameters, pseudo, {}, no_attr, {}))
    planned = plan_template(chosen_template(template, conditions), classification, PART_CHECKS)
    if isinstance(template, PlanTemplate):
        return template.replan(planned)
    return reclassified(planned, parameters)  # AWS::Organizations::Policy: taken, or why not


def _parameters(entry: Template, template: CfnTemplate, config: Config) -> dict[str, Any]:
    declared = template.parameters
    where = entry.where or (f"{config.path}: line {entry.line}" if entry.line else str(config.path))
    extra = set(entry.parameters) - set(declared)
    if extra:
        raise DeployError(
            f"{where}: parameters of {entry.path.name}",
            f"parameters the template declares {sorted(declared)}",
            f"unknown {sorted(extra)}",
        )
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        if name in entry.parameters:
            raw: Any = str(entry.parameters[name])
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise DeployError(
                f"{where}: parameters of {entry.path.name}",
                f"a value for parameter {name} (the template gives it no default)",
                "none",
            )
        ptype = str(spec.get("Type", "String"))
        is_list = ptype == "CommaDelimitedList" or ptype.startswith("List<")
        values[name] = [p.strip() for p in str(raw).split(",")] if is_list else str(raw)
    return values


def _stack_name(path: Path, account: str, used: set[tuple[str, str]]) -> str:
    base = "".join(c if c.isalnum() or c == "-" else "-" for c in path.stem).strip("-") or "stack"
    if not base[0].isalpha():
        base = f"s-{base}"
    name, n = base, 1
    while (account, name) in used:
        n += 1
        name = f"{base}-{n}"
    used.add((account, name))
    return name


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence moto's in-process warnings about types it skips: enjoin applies those itself."""
    logger = logging.getLogger("moto")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _deploy_one(
    backend: Backend,
    config: Config,
    entry: Template,
    plan: TemplatePlan,
    name: str,
    parameters: dict[str, Any],
    exports: dict[str, Any],
) -> DeployedStack:
    template = plan.template
    region, account = config.region, entry.account
    types = {lid: str(res["Type"]) for lid, res in template.resources.items()}
    handed = {lid for lid in plan.modeled if SUPPORTED[types[lid]].created_by_moto}
    known_refs, known_attr = precomputed(plan, parameters, exports, name, account, region)
    created: dict[str, str] = {}
    stack_id = f"arn:{partition_of(region)}:cloudformation:{region}:{account}:stack/{name}/enjoin"
    if handed:  # a stack of nothing moto creates is not handed to it at all
        created, stack_id = _create_stack(backend, entry, region, plan, name, (handed, known_refs, known_attr), exports)
    pseudo = {**pseudo_parameters(name, account, region), "AWS::StackId": stack_id}
    refs: dict[str, Any] = {}
    guessed: list[tuple[str, str]] = []
    raw_props = {lid: res.get("Properties") or {} for lid, res in template.resources.items()}

    def attr(logical_id: str, name_: str) -> Any:
        if logical_id not in refs:
            raise KeyError(logical_id)
        rtype = types[logical_id]
        # Only a Path (IAM ARNs) and a VpcConfiguration (an access point's NetworkOrigin) enter an attribute.
        props = {
            k: resolve(raw_props[logical_id][k], scope, f"resource {logical_id}")
            for k in ("Path", "VpcConfiguration")
            if raw_props[logical_id].get(k) is not None and logical_id in plan.modeled
        }
        try:
            return attribute(rtype, refs[logical_id], props, name_, account, region)
        except KeyError:
            pass
        found = backend_attribute(backend, account, region, rtype, refs[logical_id], name_)
        if found is not None:
            return found
        if logical_id in plan.modeled:
            guessed.append((logical_id, name_))
        return placeholder(rtype, refs[logical_id], name_, account, region)

    scope = Scope(template, parameters, pseudo, refs, attr, exports, {})
    for logical_id, rtype in types.items():
        if logical_id in handed:
            if logical_id not in created:
                raise DeployError(
                    template.where(logical_id), f"a {rtype} created by stack {name}", "no such resource in the stack"
                )
            refs[logical_id] = created[logical_id]
        elif logical_id in plan.modeled:
            refs[logical_id] = own_physical_id(rtype, logical_id, raw_props[logical_id], scope, name, account, region)
        else:
            refs[logical_id] = known_refs[logical_id]
    properties: dict[str, dict[str, Any]] = {}
    uses_guess: dict[str, list[tuple[str, str]]] = {}
    for logical_id, kept in plan.modeled.items():
        before = len(guessed)
        written = {k: v for k, v in raw_props[logical_id].items() if k in kept}
        resolved = resolve(written, scope, f"resource {logical_id}")
        properties[logical_id] = coerce_properties(types[logical_id], resolved, region)
        if len(guessed) > before:
            uses_guess[logical_id] = guessed[before:]
    deployed = DeployedStack(
        name=name,
        account=account,
        region=region,
        template=template,
        parameters=parameters,
        outputs={},
        resources={lid: refs[lid] for lid in plan.modeled},
        properties=properties,
        types={lid: types[lid] for lid in plan.modeled},
        constructs=constructs_of(plan, scope, properties, uses_guess, account, region),
    )
    for logical_id in _apply_order(deployed):
        apply_resource(backend, deployed, logical_id)
    for logical_id in deployed.resources:
        verify_resource(backend, deployed, logical_id)
    if isinstance(template, PlanTemplate) and template.applied:  # what CloudFormation cannot write (KMS grants)
        apply_grants(backend, account, region, str(template.path), template.applied, scope)
    deployed.outputs.update(_outputs(template, scope, exports))
    return deployed


def _create_stack(
    backend: Backend,
    entry: Template,
    region: str,
    plan: TemplatePlan,
    name: str,
    known: tuple[set[str], dict[str, Any], Any],
    exports: dict[str, Any],
) -> tuple[dict[str, str], str]:
    """Hand moto's CloudFormation the resources it creates; their physical ids and the stack's id.

    ``known`` is (the logical ids handed to moto, the Refs and the Fn::GetAtt known before creating).
    """
    template = plan.template
    handed, known_refs, known_attr = known
    cfn = backend.client("cloudformation", entry.account, region)
    if entry.role_arn:  # CloudFormation refuses a service role that does not exist (or that it cannot assume)
        iam = backend.client("iam", entry.account, region)
        try:
            iam.get_role(RoleName=entry.role_arn.rsplit("/", 1)[-1])
        except ClientError:
            raise DeployError(f"{entry.where or template.path}: role_arn",
                              "a role that exists before the stack is deployed (an earlier template's)",
                              f"no role {entry.role_arn}") from None
    given = [{"ParameterKey": k, "ParameterValue": str(entry.parameters[k])} for k in entry.parameters]
    where = str(template.path)
    try:
        with _quiet():
            cfn.create_stack(
                StackName=name,
                TemplateBody=create_body(plan, handed, known_refs, known_attr, exports),
                Parameters=given,
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                **({"RoleARN": entry.role_arn} if entry.role_arn else {}),
            )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise DeployError(
            where, "a template the backend accepts", f"{error.get('Code')}: {error.get('Message')}"
        ) from None
    except BotoCoreError as exc:
        raise DeployError(where, "a reachable backend", str(exc)) from None
    except Exception as exc:  # in-process moto raises its own parsing errors (KeyError...)
        raise DeployError(where, "a template the backend accepts", f"{type(exc).__name__}: {exc}") from None
    with _quiet():  # moto parses the template again when describing the stack
        stack = _wait(cfn, name, template)
        created = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in _stack_resources(cfn, name)
            if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
        }
    if entry.role_arn and stack.get("RoleARN") != entry.role_arn:
        # The backend must hold the service role: the inventory reads it back, and reach takes the stack over by it.
        raise DeployError(f"{entry.where or where}: role_arn", f"stack {name} deployed with {entry.role_arn}",
                          f"deployed with {stack.get('RoleARN')}")
    return created, str(stack.get("StackId", name))


def _outputs(template: CfnTemplate, scope: Scope, exports: dict[str, Any]) -> dict[str, str]:
    """The stack's outputs as enjoin resolves them; exported ones become importable by later stacks."""
    outputs: dict[str, str] = {}
    for key, output in template.outputs.items():
        if not isinstance(output, dict) or "Value" not in output:
            continue
        value = resolve(output["Value"], scope, f"output {key}")
        outputs[key] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        export = output.get("Export")
        if isinstance(export, dict) and "Name" in export:
            exports[str(resolve(export["Name"], scope, f"output {key}"))] = outputs[key]
    return outputs


# Groups before what joins them; policies after the principals they attach to.
_ORDER = {
    "AWS::KMS::Key": 0,
    "AWS::KMS::Alias": 1,
    "AWS::IAM::Group": 2,
    "AWS::IAM::ManagedPolicy": 3,
    "AWS::IAM::Role": 4,
    "AWS::IAM::User": 5,
    "AWS::IAM::UserToGroupAddition": 6,
    "AWS::IAM::Policy": 7,
    "AWS::IAM::SAMLProvider": 2,
    "AWS::IAM::OIDCProvider": 2,
    "AWS::S3::Bucket": 8,
    "AWS::S3::BucketPolicy": 9,
    "AWS::S3::AccessPoint": 10,
    "AWS::Lambda::Function": 11,
    "AWS::Lambda::Permission": 12,
    # Lake Formation's defaults decide what a new database or table grants: settings come first.
    "AWS::LakeFormation::DataLakeSettings": 13,
    "AWS::Glue::Database": 14,
    "AWS::Glue::Table": 15,
    "AWS::LakeFormation::Resource": 16,
    "AWS::LakeFormation::Permissions": 17,
    "AWS::LakeFormation::PrincipalPermissions": 17,
    "AWS::Athena::WorkGroup": 18,
    "AWS::IAM::RolePolicy": 7,
    "AWS::IAM::UserPolicy": 7,
    "AWS::IAM::GroupPolicy": 7,
    "AWS::IAM::InstanceProfile": 7,
    "AWS::IAM::ServiceLinkedRole": 4,
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": 19,
    "AWS::CloudFront::OriginAccessControl": 19,
    "AWS::CloudFront::Distribution": 20,
    "AWS::EC2::Instance": 21,  # after its instance profile holds its role
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": 20,  # before the notebooks that run it
    "AWS::SageMaker::NotebookInstance": 21,
    "AWS::CodeBuild::Project": 21,  # after its service role exists
    "AWS::Glue::DevEndpoint": 21,
    "AWS::Glue::Job": 21,
    "AWS::CloudFormation::StackSet": 21,  # after its administration role exists
    "AWS::Batch::ComputeEnvironment": 21,  # after its service role exists
    "AWS::Batch::JobQueue": 22,  # after its environments
    "AWS::Batch::JobDefinition": 21,  # after its job role exists
    "AWS::ECR::Repository": 21,
    "AWS::ECS::TaskDefinition": 21,  # after its task role exists
}


def _apply_order(stack: DeployedStack) -> list[str]:
    return sorted(stack.resources, key=lambda lid: _ORDER[stack.types[lid]])


def _wait(cfn: Any, name: str, template: CfnTemplate) -> Mapping[str, Any]:
    deadline = time.monotonic() + _WAIT_SECONDS
    delay = 0.0
    while True:
        stack: Mapping[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
        status = str(stack["StackStatus"])
        if not status.endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise DeployError(str(template.path), f"stack {name} to finish within {_WAIT_SECONDS:.0f} s", status)
        delay = min(max(delay * 2, 0.05), 2.0)
        time.sleep(delay)
    if status != "CREATE_COMPLETE":
        resource, reason = _failure(cfn, name)
        where = template.where(resource) if resource else str(template.path)
        raise DeployError(
            where, f"stack {name} CREATE_COMPLETE", f"{status}: {reason or stack.get('StackStatusReason')}"
        )
    return stack


def _failure(cfn: Any, name: str) -> tuple[str | None, str | None]:
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except ClientError:
        return None, None
    for event in reversed(events):
        if str(event.get("ResourceStatus", "")).endswith("FAILED") and event.get("LogicalResourceId") != name:
            return event.get("LogicalResourceId"), event.get("ResourceStatusReason")
    return None, None


def _stack_resources(cfn: Any, name: str) -> list[Mapping[str, Any]]:
    resources: list[Mapping[str, Any]] = cfn.describe_stack_resources(StackName=name)["StackResources"]
    return resources


def _physical_ids(stacks: list[DeployedStack]) -> dict[tuple[str, str], str]:
    seen: dict[tuple[str, str], list[DeployedStack]] = {}
    for stack in stacks:
        for logical_id in stack.resources:
            seen.setdefault((stack.account, logical_id), []).append(stack)
    ids: dict[tuple[str, str], str] = {}
    for (account, logical_id), owners in seen.items():
        if len(owners) == 1:
            ids[(account, logical_id)] = owners[0].resources[logical_id]
        else:
            for stack in owners:
                ids[(account, f"{stack.name}/{logical_id}")] = stack.resources[logical_id]
    return ids
