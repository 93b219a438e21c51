"""The one place an input language is recognised: a templates entry of enjoin.yaml, as the templates deploy takes.

A file holding a Terraform plan in JSON (``format_version`` and ``planned_values`` or ``resource_changes``: see
:func:`enjoin.iac.terraform.plan.is_plan`) is translated into one CloudFormation template per account it deploys
into (:mod:`enjoin.iac.terraform.translate`); anything else is a CloudFormation template.
"""

from __future__ import annotations

from dataclasses import replace

from enjoin.config_model import Template
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.template import CfnTemplate, load_template
from enjoin.iac.terraform.plan import load_plan, sniff
from enjoin.iac.terraform.translate import translate


def load_entry(entry: Template) -> list[tuple[Template, CfnTemplate]]:
    """The templates of one entry, each with the entry as it applies to it (a plan's share of each account).

    Raises:
        DeployError: a malformed template or plan; ``parameters:`` given for a plan (its variables are in the
            plan), or ``providers:`` for a CloudFormation template.
    """
    where = entry.where or str(entry.path)
    document = sniff(entry.path)
    if document is None:
        if entry.providers:
            raise DeployError(f"{where}.providers", "providers: only for a Terraform plan",
                              f"a CloudFormation template ({entry.path.name})")
        return [(entry, load_template(entry.path))]
    if entry.parameters:
        raise DeployError(f"{where}.parameters", "no parameters for a Terraform plan (its variables are in the plan)",
                          ", ".join(sorted(entry.parameters)))
    plan = load_plan(entry.path, document)
    return [(replace(entry, account=account), template) for account, template in translate(plan, entry)]
