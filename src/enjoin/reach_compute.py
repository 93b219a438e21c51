"""Compute that runs as a role: the ways of ``reach_compute.yaml``, each one kind of reach edge.

A principal that may pass a role to a service which runs code (or that may take over a resource already running as
one) acts as that role: the table says, per way, which service must be trusted by the role, whether ``iam:PassRole``
is needed and with which ``iam:PassedToService``, and the requests the caller makes. Every request is decided by
the engine's existential question, with a witness (:func:`enjoin.reach_edges.answer`), so an SCP, a boundary, a
condition or a resource scope that excludes the role is honoured exactly as for any other edge.

AWS documentation followed (each row cites its service's pages):

- "Grant a user permissions to pass a role to an AWS service" (IAM User Guide, id_roles_use_passrole): PassRole is
  asked on the role's ARN, in the caller's account, with ``iam:PassedToService`` the service principal.
- "IAM JSON policy elements: Principal" (service principals): the service assumes the role only if the role's
  trust policy allows that service principal ``sts:AssumeRole``.
- The Service Authorization Reference of each service for the resource each action is asked on.

A takeover row (``takes_over``: a kind of :data:`KINDS`) acts on compute that already exists (the Snapshot's
``compute``, read by :mod:`enjoin.inventory_compute`): its ``{existing}`` requests are asked on that resource's ARN,
and the caller ends up with the resource's own role (:func:`take_over`) or, when the row passes a role, with the role
it gives the resource (:func:`replace_role`). A takeover is same-account: these services have no resource policies
that let another account make the requests (the caller's account is the resource's). A row that ``needs`` a kind
that runs as no role (a Batch job queue) asks its ``{needed}`` requests on each such resource of the caller's
account, whether it creates the compute (batch-submit-job) or takes it over (batch-submit-job-override).

A row whose path depends on a question AWS's documentation (or the inventory) does not settle is ``unsettled``: it
lists the readings, each with what it changes in the row (the ``iam:PassedToService`` value, whether ``iam:PassRole``
is asked, whether the path exists at all). :func:`under_readings` decides the path under each reading (:func:`settle`):
under all, an edge whose witness has each reading's hops; under some only, a :class:`Split`, which reach turns into a
doubt about what the role can read, naming the row and the question; under none, nothing.

What is not followed yet is listed in the table as ``not_modelled`` with the reason; :func:`not_modelled` gives them
to the report. A resource those rows go through, deployed by a template, is an unmodeled construct: INDETERMINATE for
what its role can read. One that exists already (read by the inventory in a live run) is a doubt instead
(:func:`unfollowed`, :func:`doubt`): when a principal a party reaches may, possibly, make the row's first request on
it, what its role can read is INDETERMINATE for that party, with the row's ``why_not``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import yaml

from enjoin.engine import Policy, PolicyKind, compile_policy
from enjoin.reach_edges import Edge, Outcome, answer, function_answer, may_change_function
from enjoin.reach_filter import listed, may_act, raw_statements
from enjoin.reach_graph import Graph, Node, compile_or_reason, wildcard
from enjoin.reach_model import Hop
from enjoin.snapshot import Compute, Function

PROBE = "enjoin-probe"
_FIELDS = {"status", "service", "pass_role", "instance_profile", "profile_named_as_role", "also_pass", "requests",
           "takes_over", "then", "documentation", "how", "caveat", "why_not", "unsettled", "needs", "by_targets"}
# What a reading of an unsettled question may change in the row (see the table's header).
_CHANGES = {"passed_to", "asks_pass_role", "holds", "drops"}
# The kinds of existing compute (Snapshot.compute), each with the CloudFormation type that declares it.
KINDS = {
    "ec2-instance": "AWS::EC2::Instance",
    "cloudformation-stack": "AWS::CloudFormation::Stack",
    "cloudformation-stack-set": "AWS::CloudFormation::StackSet",
    "codebuild-project": "AWS::CodeBuild::Project",
    "glue-dev-endpoint": "AWS::Glue::DevEndpoint",
    "glue-job": "AWS::Glue::Job",
    "sagemaker-notebook": "AWS::SageMaker::NotebookInstance",
    "batch-job-queue": "AWS::Batch::JobQueue",
    "batch-job-definition": "AWS::Batch::JobDefinition",
    "ecs-task-definition": "AWS::ECS::TaskDefinition",
    "ecs-task": "AWS::ECS::Service",  # a running task: a template declares none itself, a service starts them
    "stepfunctions-state-machine": "AWS::StepFunctions::StateMachine",
}
# What a request may be asked on besides an ARN pattern (the table's header says what each stands for).
_PLACEHOLDERS = frozenset({"*", "{existing}", "{needed}", "{code}", "{image}", "{config}"})
_SERVICE = re.compile(r"[a-z0-9.-]+\.amazonaws\.com\Z")
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9]+\Z")


@dataclass(frozen=True, slots=True)
class Ask:
    """One request of a way: ``action`` on an ARN pattern with {partition}, {region}, {account}, {name} and, at its
    end, {any} (a resource that exists under a name the caller does not choose, which the inventory does not read)."""

    action: str
    resource: str
    # Decided under a resource policy of the resource that the caller writes through an earlier request of the way
    # (lambda:AddPermission): one allowing the caller itself this action, and no identity policy of its own needed.
    own_grant: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a row's unsettled question: what AWS would do under it (``says``), and what that changes in
    the row (``None``: unchanged)."""

    says: str
    passed_to: str | None = None  # the iam:PassedToService value the caller's PassRole of the role is asked with
    asks_pass_role: bool | None = None  # whether iam:PassRole of the role the path runs as is asked at all
    holds: bool | None = None  # False: the path does not exist under this reading (what it needs beyond IAM is absent)
    drops: str | None = None  # the resource pattern of the row's requests that are not asked under this reading


