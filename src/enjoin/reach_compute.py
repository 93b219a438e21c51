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

What is not followed yet is listed in the table as ``not_modelled`` with the reason; :func:`not_modelled` gives them
to the report. A resource those rows go through, deployed by a template, is an unmodeled construct: INDETERMINATE for
what its role can read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from enjoin.reach_edges import Edge, Outcome, answer
from enjoin.reach_filter import listed, may_act, raw_statements
from enjoin.reach_graph import Graph, Node, wildcard
from enjoin.reach_model import Hop

PROBE = "enjoin-probe"
_FIELDS = {"status", "service", "pass_role", "instance_profile", "also_pass", "requests", "takes_over",
           "documentation", "how", "caveat", "why_not"}
_SERVICE = re.compile(r"[a-z0-9.-]+\.amazonaws\.com\Z")
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9]+\Z")


@dataclass(frozen=True, slots=True)
class Ask:
    """One request of a way: ``action`` on an ARN pattern with {partition}, {region}, {account}, {name}."""

    action: str
    resource: str


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
    takes_over: str | None
    documentation: tuple[str, ...]
    how: str
    caveat: str
    why_not: str

    @property
    def modeled(self) -> bool:
        return self.status == "modeled"

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
    services = [row["service"], *row.get("also_pass", ())]
    for service in services:
        if not _SERVICE.match(str(service)):
            raise TableError(f"reach_compute.yaml: ways.{key}: expected a service principal; found {service!r}")
    asks = []
    for ask in row["requests"]:
        action, resource = str(ask.get("action", "")), str(ask.get("resource", ""))
        if not _ACTION.match(action) or not (resource == "*" or resource == "{existing}"
                                             or resource.startswith("arn:{partition}:")):
            raise TableError(f"reach_compute.yaml: ways.{key}.requests: expected an action and an ARN pattern; "
                             f"found {action!r} on {resource!r}")
        asks.append(Ask(action, resource))
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
        takes_over=row.get("takes_over"),
        documentation=tuple(row["documentation"]),
        how=" ".join(str(row["how"]).split()),
        caveat=" ".join(str(row.get("caveat", "")).split()),
        why_not=" ".join(str(row.get("why_not", "")).split()),
    )


@functools.cache
def ways() -> tuple[Way, ...]:
    """Every row of the table, checked."""
    text = resources.files("enjoin").joinpath("reach_compute.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple(_way(key, row) for key, row in data["ways"].items())


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


def _pass(graph: Graph, who: Node, role: Node, service: str) -> Hop | tuple[str, ...] | None:
    return answer(graph, who, "iam:PassRole", role.arn, who.account, None, {"iam:PassedToService": service})


def _instance_profile(graph: Graph, who: Node, role: Node, way: Way) -> list[Hop] | tuple[str, ...] | None:
    """An instance profile holding the role: one that exists (no request), or one the caller creates."""
    if any(r.instance_profiles for r in graph.snapshot.roles if r.arn == role.arn):
        return []
    partition = who.arn.split(":")[1]
    profile = f"arn:{partition}:iam::{who.account}:instance-profile/{PROBE}"
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
    if who.account != role.account or way.service not in roles.get(role.arn, ()) or not may_act(who, "iam:PassRole"):
        return None
    if not all(may_act(who, ask.action) for ask in way.requests):
        return None
    passed = _pass(graph, who, role, way.service)
    if not isinstance(passed, Hop):
        return passed
    hops: list[Hop] = [passed]
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
    for name in names(who, graph.region, way.requests):
        steps: list[Hop] = []
        for ask in way.requests:
            resource = _fill(ask.resource, who, graph.region, name)
            hop = answer(graph, who, ask.action, resource, who.account, None,
                         note=f"{way.id}: {way.how}" if ask is way.requests[-1] else "")
            if not isinstance(hop, Hop):
                undecided += hop or ()
                break
            steps.append(hop)
        else:
            return Edge(role, (*hops, *steps))
    return tuple(undecided) or None


def reconfigure_function(graph: Graph, way: Way, who: Node, function_arn: str, role: Node,
                         roles: Mapping[str, frozenset[str]]) -> Outcome:
    """``who`` gives an existing function ``role`` (which it may pass to Lambda) and invokes it."""
    if who.account != role.account or way.service not in roles.get(role.arn, ()):
        return None
    if not may_act(who, "iam:PassRole") or not all(may_act(who, a.action) for a in way.requests):
        return None
    passed = _pass(graph, who, role, way.service)
    if not isinstance(passed, Hop):
        return passed
    hops = [passed]
    for ask in way.requests:
        hop = answer(graph, who, ask.action, function_arn, who.account, None,
                     note=f"{way.id}: {way.how}" if ask is way.requests[-1] else "")
        if not isinstance(hop, Hop):
            return hop
        hops.append(hop)
    return Edge(role, tuple(hops))
