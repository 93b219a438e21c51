"""Lambda functions and their resource-based permissions, applied and verified.

Reach needs only that a function exists and the role it runs as (who can change its code or run
it decides the rest), so these are what deploy makes sure of. moto 5.2.1's CloudFormation creates
an ``AWS::Lambda::Function`` (without needing Docker: only invoking one would) but drops its Tags;
it stores an ``AWS::Lambda::Permission`` as a statement with a random Sid and a stray
``FunctionName`` key, which is why deploy keeps permissions out of the stack
(:data:`enjoin.deploy.body.WITHHELD_FROM_BACKEND`) and adds each here with ``AddPermission``, its
statement id being the resource's physical id (``<stack>-<LogicalId>``, as CloudFormation forms it
without the random suffix).

Whatever a template's ``Code`` says (inline, in S3, an image), the backend is given a stand-in inline
handler (:func:`enjoin.deploy.body.create_body`): code in S3 or an image would be fetched from places
deploy does not control, and reach reads only the role the code runs as. The code's content is not
compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext, canon
from enjoin.iac.cloudformation.types import tags_of
from enjoin.inventory_calls import lambda_principal


def _function(ctx: ApplyContext) -> None:
    if ctx.props.get("Tags"):
        lam = ctx.client("lambda")
        arn = ctx.call("FunctionName", lam.get_function, FunctionName=ctx.physical_id)["Configuration"][
            "FunctionArn"
        ]
        ctx.call("Tags", lam.tag_resource, Resource=arn, Tags=tags_of(ctx.props["Tags"]))


def _verify_function(c: VerifyContext) -> None:
    lam = c.client("lambda")
    config = c.read("FunctionName", lam.get_function, FunctionName=c.physical_id)["Configuration"]
    for prop in ("Role", "Runtime", "Handler", "Description", "Timeout", "MemorySize"):
        if prop in c.props:
            c.equal(prop, c.props[prop], config.get(prop))
    if "Environment" in c.props:
        c.subset("Environment", c.props["Environment"], config.get("Environment") or {})
    if not config.get("CodeSize"):
        raise c.fail("Code", "inline code", config.get("CodeSize"))
    tags = c.read("Tags", lam.list_tags, Resource=config["FunctionArn"]).get("Tags") or {}
    c.tags(c.props.get("Tags"), tags)


def _permission(ctx: ApplyContext) -> None:
    lam, props, sid = ctx.client("lambda"), ctx.props, ctx.physical_id
    existing = ctx.exists(
        lam.get_policy, frozenset({"ResourceNotFoundException"}), FunctionName=props["FunctionName"]
    )
    if existing is not None and any(s.get("Sid") == sid for s in json.loads(existing["Policy"])["Statement"]):
        return
    add: dict[str, Any] = {
        "FunctionName": props["FunctionName"],
        "StatementId": sid,
        "Action": props["Action"],
        "Principal": props["Principal"],
    }
    for prop in ("SourceArn", "SourceAccount", "PrincipalOrgID"):
        if prop in props:
            add[prop] = props[prop]
    ctx.call("FunctionName", lam.add_permission, **add)


def _verify_permission(c: VerifyContext) -> None:
    policy = c.read("FunctionName", c.client("lambda").get_policy, FunctionName=c.props["FunctionName"])
    statements = {s.get("Sid"): s for s in json.loads(policy["Policy"]).get("Statement", [])}
    statement = statements.get(c.physical_id)
    if statement is None:
        raise c.fail("FunctionName", f"a statement {c.physical_id}", sorted(map(str, statements)))
    c.equal("Action", c.props["Action"], statement.get("Action"))
    found = statement.get("Principal")
    # moto 5.2.1 keeps an account principal as the bare id; AWS writes {"AWS": "arn:...:root"}.
    c.equal("Principal", lambda_principal(str(c.props["Principal"])), lambda_principal(found))
    conditions = {
        key.lower(): value
        for operator in (statement.get("Condition") or {}).values()
        for key, value in operator.items()
    }
    for prop, key in (
        ("SourceArn", "aws:sourcearn"),
        ("SourceAccount", "aws:sourceaccount"),
        ("PrincipalOrgID", "aws:principalorgid"),
    ):
        if prop in c.props:
            c.equal(prop, c.props[prop], conditions.get(key))
        elif key in conditions:
            raise c.fail(prop, None, conditions[key])
    c.equal("Effect", "Allow", canon(statement.get("Effect")))


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::Permission": _permission,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::Lambda::Function": _verify_function,
    "AWS::Lambda::Permission": _verify_permission,
}
