"""sagemaker-update-notebook-lifecycle-config: whoever may rewrite the lifecycle configuration an existing notebook
runs at every start runs code as the notebook's role (reach over hand-built snapshots), and the inventory reads which
configuration each notebook runs (against moto).

DHS's analyst assumes Bridge (CMS). CMS's notebook ``analysis`` runs as Workbench, which reads eligibility and trusts
sagemaker.amazonaws.com, and runs the lifecycle configuration ``startup`` at every start.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.config_model import Holding
from enjoin.inventory_compute import read_compute
from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Role, Snapshot
from reach_common import CMS, DHS, PARTY, REGION, TRUST_DHS, allow, deny, doc, steps

ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
WORKBENCH = f"arn:aws:iam::{CMS}:role/Workbench"
NOTEBOOK = f"arn:aws:sagemaker:{REGION}:{CMS}:notebook-instance/analysis"
CONFIG = f"arn:aws:sagemaker:{REGION}:{CMS}:notebook-instance-lifecycle-config/startup"
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))
UPDATE = "sagemaker:UpdateNotebookInstanceLifecycleConfig"


def reach(*bridge: dict[str, Any], config: str | None = CONFIG) -> Reach:
    trust = doc({"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"})
    roles = (
        Role(ICE, "IceAnalyst", DHS, TRUST_DHS, inline_policies=(NamedPolicy("p", doc(allow("sts:AssumeRole", "*"))),)),
        Role(BRIDGE, "Bridge", CMS, TRUST_DHS, inline_policies=(NamedPolicy("p", doc(*bridge)),)),
        Role(WORKBENCH, "Workbench", CMS, trust,
             inline_policies=(NamedPolicy("p", doc(allow("s3:GetObject", "arn:aws:s3:::elig/*"))),)),
    )
    notebook = Compute("sagemaker-notebook", NOTEBOOK, "analysis", CMS, REGION, WORKBENCH, config=config)
    snap = Snapshot((CMS, DHS), roles=roles, buckets=(Bucket("arn:aws:s3:::elig", "elig", CMS, REGION),),
                    compute=(notebook,))
    return compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)


@pytest.mark.parametrize("scope", [CONFIG, f"arn:aws:sagemaker:{REGION}:{CMS}:notebook-instance-lifecycle-config/*",
                                   "*"])
def test_a_party_that_may_rewrite_the_configuration_a_notebook_runs_reaches_what_its_role_reads(scope: str) -> None:
    found = reach(allow(UPDATE, scope))
    assert steps(found) == [[
        (ICE, "sts:AssumeRole", BRIDGE),
        (BRIDGE, UPDATE, CONFIG),
        (WORKBENCH, "s3:GetObject", "arn:aws:s3:::elig/enjoin-probe"),
    ]]
    assert "sagemaker-update-notebook-lifecycle-config" in found.accesses[0].hops[1].note
    assert f"{NOTEBOOK} runs as {WORKBENCH}" in found.accesses[0].hops[1].note


@pytest.mark.parametrize(
    ("case", "statements", "config"),
    [
        ("another configuration only", [allow(UPDATE, CONFIG.replace("/startup", "/sandbox-*"))], CONFIG),
        ("a Deny of the update", [allow(UPDATE, "*"), deny(UPDATE, CONFIG)], CONFIG),
        ("the notebook runs no configuration", [allow(UPDATE, "*")], None),
        ("stopping and starting the notebook runs none of the caller's code",
         [allow(["sagemaker:StopNotebookInstance", "sagemaker:StartNotebookInstance"], NOTEBOOK)], CONFIG),
        ("reading the configuration changes nothing",
         [allow("sagemaker:DescribeNotebookInstanceLifecycleConfig", "*")], CONFIG),
    ],
)
def test_no_path_where_aws_refuses_the_update_or_no_configuration_runs(
    case: str, statements: list[dict[str, Any]], config: str | None
) -> None:
    found = reach(*statements, config=config)
    assert (found.accesses, found.undecided) == ((), ()), case


def test_the_inventory_reads_the_configuration_each_notebook_runs(moto: MotoBackend) -> None:
    moto.reset()
    account, region = "123456789012", "us-east-1"
    iam = moto.client("iam", account, region)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    role = iam.create_role(RoleName="Workbench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    sagemaker = moto.client("sagemaker", account, region)
    script = base64.b64encode(b"#!/bin/bash\necho started\n").decode()
    config = sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="startup", OnStart=[{"Content": script}]
    )["NotebookInstanceLifecycleConfigArn"]
    with_config = sagemaker.create_notebook_instance(
        NotebookInstanceName="analysis", InstanceType="ml.t3.medium", RoleArn=role,
        LifecycleConfigName="startup")["NotebookInstanceArn"]
    bare = sagemaker.create_notebook_instance(NotebookInstanceName="scratch", InstanceType="ml.t3.medium",
                                              RoleArn=role)["NotebookInstanceArn"]

    found = read_compute(moto, account, region)

    assert set(found) == {
        Compute("sagemaker-notebook", with_config, "analysis", account, region, role, config=config),
        Compute("sagemaker-notebook", bare, "scratch", account, region, role),
    }
    assert config == f"arn:aws:sagemaker:{region}:{account}:notebook-instance-lifecycle-config/startup"
    # What the snapshot keeps of the configuration is its ARN: not its scripts.
    assert script not in Snapshot((account,), compute=tuple(found)).to_json()


def test_a_configuration_the_deployment_does_not_hold_is_still_the_one_the_notebook_runs(moto: MotoBackend) -> None:
    """A template's notebook may name a lifecycle configuration made outside the template: its ARN is formed from the
    name, and the update is asked on it, instead of refusing the deployment."""
    moto.reset()
    account, region = "123456789012", "us-east-1"
    iam = moto.client("iam", account, region)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    role = iam.create_role(RoleName="Workbench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    sagemaker = moto.client("sagemaker", account, region)
    notebook = sagemaker.create_notebook_instance(NotebookInstanceName="analysis", InstanceType="ml.t3.medium",
                                                  RoleArn=role, LifecycleConfigName="shared-startup")
    (found,) = read_compute(moto, account, region)
    assert found == Compute("sagemaker-notebook", notebook["NotebookInstanceArn"], "analysis", account, region, role,
                            config=f"arn:aws:sagemaker:{region}:{account}:notebook-instance-lifecycle-config/"
                                   "shared-startup")
