"""Lambda in a Terraform plan: ``aws_lambda_function`` as AWS::Lambda::Function, ``aws_lambda_permission`` as
AWS::Lambda::Permission (see :mod:`enjoin.iac.terraform.translate` for the rules they follow).

What reach needs of a function is that it exists and the role it runs as (who may change its code or invoke it
decides the rest: ``reach_compute.yaml``); of a permission, the statement it adds to the function's resource
policy. A function's code is never read: deploy runs a stand-in whatever the template says (moto would fetch code
from S3 or ECR), so the translation writes the Code where the plan puts it (a local package: a stand-in naming
it; an S3 object; an image) and a location known only after apply is not a doubt. Terraform's ``qualifier`` of a
permission is CloudFormation's qualified ``FunctionName`` (``name:alias``), as the CloudFormation and Lambda
references write it: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.terraform.references import expression_at
from enjoin.iac.terraform.translate import (
    _BUILDERS,
    _CANONICAL,
    _IDENTITY,
    _NAME,
    Unresolved,
    _at,
    _blocks,
    _known,
    _refs,
    _Resource,
    _set,
    _tags,
    _Translation,
)

# What a reference to a function's attribute is in CloudFormation (translate's _IDENTITY, _CANONICAL, _NAME).
IDENTITY = {("aws_lambda_function", "function_name"): "Ref", ("aws_lambda_function", "id"): "Ref",
            ("aws_lambda_function", "arn"): "Arn"}
CANONICAL = {"aws_lambda_function": "function_name"}
NAME = {"aws_lambda_function": "function_name"}


# What an environment variable or a permission's source ARN may name by reference (a bucket, a key, a role or a
# function: Ref or Fn::GetAtt of its translation); a reference to anything else leaves the resource unmodeled.
_NAMED = ("aws_s3_bucket", "aws_kms_key", "aws_iam_role", "aws_lambda_function")


def _function(t: _Translation, r: _Resource) -> None:
    _set(t, r, "FunctionName", "function_name", _known(t, r, "function_name"))
    _set(t, r, "Role", "role", _known(t, r, "role", ("aws_iam_role",)))
    for prop, attribute in (("Description", "description"), ("Handler", "handler"), ("Runtime", "runtime"),
                            ("Timeout", "timeout"), ("MemorySize", "memory_size")):
        _set(t, r, prop, attribute, _known(t, r, attribute))
    code, attribute = _code(t, r)
    _set(t, r, "Code", attribute, code)
    if _blocks(r, "environment"):
        variables = r.instance.values["environment"][0].get("variables") if isinstance(
            r.instance.values["environment"][0], dict) else None
        if variables is None and _at(r.instance.values, r.instance.unknown, ("environment", 0, "variables"))[0]:
            variables = {}
        if variables is None:  # the whole map known only after apply: which variables it holds is unknown
            raise Unresolved("environment[0].variables", "is known only after apply "
                             f"({_refs(expression_at(r.instance, ('environment', 0, 'variables')))})")
        if not isinstance(variables, dict):
            raise DeployError(t.plan.where(r.instance.address, "environment[0].variables"),
                              "a map of environment variables", type(variables).__name__)
        resolved = {name: t.value(r, ("environment", 0, "variables", name), _NAMED) for name in sorted(variables)}
        _set(t, r, "Environment", "environment", {"Variables": resolved} if resolved else None)
    _tags(t, r)


def _code(t: _Translation, r: _Resource) -> tuple[dict[str, Any] | None, str]:
    """The function's Code and the argument it comes from (filename, s3_bucket or image_uri: the provider takes
    exactly one)."""
    values = r.instance.values
    if values.get("image_uri") is not None or r.instance.unknown.get("image_uri") is True:
        known, uri = _at(values, r.instance.unknown, ("image_uri",))
        return ({"ImageUri": uri} if known else _stand_in("an image known only after apply")), "image_uri"
    if values.get("s3_bucket") is not None or r.instance.unknown.get("s3_bucket") is True:
        code: dict[str, Any] = {}
        for prop, attribute in (("S3Bucket", "s3_bucket"), ("S3Key", "s3_key"),
                                ("S3ObjectVersion", "s3_object_version")):
            known, value = _at(values, r.instance.unknown, (attribute,))
            if not known and attribute == "s3_bucket":
                value = t.value(r, (attribute,), ("aws_s3_bucket",))
            elif not known:  # where the package is does not decide who reads: deploy runs a stand-in
                return _stand_in(f"an S3 object whose {attribute} is known only after apply"), "s3_bucket"
            if value is not None:
                code[prop] = value
        return code, "s3_bucket"
    filename = values.get("filename")
    if filename is not None or r.instance.unknown.get("filename") is True:
        return _stand_in(f"the package {filename or '(known only after apply)'} of the configuration"), "filename"
    return None, "filename"


def _stand_in(what: str) -> dict[str, Any]:
    """Inline code standing for code enjoin does not have (deploy runs a stand-in anyway)."""
    return {"ZipFile": f"# enjoin: stands for {what}; the code is not read\n"}


def _permission(t: _Translation, r: _Resource) -> None:
    _set(t, r, "FunctionName", "function_name", _function_name(t, r))
    _set(t, r, "Action", "action", _known(t, r, "action"))
    _set(t, r, "Principal", "principal", _known(t, r, "principal", ("aws_iam_role", "aws_iam_user")))
    _set(t, r, "SourceArn", "source_arn", _known(t, r, "source_arn", _NAMED))
    _set(t, r, "SourceAccount", "source_account", _known(t, r, "source_account"))
    _set(t, r, "PrincipalOrgID", "principal_org_id", _known(t, r, "principal_org_id"))


def _function_name(t: _Translation, r: _Resource) -> Any:
    """The function the permission is on, as a reference to its translation, qualified as ``name:qualifier``.

    A name or ARN (``arn:aws:lambda:region:account:function:name[:qualifier]``) must name a function this plan
    deploys into the same account: a permission on another is unmodeled (reach cannot tell whose role it reaches).
    """
    value = _known(t, r, "function_name", ("aws_lambda_function",))
    qualifier = _known(t, r, "qualifier")
    if isinstance(value, str):
        name, written = value, None
        if value.startswith("arn:"):
            parts = value.split(":")
            if len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function":
                raise DeployError(t.plan.where(r.instance.address, "function_name"),
                                  "a Lambda function's name or ARN (arn:aws:lambda:region:account:function:name)",
                                  value)
            if parts[4] != r.account:
                raise Unresolved("function_name", f"names a function of account {parts[4]}, not {r.account}")
            name, written = parts[6], (parts[7] if len(parts) == 8 else None)
        elif ":" in value:
            name, written = value.split(":", 1)
        found = [x for x in t.resources.values() if x.instance.type == "aws_lambda_function"
                 and x.account == r.account and x.instance.values.get("function_name") == name]
        for x in found:
            t._ensure(x)
        if len(found) != 1 or found[0].body is None:
            raise Unresolved("function_name", f"names {value!r}, which is not an aws_lambda_function this plan "
                             f"deploys into account {r.account}")
        value, qualifier = {"Ref": found[0].logical_id}, qualifier or written
    if qualifier:
        return {"Fn::Join": [":", [value, str(qualifier)]]}
    return value


BUILDERS: dict[str, Callable[[_Translation, _Resource], None]] = {
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::Permission": _permission,
}

# Registered here, so that importing either module first gives translate's tables with these rows.
_BUILDERS.update(BUILDERS)
_IDENTITY.update(IDENTITY)
_CANONICAL.update(CANONICAL)
_NAME.update(NAME)
