"""Inventory of compute that already exists and runs as a role: what the takeover ways of reach_compute.yaml act on.

Read-only calls, the same for every backend (:mod:`enjoin.inventory_calls`), in the inventory's region:

- EC2 ``describe_instances`` (every instance not terminated) with its ``IamInstanceProfile``, and IAM
  ``list_instance_profiles`` for the role each profile holds (an instance profile holds at most one role:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html);
- CloudFormation ``describe_stacks`` (a stack's service role, ``RoleARN``) and ``list_stack_sets`` with
  ``describe_stack_set`` (a self-managed stack set's ``AdministrationRoleARN``);
- CodeBuild ``list_projects`` and ``batch_get_projects`` (``serviceRole``);
- Glue ``get_dev_endpoints`` (``RoleArn``) and ``get_jobs`` (``Role``: a name or an ARN; the S3 objects a job runs
  at every run, :func:`job_code`);
- SageMaker ``list_notebook_instances`` and ``describe_notebook_instance`` (``RoleArn``, and the lifecycle
  configuration it runs at every start, ``NotebookInstanceLifecycleConfigName``, whose ARN
  ``describe_notebook_instance_lifecycle_config`` gives);
- Batch ``describe_job_queues`` and ``describe_compute_environments``: a job queue runs as no role of its own, but a
  job submitted to it runs as the job role its submitter passes (the batch-submit-job row), so each queue that can
  run jobs is kept (``role_arn`` None): one ENABLED and VALID with a compute environment ENABLED and VALID;
- Batch ``describe_job_definitions`` (ACTIVE ones, every revision): the roles a job of the definition runs as
  (``containerProperties.jobRoleArn``; ``ecsProperties`` task roles and ``nodeProperties`` containers' job roles),
  one resource per revision and role, named by the revision's ARN (the batch-submit-job-override row). An EKS job
  definition runs as a Kubernetes service account, which is not an IAM role enjoin reads, and is not kept;
- ECS ``list_task_definitions`` (ACTIVE ones, every revision: any of them can still be run) and
  ``describe_task_definition``: each definition, kept per revision with its task role (``taskRoleArn``) and the
  images of its containers, which run as that role (the ecs-run-task-existing and ecs-task-image-push rows). One
  without a task role is kept with none: RunTask may still run it as a role passed in its overrides
  (ecs-run-task-override-role).
- ECS ``list_clusters``, ``list_tasks`` (desired status RUNNING) and ``describe_tasks``: each running task that runs
  as a role (its RunTask overrides' task role, else its definition's; the definition of a task that runs on after
  its revision was deregistered is described too), which ECS Exec reaches (the ecs-execute-command row, not
  modelled: a doubt).
- Step Functions ``list_state_machines`` and ``describe_state_machine``: each state machine with the role its
  executions run as (``roleArn``), which whoever may update its definition runs its own states as (the
  stepfunctions-update-state-machine row, not modelled: a doubt).

Only what runs as a role is kept (a stack without a service role runs as its caller's session); an instance
without a profile, and a task definition without a task role, are kept with no role, as one may still give them
a role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enjoin.backends import Backend
from enjoin.inventory_calls import call, optional, pages
from enjoin.snapshot import Compute

_GONE_STACK = frozenset({"DELETE_COMPLETE"})
_GONE_INSTANCE = frozenset({"terminated", "shutting-down"})
_GONE_NOTEBOOK = frozenset({"Deleting", "Failed"})
_GONE_TASK = frozenset({"DEPROVISIONING", "STOPPING", "DELETED", "STOPPED"})


def read_compute(backend: Backend, account: str, region: str) -> list[Compute]:
    """Every existing compute resource of the account, in the region, sorted by kind and ARN."""
    definitions = _task_definitions(backend, account, region)
    found = [
        *_instances(backend, account, region),
        *_stacks(backend, account, region),
        *_stack_sets(backend, account, region),
        *_projects(backend, account, region),
        *_glue(backend, account, region),
        *_notebooks(backend, account, region),
        *_job_queues(backend, account, region),
        *_job_definitions(backend, account, region),
        *definitions,
        *_tasks(backend, account, region, definitions),
        *_state_machines(backend, account, region),
    ]
    return sorted(found, key=lambda c: (c.kind, c.arn))


def _partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _instances(backend: Backend, account: str, region: str) -> list[Compute]:
    ec2 = backend.client("ec2", account, region)
    where = f"account {account}: ec2 in {region}"
    reservations = pages(f"{where}: describe_instances", ec2.describe_instances, "Reservations")
    instances = [i for r in reservations for i in r.get("Instances", [])
                 if i.get("State", {}).get("Name") not in _GONE_INSTANCE]
    if not instances:
        return []
    iam = backend.client("iam", account, region)
    profiles = pages(f"account {account}: iam list_instance_profiles", iam.list_instance_profiles,
                     "InstanceProfiles", token="Marker")
    role_of = {p["Arn"]: (p.get("Roles") or [{}])[0].get("Arn") for p in profiles}
    out = []
    for instance in instances:
        instance_id = instance["InstanceId"]
        profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
        out.append(Compute(
            kind="ec2-instance",
            arn=f"arn:{_partition(region)}:ec2:{region}:{account}:instance/{instance_id}",
            name=instance_id,
            account=account,
            region=region,
            role_arn=role_of.get(profile) if profile else None,
            profile_arn=profile,
        ))
    return out


def _stacks(backend: Backend, account: str, region: str) -> list[Compute]:
    cfn = backend.client("cloudformation", account, region)
    stacks = pages(f"account {account}: cloudformation in {region}: describe_stacks", cfn.describe_stacks, "Stacks")
    return [
        Compute("cloudformation-stack", s["StackId"], s["StackName"], account, region, s["RoleARN"])
        for s in stacks
        if s.get("RoleARN") and s.get("StackStatus") not in _GONE_STACK
    ]


def _stack_sets(backend: Backend, account: str, region: str) -> list[Compute]:
    cfn = backend.client("cloudformation", account, region)
    where = f"account {account}: cloudformation in {region}"
    listed = pages(f"{where}: list_stack_sets", cfn.list_stack_sets, "Summaries", Status="ACTIVE")
    out = []
    for summary in listed:
        name = summary["StackSetName"]
        described: Any = call(f"{where}: describe_stack_set {name}", cfn.describe_stack_set, StackSetName=name)
        stack_set = described["StackSet"]
        role = stack_set.get("AdministrationRoleARN")
        if role and stack_set.get("PermissionModel", "SELF_MANAGED") == "SELF_MANAGED":
            out.append(Compute("cloudformation-stack-set", stack_set["StackSetARN"], name, account, region, role))
    return out


def _projects(backend: Backend, account: str, region: str) -> list[Compute]:
    codebuild = backend.client("codebuild", account, region)
    where = f"account {account}: codebuild in {region}"
    names = pages(f"{where}: list_projects", codebuild.list_projects, "projects", token="nextToken")
    out = []
    for start in range(0, len(names), 100):  # batch_get_projects takes at most 100 names
        batch = call(f"{where}: batch_get_projects", codebuild.batch_get_projects, names=names[start:start + 100])
        for project in batch.get("projects", []):
            if project.get("serviceRole"):
                image = str((project.get("environment") or {}).get("image") or "")
                out.append(Compute("codebuild-project", project["arn"], project["name"], account, region,
                                   _role_arn(project["serviceRole"], account, region),
                                   code=project_code(project, _partition(region)),
                                   images=(image,) if image else ()))
    return out


def project_code(project: Mapping[str, Any], partition: str) -> tuple[str, ...]:
    """The S3 objects a CodeBuild project runs as its service role at every build, as ARNs (a folder as
    ``.../*``): the source archive or folder of each S3 source, primary and secondary (API_ProjectSource:
    ``location`` is ``bucket/key`` or ``bucket/folder/``, the buildspec inside it), and a buildspec file kept in S3
    (``buildspec`` an S3 object's ARN), each once."""
    sources = [project.get("source") or {}, *(project.get("secondarySources") or [])]
    paths: list[str] = []
    for source in sources:
        if source.get("type") == "S3" and source.get("location"):
            where = str(source["location"])
            if where.startswith("arn:"):
                where = where.split(":::", 1)[-1]
            paths.append(f"arn:{partition}:s3:::{where.rstrip('*')}*" if where.endswith("/")
                         else f"arn:{partition}:s3:::{where}")
        spec = str(source.get("buildspec") or "")
        if spec.startswith("arn:") and ":s3:::" in spec:
            paths.append(spec)
    out: list[str] = []
    for path in paths:
        if "/" in path.split(":::", 1)[-1] and path not in out:
            out.append(path)
    return tuple(out)


def _glue(backend: Backend, account: str, region: str) -> list[Compute]:
    glue = backend.client("glue", account, region)
    where = f"account {account}: glue in {region}"
    prefix = f"arn:{_partition(region)}:glue:{region}:{account}"
    endpoints = pages(f"{where}: get_dev_endpoints", glue.get_dev_endpoints, "DevEndpoints")
    jobs = pages(f"{where}: get_jobs", glue.get_jobs, "Jobs")
    out = [
        Compute("glue-dev-endpoint", f"{prefix}:devEndpoint/{e['EndpointName']}", e["EndpointName"], account, region,
                _role_arn(e["RoleArn"], account, region))
        for e in endpoints
        if e.get("RoleArn")
    ]
    out += [
        Compute("glue-job", f"{prefix}:job/{j['Name']}", j["Name"], account, region,
                _role_arn(j["Role"], account, region), code=job_code(j, _partition(region)))
        for j in jobs
        if j.get("Role")
    ]
    return out


# The job arguments that name more code the job runs, fetched from S3 at every run as its script is ("Using job
# parameters in AWS Glue jobs", https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html):
# Python modules added to the Python path, JARs added to the classpath, and wheels installed (the same argument's
# PyPI names are packages a repository publishes, outside AWS: not S3 objects, not followed).
CODE_ARGUMENTS = ("--extra-py-files", "--extra-jars", "--additional-python-modules")


def job_code(job: Mapping[str, Any], partition: str) -> tuple[str, ...]:
    """The S3 objects a Glue job runs as its role at every run, as ARNs (a folder as ``.../*``): its script
    (Command.ScriptLocation, API_JobCommand) and the S3 paths of CODE_ARGUMENTS in its default and non-overridable
    arguments, in that order, each once."""
    paths = [str((job.get("Command") or {}).get("ScriptLocation") or "")]
    for arguments in (job.get("DefaultArguments") or {}, job.get("NonOverridableArguments") or {}):
        for name in CODE_ARGUMENTS:
            paths += str(arguments.get(name) or "").split(",")
    out: list[str] = []
    for path in (p.strip() for p in paths):
        if not path.startswith("s3://") or "/" not in path[5:]:
            continue  # empty, a package name, or a bucket with no key
        where = path[5:].rstrip("*")
        arn = f"arn:{partition}:s3:::{where}*" if where.endswith("/") else f"arn:{partition}:s3:::{where}"
        if arn not in out:
            out.append(arn)
    return tuple(out)


# SageMaker's answer for a lifecycle configuration that does not exist.
_NO_CONFIG = frozenset({"ValidationException"})


def _notebooks(backend: Backend, account: str, region: str) -> list[Compute]:
    sagemaker = backend.client("sagemaker", account, region)
    where = f"account {account}: sagemaker in {region}"
    listed = pages(f"{where}: list_notebook_instances", sagemaker.list_notebook_instances, "NotebookInstances")
    out = []
    for entry in listed:
        name = entry["NotebookInstanceName"]
        described = call(f"{where}: describe_notebook_instance {name}", sagemaker.describe_notebook_instance,
                         NotebookInstanceName=name)
        if described.get("RoleArn") and described.get("NotebookInstanceStatus") not in _GONE_NOTEBOOK:
            config = None
            if described.get("NotebookInstanceLifecycleConfigName"):
                config_name = described["NotebookInstanceLifecycleConfigName"]
                found = optional(f"{where}: describe_notebook_instance_lifecycle_config {config_name}",
                                 sagemaker.describe_notebook_instance_lifecycle_config, _NO_CONFIG,
                                 NotebookInstanceLifecycleConfigName=config_name)
                # One the deployment does not hold (a template's notebook naming a configuration made outside it) is
                # still the one the notebook runs: its ARN is formed from its name.
                config = (found["NotebookInstanceLifecycleConfigArn"] if found else
                          f"arn:{_partition(region)}:sagemaker:{region}:{account}:notebook-instance-lifecycle-config/"
                          f"{config_name}")
            out.append(Compute("sagemaker-notebook", described["NotebookInstanceArn"], name, account, region,
                               described["RoleArn"], config=config))
    return out


def _job_queues(backend: Backend, account: str, region: str) -> list[Compute]:
    """Batch job queues that can run a job: the queue ENABLED and VALID, and one of its compute environments too (a
    job submitted to a queue whose environments are all disabled or invalid waits, runnable, and never runs)."""
    batch = backend.client("batch", account, region)
    where = f"account {account}: batch in {region}"
    queues = pages(f"{where}: describe_job_queues", batch.describe_job_queues, "jobQueues", token="nextToken")
    environments = pages(f"{where}: describe_compute_environments", batch.describe_compute_environments,
                         "computeEnvironments", token="nextToken")
    usable = {e["computeEnvironmentArn"] for e in environments if _usable(e)}
    return [
        Compute("batch-job-queue", q["jobQueueArn"], q["jobQueueName"], account, region, None)
        for q in queues
        if _usable(q) and any(o.get("computeEnvironment") in usable for o in q.get("computeEnvironmentOrder") or [])
    ]


def _job_definitions(backend: Backend, account: str, region: str) -> list[Compute]:
    """Each ACTIVE revision of each job definition, once per role its jobs run as (a container's job role, an ECS
    task role, each node range's); a definition that names none runs as no role and is not kept."""
    batch = backend.client("batch", account, region)
    where = f"account {account}: batch in {region}"
    found = pages(f"{where}: describe_job_definitions", batch.describe_job_definitions, "jobDefinitions",
                  token="nextToken", status="ACTIVE")
    out: list[Compute] = []
    for definition in found:
        if definition.get("status") not in (None, "ACTIVE"):
            continue
        images = _job_images(definition)
        for role in sorted(images):
            out.append(Compute("batch-job-definition", definition["jobDefinitionArn"],
                               definition["jobDefinitionName"], account, region, _role_arn(role, account, region),
                               images=images[role]))
    return out


def _job_images(definition: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """The roles a job of ``definition`` runs as, in each shape a job definition takes, each with the images of the
    containers that run as it (a container's image runs with its job role; an ECS task's containers with its task
    role)."""
    containers = [definition.get("containerProperties") or {}]
    tasks = list((definition.get("ecsProperties") or {}).get("taskProperties") or [])
    for node in (definition.get("nodeProperties") or {}).get("nodeRangeProperties") or []:
        containers.append(node.get("container") or {})
        tasks += (node.get("ecsProperties") or {}).get("taskProperties") or []
    runs: list[tuple[str, list[str]]] = [
        (str(c["jobRoleArn"]), [str(c.get("image") or "")]) for c in containers if c.get("jobRoleArn")
    ]
    runs += [(str(t["taskRoleArn"]), [str(c.get("image") or "") for c in t.get("containers") or []])
             for t in tasks if t.get("taskRoleArn")]
    out: dict[str, list[str]] = {}
    for role, images in runs:
        kept = out.setdefault(role, [])
        kept += [i for i in images if i and i not in kept]
    return {role: tuple(images) for role, images in out.items()}


def _task_definitions(backend: Backend, account: str, region: str) -> list[Compute]:
    """Each ACTIVE revision of each ECS task definition, with its task role (if any) and its containers' images.

    One without a task role is kept too: RunTask may run it with another role in its overrides
    (ecs-run-task-override-role)."""
    ecs = backend.client("ecs", account, region)
    where = f"account {account}: ecs in {region}"
    arns = pages(f"{where}: list_task_definitions", ecs.list_task_definitions, "taskDefinitionArns",
                 token="nextToken", status="ACTIVE")
    out: list[Compute] = []
    for arn in arns:
        found = call(f"{where}: describe_task_definition {arn}", ecs.describe_task_definition, taskDefinition=arn)
        definition = found.get("taskDefinition") or {}
        role = definition.get("taskRoleArn")
        if definition.get("status") not in (None, "ACTIVE"):
            continue
        images: list[str] = []
        for container in definition.get("containerDefinitions") or []:
            image = str(container.get("image") or "")
            if image and image not in images:
                images.append(image)
        out.append(Compute("ecs-task-definition", str(definition.get("taskDefinitionArn") or arn),
                           str(definition.get("family") or ""), account, region,
                           _role_arn(str(role), account, region) if role else None,
                           images=tuple(images)))
    return out


def _tasks(backend: Backend, account: str, region: str, definitions: list[Compute]) -> list[Compute]:
    """Each running ECS task, of every cluster, that runs as a role: the role its RunTask overrides gave it
    (``overrides.taskRoleArn``), else its task definition's. Whether ECS Exec is enabled in it is not read as a
    limit (see the ecs-execute-command row)."""
    ecs = backend.client("ecs", account, region)
    where = f"account {account}: ecs in {region}"
    clusters = pages(f"{where}: list_clusters", ecs.list_clusters, "clusterArns", token="nextToken")
    role_of: dict[str, str | None] = {d.arn: d.role_arn for d in definitions}
    out: list[Compute] = []
    for cluster in clusters:
        arns = pages(f"{where}: list_tasks {cluster}", ecs.list_tasks, "taskArns", token="nextToken",
                     cluster=cluster, desiredStatus="RUNNING")
        for start in range(0, len(arns), 100):  # DescribeTasks takes 100 tasks at most
            found = call(f"{where}: describe_tasks {cluster}", ecs.describe_tasks, cluster=cluster,
                         tasks=arns[start:start + 100])
            for task in found.get("tasks") or []:
                if task.get("lastStatus") in _GONE_TASK:
                    continue
                role = (task.get("overrides") or {}).get("taskRoleArn")
                if not role:
                    role = _definition_role(ecs, where, str(task.get("taskDefinitionArn") or ""), role_of)
                if role:
                    arn = str(task["taskArn"])
                    out.append(Compute("ecs-task", arn, arn.rsplit("/", 1)[-1], account, region,
                                       _role_arn(str(role), account, region)))
    return out


def _state_machines(backend: Backend, account: str, region: str) -> list[Compute]:
    """Each Step Functions state machine with the role its executions run as. The definition DescribeStateMachine
    returns is not kept: the states someone may write instead are what the path is about."""
    sfn = backend.client("stepfunctions", account, region)
    where = f"account {account}: stepfunctions in {region}"
    machines = pages(f"{where}: list_state_machines", sfn.list_state_machines, "stateMachines", token="nextToken")
    out: list[Compute] = []
    for machine in machines:
        arn = str(machine["stateMachineArn"])
        found = call(f"{where}: describe_state_machine {arn}", sfn.describe_state_machine, stateMachineArn=arn)
        role = found.get("roleArn")
        if role:
            out.append(Compute("stepfunctions-state-machine", arn, str(found.get("name") or arn.rsplit(":", 1)[-1]),
                               account, region, _role_arn(str(role), account, region)))
    return out


def _definition_role(ecs: Any, where: str, definition: str, role_of: dict[str, str | None]) -> str | None:
    """The task role of a running task's definition: one read already, or (a revision deregistered since the task
    started, which runs on) described now."""
    if definition and definition not in role_of:
        found = call(f"{where}: describe_task_definition {definition}", ecs.describe_task_definition,
                     taskDefinition=definition)
        role_of[definition] = (found.get("taskDefinition") or {}).get("taskRoleArn")
    return role_of.get(definition)


def _usable(resource: dict[str, Any]) -> bool:
    return resource.get("state") == "ENABLED" and resource.get("status") == "VALID"


def _role_arn(role: str, account: str, region: str) -> str:
    """A role as an ARN: Glue and CodeBuild also accept a role's bare name (a role without a path)."""
    return role if role.startswith("arn:") else f"arn:{_partition(region)}:iam::{account}:role/{role}"
