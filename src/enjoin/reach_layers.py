"""A layer added to an existing function: ``lambda:UpdateFunctionConfiguration`` runs the caller's code as its role.

A function's configuration names the layers it runs with ("Adding layers to functions",
https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html): their content is extracted under ``/opt`` and runs
inside the function, as its execution role. The same ``UpdateFunctionConfiguration`` call sets the environment that
makes it run (a wrapper script, ``AWS_LAMBDA_EXEC_WRAPPER``: "Modifying the runtime environment",
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-modify.html; or a handler in the layer), so a principal allowed
to update the configuration of a function runs code as its role without passing any role: no ``iam:PassRole``
(API_UpdateFunctionConfiguration asks it only of a role named). The function's triggers then run it, as for
``lambda:UpdateFunctionCode``. A function packaged as a container image takes no layers (``PackageType`` Image).

What the caller needs (decided by the engine, under the function's resource-based policy as for the function's
code: a caller of the function's account, or of another account that policy grants):

- ``lambda:UpdateFunctionConfiguration`` on the function, the request carrying the layer version's ARN in
  ``lambda:Layer`` (the Service Authorization Reference's condition key of the action), so that a policy that allows
  only some layers is held to;
- ``lambda:GetLayerVersion`` on that layer version, which "Granting users access to a Lambda layer"
  (https://docs.aws.amazon.com/lambda/latest/dg/permissions-user-layer.html) grants for using layers with functions;
  a layer of another account must grant the function's account in the layer version's policy ("Granting Lambda layer
  access to other accounts", permissions-layer-cross-account.html: ``lambda:GetLayerVersion`` to the account's
  root) - which a party writes as it likes for a layer it publishes in its own account (Sid
  ``WrittenByThePartyForTheFunctionAccount``);
- or, for a layer of its own account, ``lambda:PublishLayerVersion`` on the layer (a name its policies allow) and
  ``lambda:GetLayerVersion`` on the version.
"""

from __future__ import annotations

from enjoin.engine import Policy, PolicyKind, compile_policy
from enjoin.reach_edges import Edge, Outcome, answer, function_answer, may_change_function, resource_names
from enjoin.reach_filter import may_act
from enjoin.reach_graph import Graph, Node
from enjoin.reach_model import Hop
from enjoin.snapshot import Function

UPDATE_CONFIGURATION = "lambda:UpdateFunctionConfiguration"
GET_LAYER = "lambda:GetLayerVersion"
PUBLISH_LAYER = "lambda:PublishLayerVersion"
PARTY_SID = "WrittenByThePartyForTheFunctionAccount"
VERSION = "1"  # the version a layer's first PublishLayerVersion creates


def _party_layers(graph: Graph, function: Function) -> list[tuple[str, str]]:
    """A layer version each party account would publish, in the function's Region: (ARN, account)."""
    partition = function.arn.split(":")[1]
    return [(f"arn:{partition}:lambda:{function.region}:{account}:layer:enjoin-probe:{VERSION}", account)
            for account in sorted(graph.party_accounts)]


def _party_policy(function: Function, layer: str) -> Policy:
    """The layer version's policy as the party writes it: the function's account may use it."""
    partition = function.arn.split(":")[1]
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": PARTY_SID, "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{function.account}:root"},
         "Action": GET_LAYER, "Resource": layer}]}
    return compile_policy(document, label=f"layer version policy of {layer} as the party would write it",
                          kind=PolicyKind.RESOURCE)


def add_layer(graph: Graph, who: Node, function: Function, role: Node) -> Outcome:
    """``who`` adds a layer it controls to ``function``, which runs as ``role``: an edge, the reasons it cannot be
    decided, or None."""
    if (function.package_type == "Image" or not may_change_function(who, function, UPDATE_CONFIGURATION)
            or not may_act(who, GET_LAYER)):
        return None
    note = f"adds a layer the caller controls to the function, which runs as {role.arn}"
    undecided: list[str] = []
    for layer, account in _party_layers(graph, function):
        hops = _use(graph, who, function, layer, account, _party_policy(function, layer), note, undecided)
        if hops is not None:
            return Edge(role, hops)
    if may_act(who, PUBLISH_LAYER):
        partition = function.arn.split(":")[1]
        prefix = f"arn:{partition}:lambda:{function.region}:{who.account}:layer:"
        for name in resource_names(who, prefix, ":layer:"):
            published = answer(graph, who, PUBLISH_LAYER, name, who.account, None,
                               note="publishes a layer of its own account")
            if not isinstance(published, Hop):
                undecided += published or ()
                continue
            hops = _use(graph, who, function, f"{name}:{VERSION}", who.account, None, note, undecided)
            if hops is not None:
                return Edge(role, (published, *hops))
    return tuple(undecided) or None


def _use(graph: Graph, who: Node, function: Function, layer: str, account: str, policy: Policy | None, note: str,
         undecided: list[str]) -> tuple[Hop, ...] | None:
    """The caller's UpdateFunctionConfiguration naming ``layer`` and its GetLayerVersion of it, or None."""
    updated = function_answer(graph, who, UPDATE_CONFIGURATION, function, note, {"lambda:Layer": layer})
    if not isinstance(updated, Hop):
        undecided += updated or ()
        return None
    got = answer(graph, who, GET_LAYER, layer, account, policy,
                 note=f"may use the layer version {layer}")
    if not isinstance(got, Hop):
        undecided += got or ()
        return None
    return updated, got