@dataclass(frozen=True, slots=True)
class Unsettled:
    """A question AWS's documentation leaves open for a row, with its alternative readings (two at least)."""

    question: str
    readings: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class Way:
    """One row of the table (see its header for the fields)."""

    id: str
    status: str
    service: str
    pass_role: bool
    instance_profile: bool
    also_pass: tuple[str, ...]
    requests: tuple[Ask, ...]
    takes_over: str | None  # a kind of KINDS
    then: tuple[str, ...]  # ways one of which must also succeed on the same resource (how code then runs there)
    documentation: tuple[str, ...]
    how: str
    caveat: str
    why_not: str
    unsettled: Unsettled | None = None
    needs: str | None = None  # a kind of KINDS that runs as no role: the path goes through one such resource
    profile_named: bool = False  # the instance profile must bear the role's name (EMR refuses another)
    # A takeover row whose requests name the resources they act on through targets (tags), which the service does not
    # authorize: it asks on no {existing} (reach_compute.yaml's header).
    by_targets: bool = False
    # As the row is settled (a reading of ``unsettled`` applied, :func:`settle`): the iam:PassedToService value the
    # caller's PassRole of the role is asked with ("": the row's service), whether PassRole of it is asked at all
    # (None: when the row passes a role), and whether the path exists.
    passed_to: str = ""
    asks_pass_role: bool | None = None
    holds: bool = True

    @property
    def pass_to(self) -> str:
        """The iam:PassedToService value of the caller's PassRole of the role."""
        return self.passed_to or self.service

    @property
    def asks_pass(self) -> bool:
        """Whether the caller's iam:PassRole of the role the path runs as is asked."""
        return self.pass_role if self.asks_pass_role is None else self.asks_pass_role

    @property
    def modeled(self) -> bool:
        return self.status == "modeled"

    @property
    def code(self) -> bool:
        """Whether the way writes an S3 object the resource runs (its request names ``{code}``)."""
        return any(a.resource == "{code}" for a in self.requests)

    @property
    def image(self) -> bool:
        """Whether the way pushes a container image the resource runs (its requests name ``{image}``)."""
        return any(a.resource == "{image}" for a in self.requests)

    @property
    def existing(self) -> bool:
        """Whether the way goes through a resource that already exists (its requests name ``{existing}``)."""
        return any(a.resource == "{existing}" for a in self.requests)


class TableError(ValueError):
    """The table breaks one of its own rules; the message names the row and the field."""


