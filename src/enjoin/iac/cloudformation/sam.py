"""The AWS SAM transform, expanded as CloudFormation expands it, with AWS's own translator (samtranslator).

A template with ``Transform: AWS::Serverless-2016-10-31`` is valid CloudFormation: CloudFormation runs the
SAM transform on it and creates the processed template. enjoin does the same with ``samtranslator``, the
library that transform is built from (a dependency of cfn-lint), and judges the processed template: the
functions' generated roles, their policy templates, the APIs and permissions SAM writes. Code locations are
not fetched (a local ``CodeUri`` becomes a stand-in S3 location, as ``sam build``'s upload would): reach reads
only the roles code runs as. Another transform (a macro, AWS::Include, AWS::LanguageExtensions) runs code
enjoin cannot run, and is refused with how to get the processed template.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.template import CfnTemplate

SAM = "AWS::Serverless-2016-10-31"
_LOCAL_CODE = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


def transforms(template: CfnTemplate) -> list[str]:
    """The transforms a template names (``Transform``: a name or a list)."""
    named = template.body.get("Transform")
    if named is None:
        return []
    listed = named if isinstance(named, list) else [named]
    # A transform is its name, or {Name, Parameters} (AWS::Include).
    return [str(t.get("Name")) if isinstance(t, dict) else str(t) for t in listed]


def expand(template: CfnTemplate, parameters: Mapping[str, Any], region: str) -> CfnTemplate:
    """The processed template of a SAM template; the template itself when it names no transform.

    Raises:
        DeployError: another transform than SAM's, or a SAM template the translator refuses (its message).
    """
    names = transforms(template)
    if not names:
        return template
    if names != [SAM]:
        raise DeployError(
            f"{template.path}: Transform",
            f"no transform, or only {SAM} (deploy the processed template of the others: CloudFormation's "
            "GetTemplate with TemplateStage Processed)",
            ", ".join(names),
        )
    from samtranslator.model.exceptions import InvalidDocumentException  # type: ignore[import-untyped]
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

    body = copy.deepcopy(template.body)
    for logical_id, resource in (body.get("Resources") or {}).items():
        prop = _LOCAL_CODE.get(str(resource.get("Type")))
        props = resource.get("Properties")
        local = prop and isinstance(props, dict) and isinstance(props.get(prop), str)
        if local and not props[prop].startswith("s3://"):
            props[prop] = f"s3://enjoin-local-code/{logical_id}"
    translator = Translator(managed_policy_map=_managed_policies(), sam_parser=Parser())
    try:
        with _region(region):
            processed = translator.translate(
                sam_template=body, parameter_values=dict(parameters), passthrough_metadata=True
            )
    except InvalidDocumentException as exc:
        causes = "; ".join(str(getattr(c, "message", c)) for c in exc.causes) or str(exc)
        raise DeployError(f"{template.path}: Transform", "a SAM template the SAM translator accepts", causes) from None
    processed = json.loads(json.dumps(processed))  # plain dicts and lists, as a loaded template is
    return CfnTemplate(template.path, processed, _lines(template.lines, processed), template.text)


def _lines(lines: Mapping[str, int], processed: Mapping[str, Any]) -> dict[str, int]:
    """Each processed resource's line: its own, or that of the SAM resource whose name it starts with."""
    out: dict[str, int] = {}
    for logical_id in processed.get("Resources") or {}:
        if logical_id in lines:
            out[logical_id] = lines[logical_id]
            continue
        origins = [lid for lid in lines if logical_id.startswith(lid)]
        if origins:
            out[logical_id] = lines[max(origins, key=len)]
    return out


@functools.cache
def _managed_policies() -> dict[str, str]:
    """AWS managed policy names -> ARNs, as SAM resolves ``Policies: [Name]`` (cfn-lint's copy of the list)."""
    text = resources.files("cfnlint.data.Serverless").joinpath("ManagedPolicies.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


@contextlib.contextmanager
def _region(region: str) -> Iterator[None]:
    """The translator forms ARNs in the region boto3 would pick: the deployment's."""
    before = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = before
