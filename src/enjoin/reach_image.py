"""Container images a role runs, pulled by tag at every run: whoever may push that tag runs code as the role.

The ``{image}`` rows of ``reach_compute.yaml`` (a Batch job definition's containers, a CodeBuild project's build
image: ``Compute.images``). As for the ``{code}`` rows (:mod:`enjoin.reach_code`), the requests go to another
service than the compute's, here Amazon ECR, and the pusher may be of any account:

- The image reference names a private repository (``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG]``, the tag
  ``latest`` when none is given; "Pushing a Docker image to an Amazon ECR private repository"). One named by digest
  (``@sha256:...``) is that image and no other; one of a registry outside AWS is published there: neither is
  followed.
- The push is asked on the repository's ARN, under its repository policy, in the repository's account: the upload
  of the image's configuration and layers (``ecr:InitiateLayerUpload``, ``ecr:UploadLayerPart``,
  ``ecr:CompleteLayerUpload``) and ``ecr:PutImage`` of its manifest under the tag. ``ecr:GetAuthorizationToken``,
  which takes no resource, is asked in the pusher's own account ("IAM permissions for pushing an image to an
  Amazon ECR private repository", "Private repository policies in Amazon ECR"). The row lists the requests.
- A repository whose tags are immutable refuses a push under a tag an image bears already
  (ImageTagAlreadyExistsException, "Preventing image tags from being overwritten"); its exclusion filters (WILDCARD
  patterns, ``*`` for any characters) make the tags they match mutable, and those of a MUTABLE_WITH_EXCLUSION
  repository immutable. A tag no image bears yet is pushed once, by whoever comes first: the compute runs it.

The role's trust must admit the row's service. The image's pull (by the execution role, the instance role, or the
service role) is not asked: the compute pulls from that repository today, and a repository's pull permissions do not
tell one tag from another. A repository the inventory does not hold (another account's, not configured) cannot be
decided: what the role reads is then in doubt for a party whose principal may push there by its own identity
policies (a :class:`~enjoin.reach_compute.Split`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from enjoin.engine import Policy
from enjoin.reach_compute import Split, Way
from enjoin.reach_edges import Edge, Outcome, answer
from enjoin.reach_filter import may_act
from enjoin.reach_graph import Graph, Node
from enjoin.reach_model import Hop
from enjoin.snapshot import Compute, Repository

PUT_ACTION = "ecr:PutImage"
# A private registry's image reference: the IPv4 endpoint (and its FIPS and China forms) or the dual-stack one.
_PRIVATE = re.compile(
    r"(?P<account>\d{12})\.dkr(?:\.ecr|-ecr)(?:-fips)?\.(?P<region>[a-z0-9-]+)\."
    r"(?:amazonaws\.com(?:\.cn)?|on\.aws)/(?P<name>[a-z0-9][a-z0-9._/-]*?)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?\Z"
)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A private ECR image reference, read."""

    account: str
    region: str
    name: str
    tag: str | None  # None when the reference pins a digest
    text: str

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.name}"


def parse_image(image: str) -> ImageRef | None:
    """The private ECR repository and tag an image reference names; None for a registry outside AWS's private ECR
    (Docker Hub, ECR Public, CodeBuild's curated images)."""
    found = _PRIVATE.match(image.strip())
    if found is None:
        return None
    tag = None if found["digest"] else (found["tag"] or "latest")
    return ImageRef(found["account"], found["region"], found["name"], tag, image)


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


def tag_movable(repository: Repository, tag: str) -> bool:
    """Whether a push may put ``tag`` on a new image in ``repository``."""
    excluded = any(_wildcard(p).match(tag) for p in repository.exclusions)
    mutable = repository.mutability.startswith("MUTABLE")
    if repository.mutability.endswith("_WITH_EXCLUSION") and excluded:
        mutable = not mutable
    return mutable or tag not in repository.image_tags


def _repository(graph: Graph, ref: ImageRef) -> Repository | None:
    return next((r for r in graph.snapshot.repositories
                 if (r.account, r.region, r.name) == (ref.account, ref.region, ref.name)), None)


def _pushed(graph: Graph, way: Way, who: Node, arn: str, account: str, policy: Policy | None,
            note: str) -> list[Hop] | tuple[str, ...] | None:
    """``who``'s requests of the row on the repository ``arn`` (its ``*`` requests in its own account): the hops,
    the reasons one cannot be decided, or None when one is never allowed."""
    hops: list[Hop] = []
    reasons: list[str] = []
    for ask in way.requests:
        if ask.resource == "*":
            hop = answer(graph, who, ask.action, "*", who.account, None, note=note)
        else:
            hop = answer(graph, who, ask.action, arn, account, policy, note=note)
        if hop is None:
            return None
        if isinstance(hop, Hop):
            hops.append(hop)
        else:
            reasons += hop
    return tuple(reasons) if reasons else hops


def push_image(graph: Graph, way: Way, who: Node, compute: Compute, role: Node,
               roles: Mapping[str, frozenset[str]]) -> Outcome | Split:
    """``who`` pushes an image ``compute`` runs, which then runs as ``role``: an edge, a doubt about what the role
    reads (a repository not inventoried, a request the engine cannot decide), or None."""
    if not compute.images or not may_act(who, PUT_ACTION) or way.service not in roles.get(role.arn, ()):
        return None
    trust = graph.trust.get(role.arn)
    if isinstance(trust, str):
        return (trust,)
    partition = role.arn.split(":")[1]
    reasons: list[str] = []
    for image in compute.images:
        ref = parse_image(image)
        if ref is None or ref.tag is None:
            continue  # outside AWS's private registries, or pinned to one image
        note = f"{way.id}: {compute.arn} runs {image} as {role.arn} at every run"
        arn = ref.arn(partition)
        repository = _repository(graph, ref)
        if repository is None:
            # Another account's repository, not inventoried: only who's own side can be asked (as of a repository of
            # its own account, where its identity policies alone decide).
            mine = _pushed(graph, way, who, arn, who.account, None, note)
            if mine is not None:
                reasons.append(f"{who.arn} may push {image}, which {compute.arn} runs as {role.arn} at every run "
                               f"({way.id}), by its own policies; the repository is not in the inventory (no template "
                               "declares it, and no account read holds it), so whether its policy admits the push, and "
                               "whether the tag may move, cannot be decided")
                reasons += mine if isinstance(mine, tuple) else ()
            continue
        if not tag_movable(repository, ref.tag):
            continue
        policy = graph.repository_policy.get(repository.arn)
        if isinstance(policy, str):
            reasons.append(policy)
            continue
        pushed = _pushed(graph, way, who, repository.arn, repository.account, policy, note)
        if isinstance(pushed, list):
            return Edge(role, tuple(pushed))
        reasons += pushed or ()
    if reasons:
        return Split(role, (), PUT_ACTION, (f"{way.id}: {way.how}", *reasons))
    return None