def _way(key: str, row: Any) -> Way:
    if not isinstance(row, Mapping):
        raise TableError(f"reach_compute.yaml: ways.{key}: expected a mapping; found {type(row).__name__}")
    unknown = set(row) - _FIELDS
    if unknown:
        raise TableError(f"reach_compute.yaml: ways.{key}: unknown fields {sorted(unknown)}")
    for needed in ("status", "service", "requests", "documentation", "how"):
        if not row.get(needed):
            raise TableError(f"reach_compute.yaml: ways.{key}: expected {needed}; found none")
    if row["status"] not in {"modeled", "not_modelled"}:
        raise TableError(f"reach_compute.yaml: ways.{key}.status: expected modeled or not_modelled; "
                         f"found {row['status']!r}")
    if row["status"] == "not_modelled" and not row.get("why_not"):
        raise TableError(f"reach_compute.yaml: ways.{key}: a not_modelled row says why_not")
    unsettled = _unsettled(key, row) if "unsettled" in row else None
    if row.get("profile_named_as_role") and not row.get("instance_profile"):
        raise TableError(f"reach_compute.yaml: ways.{key}.profile_named_as_role: expected on a row whose role goes "
                         f"through an instance profile (instance_profile: true); found none")
    services = [row["service"], *row.get("also_pass", ())]
    for service in services:
        if not _SERVICE.match(str(service)):
            raise TableError(f"reach_compute.yaml: ways.{key}: expected a service principal; found {service!r}")
    asks = []
    for index, ask in enumerate(row["requests"]):
        action, resource = str(ask.get("action", "")), str(ask.get("resource", ""))
        if not _ACTION.match(action) or not (resource in _PLACEHOLDERS or resource.startswith("arn:{partition}:")):
            raise TableError(f"reach_compute.yaml: ways.{key}.requests: expected an action and an ARN pattern; "
                             f"found {action!r} on {resource!r}")
        unknown_keys = set(ask) - {"action", "resource", "under_own_grant"}
        own_grant = ask.get("under_own_grant", False)
        if unknown_keys or not isinstance(own_grant, bool) or (own_grant and index == 0):
            raise TableError(f"reach_compute.yaml: ways.{key}.requests[{index}]: expected action, resource and "
                             f"under_own_grant (true or false, never on the first request: the grant is written by "
                             f"an earlier one); found {dict(ask)!r}")
        asks.append(Ask(action, resource, own_grant))
    takes_over = row.get("takes_over")
    if any(a.own_grant for a in asks) and (takes_over is not None or row.get("needs") is not None):
        raise TableError(f"reach_compute.yaml: ways.{key}: a request under_own_grant is asked on a resource the "
                         f"caller creates (a row that takes over and needs nothing); found takes_over "
                         f"{takes_over!r}, needs {row.get('needs')!r}")
    if takes_over is not None and takes_over not in KINDS:
        raise TableError(f"reach_compute.yaml: ways.{key}.takes_over: expected one of {sorted(KINDS)}; "
                         f"found {takes_over!r}")
    needs = row.get("needs")
    if needs is not None and (needs not in KINDS or needs == takes_over
                              or bool(row.get("pass_role")) == (takes_over is not None)):
        raise TableError(f"reach_compute.yaml: ways.{key}.needs: expected one of {sorted(KINDS)}, on a row that "
                         f"either passes a role and takes over nothing, or takes over another kind without passing "
                         f"a role; found {needs!r}")
    by_targets = row.get("by_targets", False)
    if not isinstance(by_targets, bool) or (by_targets and (takes_over is None or row.get("pass_role") or any(
            a.resource.startswith("{") for a in asks))):
        raise TableError(f"reach_compute.yaml: ways.{key}.by_targets: expected true or false, true only on a row that "
                         f"takes over a kind, passes no role and asks on ARN patterns alone; found {by_targets!r}")
    if (any(a.resource in ("{existing}", "{code}", "{image}", "{config}") for a in asks) != (takes_over is not None)
            and key not in _FUNCTION_WAYS and not by_targets):
        raise TableError(f"reach_compute.yaml: ways.{key}: a row asks on {{existing}}, {{code}}, {{image}} or "
                         f"{{config}} exactly when it takes_over a kind; found takes_over {takes_over!r}")
    if any(a.resource == "{config}" for a in asks) and (takes_over != "sagemaker-notebook" or row.get("pass_role")
                                                        or needs is not None):
        raise TableError(f"reach_compute.yaml: ways.{key}: a row that asks on {{config}} (a notebook's lifecycle "
                         f"configuration) takes over sagemaker-notebook, passes no role and needs nothing; found "
                         f"takes_over {takes_over!r}")
    if any(a.resource == "{image}" for a in asks) and (
            any(a.resource not in ("{image}", "*") or not a.action.startswith("ecr:") for a in asks)
            or row.get("pass_role") or needs is not None):
        raise TableError(f"reach_compute.yaml: ways.{key}: a row that asks on {{image}} asks ECR actions alone, on "
                         f"{{image}} or '*', passes no role and needs nothing; found "
                         f"{[(a.action, a.resource) for a in asks]}")
    if any(a.resource == "{code}" for a in asks) and (len(asks) != 1 or asks[0].action != "s3:PutObject"
                                                      or row.get("pass_role") or needs is not None):
        raise TableError(f"reach_compute.yaml: ways.{key}: a row that asks on {{code}} asks s3:PutObject alone, "
                         f"passes no role and needs nothing; found {[(a.action, a.resource) for a in asks]}")
    for ask in asks:
        if "{any}" in ask.resource and (not ask.resource.endswith("{any}") or ask.resource.count("{any}") > 1
                                        or "{name}" in ask.resource or not ask.resource.startswith("arn:")):
            raise TableError(f"reach_compute.yaml: ways.{key}.requests: expected {{any}} once, at the end of an ARN "
                             f"pattern without {{name}}; found {ask.resource!r}")
    if any("{any}" in a.resource for a in asks) and not (
            unsettled is not None and any(r.holds is False for r in unsettled.readings)):
        raise TableError(f"reach_compute.yaml: ways.{key}: a row that asks on {{any}} (a resource the inventory does "
                         f"not read) is unsettled, with a reading under which none exists (holds: false)")
    if any(a.resource == "{needed}" for a in asks) != (needs is not None):
        raise TableError(f"reach_compute.yaml: ways.{key}: a row asks on {{needed}} exactly when it needs a kind; "
                         f"found needs {needs!r}")
    for url in row["documentation"]:
        if not str(url).startswith("https://docs.aws.amazon.com/"):
            raise TableError(f"reach_compute.yaml: ways.{key}.documentation: expected AWS documentation; found {url}")
    return Way(
        id=key,
        status=row["status"],
        service=row["service"],
        pass_role=bool(row.get("pass_role", False)),
        instance_profile=bool(row.get("instance_profile", False)),
        also_pass=tuple(row.get("also_pass", ())),
        requests=tuple(asks),
        takes_over=takes_over,
        then=tuple(str(t) for t in row.get("then", ())),
        documentation=tuple(row["documentation"]),
        how=" ".join(str(row["how"]).split()),
        caveat=" ".join(str(row.get("caveat", "")).split()),
        why_not=" ".join(str(row.get("why_not", "")).split()),
        unsettled=unsettled,
        needs=needs,
        profile_named=bool(row.get("profile_named_as_role", False)),
        by_targets=by_targets,
    )


