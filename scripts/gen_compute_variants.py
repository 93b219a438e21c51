"""Write the variants of the compute-as-role table: one violating variant per modeled way, and look-alikes.

    python scripts/gen_compute_variants.py          # rewrites infra/variants/compute-* and lookalike-compute-*

Each variant extends the reference deployment with one template (cms-dhs-compute.yaml): a role that the way's
service may assume and that reads the eligibility store (s3:GetObject and kms:Decrypt through S3), and a policy on
DhsDisclosureReader (the CMS role DHS assumes) that lets it pass that role to the service and make the way's
requests. Reach must find DHS -> DhsDisclosureReader -> the workload role -> eligibility. A look-alike changes one
thing so that AWS would refuse the path, and reach must find none. The expected outcome of each is written beside
it (expected.yaml) and read by tests/test_variants.py. Regenerate after changing the table; review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from enjoin.reach_compute import Way, ways  # noqa: E402 - after the path is set

VARIANTS = ROOT / "infra" / "variants"
REFERENCE_TEMPLATES = (ROOT / "infra" / "variants" / "passrole-lambda-create" / "enjoin.yaml")

# The look-alikes: which way, what changes, and why AWS refuses the path then.
LOOKALIKES = {
    "ec2-run-instances": ("passed-to-lambda", "iam:PassedToService allows only lambda.amazonaws.com: the role "
                          "cannot be given to an instance"),
    "codebuild-create-project": ("no-start-build", "codebuild:CreateProject without codebuild:StartBuild: the "
                                 "project never runs"),
    "glue-create-job": ("pass-other-role", "iam:PassRole names another role: the job cannot run as the one that "
                        "reads eligibility"),
    "stepfunctions-create-state-machine": ("tag-condition", "PassRole needs the principal tag team=cms-etl, which "
                                           "DhsDisclosureReader does not carry and cannot set"),
    "cloudformation-create-stack": ("deny-passrole", "an explicit Deny of iam:PassRole to CloudFormation outweighs "
                                    "the Allow"),
    "sagemaker-create-notebook": ("trusts-other-service", "the role trusts ec2.amazonaws.com, not SageMaker: "
                                  "SageMaker cannot assume it"),
}


def camel(way_id: str) -> str:
    return "".join(part.capitalize() for part in way_id.split("-"))


def role_name(way: Way) -> str:
    return f"CmsCompute{camel(way.id)}"[:64]


def template(way: Way, change: str | None) -> dict[str, object]:
    """The variant's own template, with the change of a look-alike applied."""
    trust_service = "ec2.amazonaws.com" if change == "trusts-other-service" else way.service
    resources: dict[str, object] = {
        "WorkloadRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": role_name(way),
                "Description": f"VARIANT {way.id}: a {way.service} workload role that reads eligibility",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": trust_service}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "ReadEligibility", "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "ReadEligibilityObjects", "Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::cms-tmsis-eligibility/*"}},
                        {"Sid": "DecryptThroughS3", "Effect": "Allow", "Action": "kms:Decrypt",
                         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"},
                         "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}},
                    ]}}],
            },
        },
    }
    if way.instance_profile and way.id in {"ec2-run-instances", "ec2-associate-instance-profile"}:
        resources["WorkloadInstanceProfile"] = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"InstanceProfileName": role_name(way), "Roles": [{"Ref": "WorkloadRole"}]},
        }
    actions = sorted({a.action for a in way.requests})
    if change == "no-start-build":
        actions = [a for a in actions if a != "codebuild:StartBuild"]
    if way.instance_profile and "WorkloadInstanceProfile" not in resources:
        actions += ["iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile"]
    passed_to = "lambda.amazonaws.com" if change == "passed-to-lambda" else way.service
    pass_condition: dict[str, object] = {"StringEquals": {"iam:PassedToService": passed_to}}
    if change == "tag-condition":
        pass_condition["StringEquals"] = {"iam:PassedToService": passed_to, "aws:PrincipalTag/team": "cms-etl"}
    passed_role: object = {"Fn::GetAtt": ["WorkloadRole", "Arn"]}
    if change == "pass-other-role":
        passed_role = {"Fn::ImportValue": "cms-identity-DisclosurePipelineRoleArn"}
    statements: list[dict[str, object]] = [
        {"Sid": "PassWorkloadRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": passed_role,
         "Condition": pass_condition},
        {"Sid": "RunWorkloads", "Effect": "Allow", "Action": actions, "Resource": "*"},
    ]
    if change == "deny-passrole":
        statements.append({"Sid": "NoStacksWithRoles", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
                           "Condition": {"StringEquals": {"iam:PassedToService": way.service}}})
    resources["DhsWorkloads"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "RunComputeWorkloads",
            "Roles": ["DhsDisclosureReader"],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"CMS Medicaid data lake - {way.service} workloads run by DHS (account 111111111111). "
                       f"VARIANT {way.id}{' (look-alike: ' + change + ')' if change else ''}.",
        "Resources": resources,
    }


def config(way: Way, first_line: str) -> str:
    reference = REFERENCE_TEMPLATES.read_text(encoding="utf-8").splitlines()
    body = [line for line in reference if not line.startswith("#")]
    out = [f"# {first_line}"]
    for line in body:
        out.append(line.replace("path: cms-dhs-self-service.yaml", "path: cms-dhs-compute.yaml"))
    return "\n".join(out) + "\n"


def write(name: str, way: Way, change: str | None, first_line: str, expected: dict[str, object]) -> None:
    directory = VARIANTS / name
    directory.mkdir(exist_ok=True)
    (directory / "enjoin.yaml").write_text(config(way, first_line), encoding="utf-8")
    header = ("# Generated by scripts/gen_compute_variants.py from src/enjoin/reach_compute.yaml; regenerate, do not "
              "edit.\n")
    (directory / "cms-dhs-compute.yaml").write_text(
        header + yaml.safe_dump(template(way, change), sort_keys=False, width=120), encoding="utf-8")
    (directory / "expected.yaml").write_text(header + yaml.safe_dump(expected, sort_keys=False, width=120),
                                             encoding="utf-8")


def main() -> int:
    for old in [*VARIANTS.glob("compute-*"), *VARIANTS.glob("lookalike-compute-*")]:
        for path in old.iterdir():
            path.unlink()
        old.rmdir()
    for way in ways():
        if not way.modeled or not way.pass_role or way.existing:
            continue
        write(f"compute-{way.id}", way, None,
              f"Variant compute-{way.id}: DhsDisclosureReader may pass {role_name(way)} to {way.service} and "
              f"make the requests of way {way.id}; the role reads eligibility.",
              {"way": way.id, "outcome": "VIOLATION", "hop": f"arn:aws:iam::111111111111:role/{role_name(way)}",
               "sid": "PassWorkloadRole"})
        if way.id in LOOKALIKES:
            change, why = LOOKALIKES[way.id]
            write(f"lookalike-compute-{way.id}-{change}", way, change,
                  f"Variant lookalike-compute-{way.id}-{change}: as compute-{way.id}, but {why}.",
                  {"way": way.id, "outcome": "COMPLIANT", "reason": why})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