def _unsettled(key: str, row: Mapping[str, Any]) -> Unsettled:
    """The row's ``unsettled`` field: a question and two readings at least, each saying what it changes."""
    where = f"reach_compute.yaml: ways.{key}.unsettled"
    if row["status"] != "modeled":
        raise TableError(f"{where}: expected on a modeled row (reach follows it under each reading); found status "
                         f"{row['status']!r}")
    value = row["unsettled"]
    question = value.get("question") if isinstance(value, Mapping) else None
    listed_readings = value.get("readings") if isinstance(value, Mapping) else None
    if not question or not isinstance(listed_readings, list) or len(listed_readings) < 2:
        raise TableError(f"{where}: expected a question and two readings at least; found {value!r}")
    readings: list[Reading] = []
    for i, item in enumerate(listed_readings):
        here = f"{where}.readings[{i}]"
        if not isinstance(item, Mapping) or not item.get("says"):
            raise TableError(f"{here}: expected what the reading says (says); found {item!r}")
        unknown = set(item) - _CHANGES - {"says"}
        changes = set(item) & _CHANGES
        if unknown or not changes:
            raise TableError(f"{here}: expected says and what changes ({', '.join(sorted(_CHANGES))}); found "
                             f"{sorted(item)}")
        passed_to = item.get("passed_to")
        if passed_to is not None and not _SERVICE.match(str(passed_to)):
            raise TableError(f"{here}.passed_to: expected a service principal; found {passed_to!r}")
        for flag in ("asks_pass_role", "holds"):
            if flag in item and not isinstance(item[flag], bool):
                raise TableError(f"{here}.{flag}: expected true or false; found {item[flag]!r}")
        drops = item.get("drops")
        if drops is not None and (drops not in {str(a.get("resource")) for a in row["requests"]}
                                  or all(str(a.get("resource")) == drops for a in row["requests"])):
            raise TableError(f"{here}.drops: expected the resource pattern of some of the row's requests, not of all "
                             f"of them; found {drops!r}")
        readings.append(Reading(" ".join(str(item["says"]).split()), passed_to, item.get("asks_pass_role"),
                                item.get("holds"), drops))
    if len({(r.passed_to, r.asks_pass_role, r.holds, r.drops) for r in readings}) < len(readings):
        raise TableError(f"{where}: expected readings that differ in what they change; two change the same")
    return Unsettled(" ".join(str(question).split()), tuple(readings))


# The rows on existing Lambda functions (Snapshot.functions, not Snapshot.compute): reach.py follows them itself.
_FUNCTION_WAYS = frozenset({"lambda-update-function-code", "lambda-update-function-configuration", "lambda-add-layer",
                            "lambda-update-function-configuration-add-permission"})


@functools.cache
def ways() -> tuple[Way, ...]:
    """Every row of the table, checked."""
    text = resources.files("enjoin").joinpath("reach_compute.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    table = tuple(_way(key, row) for key, row in data["ways"].items())
    by_id = {w.id: w for w in table}
    for way in table:
        for other in way.then:
            found = by_id.get(other)
            if found is None or found.takes_over != way.takes_over or found.then or found.pass_role:
                raise TableError(f"reach_compute.yaml: ways.{way.id}.then: expected ways that take over the same "
                                 f"kind without passing a role; found {other!r}")
            if way.modeled and not found.modeled:
                raise TableError(f"reach_compute.yaml: ways.{way.id}.then: a modeled row needs modeled ways; "
                                 f"found {other!r} not_modelled")
    return table


def takeovers() -> tuple[Way, ...]:
    """The modeled ways that act on existing compute of a kind (Snapshot.compute) through its own API."""
    return tuple(w for w in ways() if w.modeled and w.takes_over is not None and not w.code and not w.image)


def code_writes() -> tuple[Way, ...]:
    """The modeled ways that write an S3 object existing compute runs (:mod:`enjoin.reach_code`)."""
    return tuple(w for w in ways() if w.modeled and w.code)


def image_pushes() -> tuple[Way, ...]:
    """The modeled ways that push a container image existing compute runs (:mod:`enjoin.reach_image`)."""
    return tuple(w for w in ways() if w.modeled and w.image)


def modeled_new() -> tuple[Way, ...]:
    """The modeled ways that create the compute themselves, passing the role."""
    return tuple(w for w in ways() if w.modeled and w.pass_role and not w.existing)


def not_modelled() -> tuple[Way, ...]:
    """The ways reach does not follow yet, for the report."""
    return tuple(w for w in ways() if not w.modeled)


def trusted_services(graph: Graph) -> dict[str, frozenset[str]]:
    """Per role ARN, the service principals its trust policy allows ``sts:AssumeRole`` (Allow statements)."""
    out: dict[str, frozenset[str]] = {}
    for role_arn, trust in graph.trust.items():
        if isinstance(trust, str):
            continue
        services: set[str] = set()
        for stmt in raw_statements(trust):
            principal = stmt.get("Principal")
            if stmt.get("Effect") != "Allow" or not isinstance(principal, Mapping):
                continue
            actions = [a.lower() for a in listed(stmt.get("Action"))]
            if any(wildcard(a).fullmatch("sts:assumerole") for a in actions):
                services.update(str(s) for s in listed(principal.get("Service")))
        if services:
            out[role_arn] = frozenset(services)
    return out


def _fill(pattern: str, who: Node, region: str, name: str, *, probe: bool = True) -> str:
    """The concrete ARN of a request. A ``*`` of the pattern stands for what AWS generates (an instance id, a stack's
    UUID) and becomes the probe: a request names one resource, and a policy pattern matches it or not."""
    partition = who.arn.split(":")[1]
    filled = (pattern.replace("{partition}", partition).replace("{region}", region)
              .replace("{account}", who.account).replace("{name}", name))
    return filled if filled == "*" or not probe else filled.replace("*", PROBE)


def names(who: Node, region: str, asks: Iterable[Ask]) -> list[str]:
    """The names to try for what the caller creates: the probe, then one per Resource pattern of its identity
    policies that names a resource of these requests (``dhs-*`` -> ``dhs-enjoin-probe``), where it fits."""
    out = [PROBE]
    named = [a for a in asks if "{name}" in a.resource]
    for policy in who.identity:
        for stmt in raw_statements(policy):
            for pattern in listed(stmt.get("Resource")):
                for ask in named:
                    head, tail = _fill(ask.resource, who, region, "\0", probe=False).split("\0")
                    # What names the kind of resource: the text between the account and the name (":function:").
                    marker = head.split(f":{who.account}", 1)[-1]
                    if not marker or marker not in pattern:
                        continue
                    written = pattern.split(marker, 1)[1]
                    if tail and written.endswith(tail):
                        written = written[: -len(tail)]
                    name = written.replace("*", PROBE).replace("?", "x")
                    concrete = (head + name + tail).replace("*", PROBE)
                    if name and "/" not in name and name not in out and wildcard(pattern).fullmatch(concrete):
                        out.append(name)
    return out


def any_names(pattern: str, who: Node, region: str) -> tuple[str, ...]:
    """The ARNs to ask a request on a resource that exists under a name the caller does not choose, and that the
    inventory does not read (``{any}``): the probe (each ``*`` and ``{any}`` of the pattern the probe name), then
    each resource of that kind that a Resource pattern of the caller's identity policies names, its ``*`` and ``?``
    filled (``service/prod/*`` -> ``service/prod/enjoin-probe``), where it has the pattern's form. A policy that
    allows the request only on a cluster or a service of its own is so asked on one of them, not on the probe
    alone, which it would not allow."""
    probe = _fill(pattern.replace("{any}", "*"), who, region, PROBE)
    form = wildcard(_fill(pattern.replace("{any}", "*"), who, region, PROBE, probe=False))
    head = re.split(r"\*|\{any\}", _fill(pattern, who, region, PROBE, probe=False), maxsplit=1)[0]
    marker = head.split(f":{who.account}", 1)[-1]  # what names the kind of resource (":service/")
    out = [probe]
    for policy in who.identity:
        for stmt in raw_statements(policy):
            for written in listed(stmt.get("Resource")):
                if not isinstance(written, str) or not marker or marker not in written:
                    continue
                concrete = head + written.split(marker, 1)[1].replace("*", PROBE).replace("?", "x")
                if concrete not in out and form.fullmatch(concrete) and wildcard(written).fullmatch(concrete):
                    out.append(concrete)
    return tuple(out)


def _pass(graph: Graph, who: Node, role: Node, service: str) -> Hop | tuple[str, ...] | None:
    return answer(graph, who, "iam:PassRole", role.arn, who.account, None, {"iam:PassedToService": service})


def _instance_profile(graph: Graph, who: Node, role: Node, way: Way) -> list[Hop] | tuple[str, ...] | None:
    """An instance profile holding the role: one that exists (no request), or one the caller creates. Where the
    way needs the profile to bear the role's name (``profile_named``), only such a profile will do, and the caller
    creates it under that name."""
    name = role.arn.rsplit("/", 1)[-1]
    held = [p for r in graph.snapshot.roles if r.arn == role.arn for p in r.instance_profiles]
    if any(not way.profile_named or p.rsplit("/", 1)[-1] == name for p in held):
        return []
    partition = who.arn.split(":")[1]
    profile = f"arn:{partition}:iam::{who.account}:instance-profile/{name if way.profile_named else PROBE}"
    hops: list[Hop] = []
    for action in ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"):
        note = f"an instance profile for {role.arn} ({way.id})"
        hop = answer(graph, who, action, profile, who.account, None, note=note)
        if not isinstance(hop, Hop):
            return hop
        hops.append(hop)
    return hops


def _also_pass(
    graph: Graph, who: Node, service: str, roles: Mapping[str, frozenset[str]]
) -> Hop | tuple[str, ...] | None:
    """Some role of the caller's account that trusts ``service`` and that the caller may pass to it."""
    undecided: list[str] = []
    for role_arn, services in sorted(roles.items()):
        node = graph.nodes.get(role_arn)
        if node is None or node.account != who.account or service not in services:
            continue
        hop = _pass(graph, who, node, service)
        if isinstance(hop, Hop):
            return hop
        undecided += hop or ()
    return tuple(undecided) or None


def new_compute(graph: Graph, way: Way, who: Node, role: Node, roles: Mapping[str, frozenset[str]]) -> Outcome:
    """``who`` creates compute of ``way`` that runs as ``role`` (same account: PassRole has no resource policy)."""
    if not way.holds or who.account != role.account or way.service not in roles.get(role.arn, ()):
        return None
    if (way.asks_pass and not may_act(who, "iam:PassRole")) or not _may_ask(who, way):
        return None
    hops: list[Hop] = []
    if way.asks_pass:
        passed = _pass(graph, who, role, way.pass_to)
        if not isinstance(passed, Hop):
            return passed
        hops.append(passed)
    if way.instance_profile:
        profile = _instance_profile(graph, who, role, way)
        if not isinstance(profile, list):
            return profile
        hops += profile
    for service in way.also_pass:
        other = _also_pass(graph, who, service, roles)
        if not isinstance(other, Hop):
            return other
        hops.append(other)
    undecided: list[str] = []
    for through in _needed(graph, way, who, None):
        for name in names(who, graph.region, way.requests):
            steps: list[Hop] = []
            for ask in way.requests:
                region = through.region if through else graph.region
                forms = (named_as(through) if through and ask.resource == "{needed}"
                         else any_names(ask.resource, who, region) if "{any}" in ask.resource
                         else (_fill(ask.resource, who, region, name),))
                note = f"{way.id}: {way.how}" + (f" ({through.arn})" if through else "")
                hop = _first_allowed(graph, who, ask.action, forms, who.account,
                                     note if ask is way.requests[-1] else "",
                                     _own_grant(who.arn, ask.action) if ask.own_grant else None)
                if not isinstance(hop, Hop):
                    undecided += hop or ()
                    break
                steps.append(hop)
            else:
                return Edge(role, (*hops, *steps))
    return tuple(undecided) or None


@functools.lru_cache(maxsize=4096)
def _own_grant(arn: str, action: str) -> Policy:
    """The resource policy a caller writes on a resource of its own with a request like lambda:AddPermission: one
    allowing itself ``action`` (a statement naming its ARN, as AddPermission's Principal takes a role's or a user's)."""
    document = {"Version": "2012-10-17", "Statement": [_grant_statement(arn, action, "*")]}
    return compile_policy(document, label=f"the resource policy {arn} writes to allow itself {action}",
                          kind=PolicyKind.RESOURCE)


def _grant_statement(arn: str, action: str, resource: str) -> dict[str, object]:
    """The statement a caller's AddPermission writes: ``action`` allowed to itself."""
    return {"Sid": "OwnGrant", "Effect": "Allow", "Principal": {"AWS": arn}, "Action": action, "Resource": resource}


def _granted_on(function: Function, arn: str, action: str) -> Policy | str:
    """An existing function's resource policy with the statement the caller's AddPermission adds to it: one allowing
    itself ``action`` (its other statements, a Deny among them, still count)."""
    document = function.policy or {"Version": "2012-10-17", "Statement": []}
    written = document.get("Statement", [])
    statements = [*([written] if isinstance(written, Mapping) else list(written or [])),
                  _grant_statement(arn, action, function.arn)]
    return compile_or_reason({**document, "Statement": statements},
                             f"the resource policy of {function.arn} with {arn}'s own grant of {action}",
                             PolicyKind.RESOURCE)


def _first_allowed(graph: Graph, who: Node, action: str, forms: tuple[str, ...], account: str,
                   note: str, policy: Policy | None = None) -> Hop | tuple[str, ...] | None:
    """The request on the first of ``forms`` (the names of one resource) that is allowed, under the resource's
    ``policy`` if any; else why none is (what leaves each undecided, or None: each is denied)."""
    undecided: list[str] = []
    for resource in forms:
        hop = answer(graph, who, action, resource, account, policy, note=note)
        if isinstance(hop, Hop):
            return hop
        undecided += hop or ()
    return tuple(undecided) or None


def _needed(graph: Graph, way: Way, who: Node, region: str | None) -> list[Compute | None]:
    """What a way that ``needs`` a kind goes through: each such resource of the caller's account (in ``region``, the
    region of the resource it takes over, when given), none: no path; a way that needs none goes through nothing
    (``[None]``)."""
    if way.needs is None:
        return [None]
    return [c for c in graph.snapshot.compute
            if c.kind == way.needs and c.account == who.account and region in (None, c.region)]


def reconfigure_function(graph: Graph, way: Way, who: Node, function: Function, role: Node,
                         roles: Mapping[str, frozenset[str]]) -> Outcome:
    """``who`` gives an existing function of its account ``role`` (which it may pass to Lambda) and invokes it, as its
    identity policies or the function's resource policy allow."""
    if (not way.holds or who.account != role.account or function.account != who.account
            or way.service not in roles.get(role.arn, ())):
        return None
    if not may_act(who, "iam:PassRole") or not all(a.own_grant or may_change_function(who, function, a.action)
                                                   for a in way.requests):
        return None
    passed = _pass(graph, who, role, way.pass_to)
    if not isinstance(passed, Hop):
        return passed
    hops = [passed]
    for ask in way.requests:
        note = f"{way.id}: {way.how}" if ask is way.requests[-1] else ""
        if ask.own_grant:  # under the function's policy as the caller's AddPermission leaves it
            granted = _granted_on(function, who.arn, ask.action)
            hop = (answer(graph, who, ask.action, function.arn, function.account, granted, note=note)
                   if not isinstance(granted, str) else (f"{who.arn} {ask.action} {function.arn}: {granted}",))
        else:
            hop = function_answer(graph, who, ask.action, function, note=note)
        if not isinstance(hop, Hop):
            return hop
        hops.append(hop)
    return Edge(role, tuple(hops))


def named_as(compute: Compute) -> tuple[str, ...]:
    """The ARNs a request on ``compute`` may name, the one the inventory read first.

    A Batch job definition's ARN ends in its revision (``job-definition/etl:3``), and SubmitJob takes it as a name,
    name:revision or ARN (API_SubmitJob, jobDefinition). The Service Authorization Reference gives SubmitJob two
    optional resource types for it, job-definition (``job-definition/${JobDefinitionName}``) and
    job-definition-revision (``...:${Revision}``), and says not which a request is checked on; AWS's examples scope
    SubmitJob with ``job-definition/Name*`` patterns that match both. The caller chooses how to name it, so a
    request allowed on either form is a way in (a false path at worst, never a missed one). An ECS task definition's
    is not: RunTask and StartTask take family:revision, the family alone (its latest ACTIVE revision) or the ARN,
    but since March 2024 ECS resolves the revision before it authorizes, so the request is authorized on the
    revision's ARN (``task-definition/etl:3``) however the caller names it, and the API reference has a policy name
    a revision or all of them (``etl:*``). Each ACTIVE revision can be named, so each is asked on its own ARN.
    """
    if compute.kind == "batch-job-definition" and ":" in compute.arn.rsplit("/", 1)[-1]:
        return compute.arn, compute.arn.rsplit(":", 1)[0]
    return (compute.arn,)


def _ask_on(
    graph: Graph, way: Way, who: Node, compute: Compute, note: str, through: Compute | None = None
) -> list[Hop] | tuple[str, ...] | None:
    """The way's requests, ``{existing}`` being the resource's ARN (any of :func:`named_as`), ``{config}`` the
    lifecycle configuration it runs (none: no path) and ``{needed}`` ``through``'s; the hops, or why not."""
    hops: list[Hop] = []
    for ask in way.requests:
        if ask.resource == "{existing}":
            forms = named_as(compute)
        elif ask.resource == "{config}":
            if compute.config is None:  # no lifecycle configuration runs there: no path
                return None
            forms = (compute.config,)
        elif ask.resource == "{needed}" and through is not None:
            forms = named_as(through)
        else:
            forms = (_fill(ask.resource, who, compute.region, ""),)
        hop = _first_allowed(graph, who, ask.action, forms, compute.account,
                             note if ask is way.requests[-1] else "")
        if not isinstance(hop, Hop):
            return hop
        hops.append(hop)
    return hops


def _may_ask(who: Node, way: Way) -> bool:
    """Whether the caller's identity side may allow each request the way asks (one under a grant the caller writes
    itself needs none)."""
    return all(ask.own_grant or may_act(who, ask.action) for ask in way.requests)


def take_over(graph: Graph, way: Way, who: Node, compute: Compute, role: Node,
              roles: Mapping[str, frozenset[str]]) -> Outcome:
    """``who`` makes the existing resource run its code (or template) as the resource's own role, ``role``.

    The role's trust must still admit the way's service (the service assumes it when the code runs); a trust policy
    the engine cannot read is undecided.
    """
    if not way.holds or who.account != compute.account or not _may_ask(who, way):
        return None
    if way.asks_pass and not may_act(who, "iam:PassRole"):
        return None
    trust = graph.trust.get(role.arn)
    if isinstance(trust, str):
        return (trust,)
    if way.service not in roles.get(role.arn, ()):
        return None
    passed: list[Hop] = []
    if way.asks_pass:  # the resource's own role, named again (a reading of an unsettled row)
        hop = _pass(graph, who, role, way.pass_to)
        if not isinstance(hop, Hop):
            return hop
        passed.append(hop)
    undecided: list[str] = []
    for through in _needed(graph, way, who, compute.region):
        via = f", through {through.arn}" if through else ""
        hops = _ask_on(graph, way, who, compute, f"{way.id}: {way.how} ({compute.arn} runs as {role.arn}{via})",
                       through)
        if isinstance(hops, list):
            return Edge(role, (*passed, *hops))
        undecided += hops or ()
    return tuple(undecided) or None


def replace_role(graph: Graph, way: Way, who: Node, compute: Compute, role: Node,
                 roles: Mapping[str, frozenset[str]], then: Iterable[Way]) -> Outcome:
    """``who`` gives an existing resource ``role`` (which it passes) and then runs code on it by one of ``then``."""
    if not way.holds or who.account != role.account or who.account != compute.account or compute.role_arn == role.arn:
        return None
    if way.service not in roles.get(role.arn, ()) or not may_act(who, "iam:PassRole") or not _may_ask(who, way):
        return None
    shells = [t for t in then if _may_ask(who, t)]
    if not shells:
        return None
    passed = _pass(graph, who, role, way.pass_to)
    if not isinstance(passed, Hop):
        return passed
    hops: list[Hop] = [passed]
    if way.instance_profile:
        profile = _instance_profile(graph, who, role, way)
        if not isinstance(profile, list):
            return profile
        hops += profile
    given = _ask_on(graph, way, who, compute, f"{way.id}: {compute.arn} now runs as {role.arn}")
    if not isinstance(given, list):
        return given
    undecided: list[str] = []
    for shell in shells:
        ran = _ask_on(graph, shell, who, compute, f"{shell.id}: {shell.how}")
        if isinstance(ran, list):
            return Edge(role, (*hops, *given, *ran))
        undecided += ran or ()
    return tuple(undecided) or None


def unfollowed() -> tuple[Way, ...]:
    """The not-modelled ways through existing compute the inventory reads: each such resource a party may act
    on is a doubt about what its role can read (:func:`doubt`), never a silent COMPLIANT."""
    return tuple(w for w in not_modelled() if w.takes_over is not None and w.requests[0].resource == "{existing}")


def doubt(graph: Graph, way: Way, who: Node, compute: Compute) -> Hop | tuple[str, ...] | None:
    """Whether ``who`` may (by the engine, possibly) make the first request of a not-modelled ``way`` on ``compute``:
    its hop, or the engine's reasons when it cannot decide; None when it may not. Same account only, as for the
    modeled takeovers."""
    ask = way.requests[0]
    if who.account != compute.account or not may_act(who, ask.action):
        return None
    return answer(graph, who, ask.action, compute.arn, compute.account, None,
                  note=f"{way.id} (not modelled): {way.how}")


@dataclass(frozen=True, slots=True)
class Split:
    """A path of an unsettled row that holds under some of its readings only: a doubt about what ``role`` can read,
    never an edge (the party may or may not act as the role, depending on what AWS does)."""

    role: Node
    hops: tuple[Hop, ...]  # the witness of the first reading under which the path holds
    action: str  # the row's last request: what puts the role to work
    reasons: tuple[str, ...]  # the row, the question and the readings under which it holds or not; the engine's


def settle(way: Way, reading: Reading) -> Way:
    """The row as it is under one reading of its unsettled question."""
    return replace(
        way,
        unsettled=None,
        passed_to=reading.passed_to or way.passed_to,
        asks_pass_role=way.asks_pass_role if reading.asks_pass_role is None else reading.asks_pass_role,
        holds=way.holds if reading.holds is None else reading.holds,
        requests=tuple(a for a in way.requests if a.resource != reading.drops),
    )


def _merge(paths: Iterable[tuple[Hop, ...]]) -> tuple[Hop, ...]:
    """The hops of every reading's path, each once, each reading's in its order: the witness of a path that holds
    under every reading shows what each reading asks (the PassRole under each iam:PassedToService value)."""
    merged: list[Hop] = []
    for path in paths:
        at = 0
        for hop in path:
            # The same request under another reading, where it was the last (the one the row's note is on) or not.
            same = next((i for i, m in enumerate(merged) if replace(m, note="") == replace(hop, note="")), None)
            if same is not None:
                if hop.note and not merged[same].note:
                    merged[same] = hop
                at = same + 1
            else:
                merged.insert(at, hop)
                at += 1
    return tuple(merged)


def under_readings(way: Way, decide: Callable[[Way], Outcome]) -> Outcome | Split:
    """``decide`` (a path of the row, by the engine) under each reading of the row's unsettled question.

    Under every reading an edge: the edge, its witness every reading's hops. Under some only: a :class:`Split`,
    naming the row, the question and the readings under which it holds, with the engine's reasons where a reading
    could not be decided. Under none: the engine's reasons if some reading could not be decided, else no edge. A
    settled row is decided as it is.
    """
    if way.unsettled is None:
        return decide(way)
    found = [(reading, decide(settle(way, reading))) for reading in way.unsettled.readings]
    edges = [(r, o) for r, o in found if isinstance(o, Edge)]
    undecided = tuple(reason for _, o in found if isinstance(o, tuple) for reason in o)
    if len(edges) == len(found):
        return Edge(edges[0][1].target, _merge(o.hops for _, o in edges))
    if not edges:
        return undecided or None
    holds = "; ".join(r.says for r, _ in edges)
    fails = "; ".join(f"{r.says} ({'cannot be decided' if isinstance(o, tuple) else 'no path'})"
                      for r, o in found if not isinstance(o, Edge))
    first = edges[0][1]
    reason = (f"{way.id} holds under some readings of an unsettled question only: {way.unsettled.question} "
              f"It holds if {holds}; not if {fails}. {first.target.arn} can read it")
    return Split(first.target, first.hops, way.requests[-1].action, (reason, *undecided))
