"""``enjoin init``: what it finds in an infrastructure repository, what it writes, and what it refuses.

The repository here holds templates in the shapes of AWS's public samples: a data-lake template (a bucket
with a literal name, one named ``!Sub "${Prefix}-data"``, one without a name that a partner account reads
through its bucket policy, an IAM role, parameters with and without a Default), a JSON template that imports
the data lake's export, and CDK output with a Glue table; and files that are not templates beside them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from enjoin.cli.init import run as init
from enjoin.cli.judge import run as judge
from enjoin.config import load
from enjoin.errors import ConfigError

DATA_LAKE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Medicaid eligibility data lake, its access logs, and the analyst role that reads it.

Parameters:
  Prefix:
    Type: String
    Description: Prefix of the data bucket's name
    AllowedPattern: "[a-z0-9-]+"
  PartnerAccountId:
    Type: String
    Description: The account of the partner that reads the access logs
    AllowedPattern: "[0-9]{12}"
  Stage:
    Type: String
    Default: prod
    AllowedValues: [dev, prod]

Resources:
  EligibilityBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: cms-tmsis-eligibility
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true

  DataBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Prefix}-data"
      VersioningConfiguration: {Status: Enabled}

  LogsBucket:
    Type: AWS::S3::Bucket
    Properties:
      OwnershipControls:
        Rules:
          - ObjectOwnership: BucketOwnerEnforced

  LogsBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref LogsBucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: PartnerReadsLogs
            Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${PartnerAccountId}:root"}
            Action: s3:GetObject
            Resource: !Sub "${LogsBucket.Arn}/*"

  AnalystRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Prefix}-analyst-${Stage}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read-data
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub "${DataBucket.Arn}/*"

Outputs:
  DataBucketArn:
    Value: !GetAtt DataBucket.Arn
    Export: {Name: !Sub "${AWS::StackName}-DataBucketArn"}
"""

# Sorts before data-lake.yaml and imports its export: init must list it after.
READER = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "A managed policy for the reporting application, reading the data lake's data bucket.",
    "Resources": {
        "ReportingReadPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Join": ["", [{"Fn::ImportValue": "data-lake-DataBucketArn"}, "/*"]]},
                        }
                    ],
                }
            },
        }
    },
}

CATALOG = {
    "Resources": {
        "TafDatabase": {
            "Type": "AWS::Glue::Database",
            "Properties": {"CatalogId": {"Ref": "AWS::AccountId"}, "DatabaseInput": {"Name": "taf"}},
        },
        "ClaimsTable": {
            "Type": "AWS::Glue::Table",
            "Properties": {
                "CatalogId": {"Ref": "AWS::AccountId"},
                "DatabaseName": {"Ref": "TafDatabase"},
                "TableInput": {
                    "Name": "inpatient_claims",
                    "TableType": "EXTERNAL_TABLE",
                    "PartitionKeys": [{"Name": "submtg_state_cd", "Type": "string"}],
                    "StorageDescriptor": {
                        "Location": "s3://cms-tmsis-eligibility/taf/inpatient/",
                        "Columns": [
                            {"Name": "msis_ident_num", "Type": "string"},
                            {"Name": "dgns_1_cd", "Type": "string"},
                        ],
                    },
                },
            },
        },
    }
}

BROKEN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
     Properties: {}
"""

TEMPLATES = ["cdk.out/Catalog.template.json", "infra/data-lake.yaml", "infra/app-reader.json"]
PLACEHOLDERS = [
    "accounts.agency",
    "accounts.dhs",
    "templates[1].parameters.Prefix",
    "templates[1].parameters.PartnerAccountId",
    *(f"holdings[{i}].{key}" for i in range(3) for key in ("program", "states", "populations", "fields")),
    *(f"holdings[3].{key}" for key in ("resource", "program", "states", "populations", "fields")),
]
HOLDINGS = [
    "arn:aws:glue:us-east-1:????????????:table/taf/inpatient_claims",
    "arn:aws:s3:::cms-tmsis-eligibility/*",
    "arn:aws:s3:::*-data/*",
    "FILL-IN: ARN pattern of S3 bucket LogsBucket (infra/data-lake.yaml:38)",
]


def _repository(root: Path) -> Path:
    """An infrastructure repository: three templates, and files that are not templates, or not to be read."""
    files = {
        "infra/data-lake.yaml": DATA_LAKE,
        "infra/app-reader.json": json.dumps(READER, indent=2),
        "cdk.out/Catalog.template.json": json.dumps(CATALOG, indent=1),
        "cdk.out/manifest.json": json.dumps({"version": "36.0.0", "artifacts": {"Catalog": {"type": "aws:cfn"}}}),
        "node_modules/some-lib/template.yaml": "Resources: {B: {Type: 'AWS::S3::Bucket'}}\n",
        ".venv/lib/template.yaml": "Resources: {B: {Type: 'AWS::S3::Bucket'}}\n",
        ".github/workflows/ci.yml": "on: [push]\njobs: {test: {runs-on: ubuntu-latest, steps: [{run: make}]}}\n",
        "terraform/main.tf.json": json.dumps({"resource": {"aws_s3_bucket": {"b": {"bucket": "x"}}}}),
        "docker-compose.yml": "services: {app: {image: nginx}}\n",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def _init(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = init([str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def _placeholders(out: str, config: Path) -> dict[str, int]:
    """The placeholders init printed: key -> line."""
    listed = re.findall(rf"^  {re.escape(str(config))}:(\d+): (\S+)$", out, flags=re.MULTILINE)
    return {key: int(line) for line, key in listed}


def test_init_writes_the_config_and_the_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repository(tmp_path)
    code, out, err = _init(root, capsys)
    assert code == 0, err
    assert err == ""
    config = root / "enjoin.yaml"
    text = config.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["case"] == "ca-v-hhs" and data["region"] == "us-east-1" and "as_of" not in data
    assert data["accounts"] == {
        "agency": "FILL-IN: 12-digit id of the account the templates deploy into",
        "dhs": "FILL-IN: 12-digit id of the account of DHS",
    }
    assert [t["path"] for t in data["templates"]] == TEMPLATES
    assert {t["account"] for t in data["templates"]} == {"agency"}
    assert "parameters" not in data["templates"][0] and "parameters" not in data["templates"][2]
    parameters = data["templates"][1]["parameters"]
    assert list(parameters) == ["Prefix", "PartnerAccountId"]  # Stage has a Default: commented out
    assert all(list(value) == ["FILL-IN"] for value in parameters.values())
    assert '      # Stage: "prod"' in text
    assert data["parties"] == {"DHS": {"accounts": ["dhs"]}}
    assert [h["resource"] for h in data["holdings"]] == HOLDINGS
    for holding in data["holdings"]:
        assert all(str(holding[k]).startswith("FILL-IN") for k in ("program", "states", "populations", "fields"))
    # Each stand-in in a pattern says what it stands for; an unnamed bucket says what it is named as deployed.
    assert "* stands for the value of parameter Prefix, which has no Default" in text
    assert "???????????? stands for the account the template deploys into" in text
    assert '"arn:aws:s3:::data-lake-logsbucket-????????????/*"' in text
    assert "#   msis_ident_num:" in text and "#   submtg_state_cd:" in text

    printed = _placeholders(out, config)
    assert list(printed) == PLACEHOLDERS
    lines = text.splitlines()
    for key, line in printed.items():
        assert "FILL-IN" in lines[line - 1], (key, lines[line - 1])
        assert lines[line - 1].lstrip(" -").startswith(f"{re.split(r'[.]', key)[-1]}:"), (key, lines[line - 1])
    assert f"enjoin init: wrote {config}\n" in out
    assert out.rstrip().endswith(f"Then run: enjoin judge --config {config}")
    assert "".join(f"  {root / t}\n" for t in TEMPLATES) in out

    workflow = yaml.safe_load((root / ".github/workflows/enjoin.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert "pull_request" in triggers and triggers["push"] == {"branches": ["main"]}
    steps = workflow["jobs"]["judge"]["steps"]
    assert [s.get("uses", "").split("@")[0] for s in steps if "uses" in s] == [
        "actions/checkout",
        "actions/setup-python",
        "actions/upload-artifact",
    ]
    assert steps[1]["with"] == {"python-version": "3.11"}
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == [
        "python -m pip install enjoin",
        "python -m pytest --enjoin-config=enjoin.yaml --enjoin-report=enjoin-report.json",
    ]
    assert steps[-1]["if"] == "always()" and steps[-1]["with"]["path"] == "enjoin-report.json"


def test_every_placeholder_left_in_is_refused_at_its_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repository(tmp_path)
    code, out, _ = _init(root, capsys)
    assert code == 0
    config = root / "enjoin.yaml"
    printed = _placeholders(out, config)
    written = config.read_text(encoding="utf-8")
    for key, line in printed.items():
        # Everything filled in but this one placeholder: the loader must refuse exactly it.
        config.write_text(_filled(written, keep=line), encoding="utf-8")
        with pytest.raises(ConfigError) as refused:
            load(config)
        assert refused.value.where.endswith(f":{line}: {key}"), (key, str(refused.value))
        assert "FILL-IN" in refused.value.found, str(refused.value)


def test_judge_refuses_the_unfilled_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repository(tmp_path)
    code, out, _ = _init(root, capsys)
    assert code == 0
    config = root / "enjoin.yaml"
    first = _placeholders(out, config)["accounts.agency"]
    assert judge(["--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("enjoin judge: ") and f"enjoin.yaml:{first}: accounts.agency: expected" in err
    assert "12-digit account id" in err and "FILL-IN" in err


def test_judge_gives_a_verdict_once_the_placeholders_are_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repository(tmp_path)
    assert _init(root, capsys)[0] == 0
    config = root / "enjoin.yaml"
    config.write_text(_filled(config.read_text(encoding="utf-8")), encoding="utf-8")
    report = tmp_path / "verdict.json"
    code = judge(["--config", str(config), "--report", str(report)])
    _, err = capsys.readouterr()
    assert code == 1, err  # the partner account reads the access logs: a holding of SSNs reaches it
    verdict = json.loads(report.read_text(encoding="utf-8"))
    assert verdict["verdict"] == "VIOLATION"
    findings = [f for c in verdict["clauses"] for f in c["findings"] if f["verdict"] == "VIOLATION"]
    # The pattern init's comment gave for the unnamed bucket is the one that holds the deployed bucket.
    assert {f["holding"] for f in findings} == {"arn:aws:s3:::data-lake-logsbucket-????????????/*"}
    assert all(re.fullmatch(r"arn:aws:s3:::data-lake-logsbucket-[0-9a-z]{12}/.+", f["resource"]) for f in findings)


def _filled(text: str, keep: int | None = None) -> str:
    """``text`` with each placeholder replaced as a user would, following init's comments; line ``keep`` not."""
    values = {
        "agency": '"111111111111"',
        "dhs": '"222222222222"',
        "Prefix": "cms",
        "PartnerAccountId": '"222222222222"',
        "program": "medicaid",
        "states": "all",
        "populations": "all",
        "fields": "[ssn, address, date_of_birth, medicaid_id]",
    }
    lines = text.splitlines()
    suggested = ""
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            found = re.search(r'"(arn:aws:s3:::[^"]+)"', line)
            suggested = found.group(1) if found else suggested
            continue
        if number == keep or "FILL-IN" not in line:
            continue
        key = re.match(r"\s*(?:- )?(\w+):", line)
        assert key is not None, line
        value = _q(suggested) if key.group(1) == "resource" else values[key.group(1)]
        lines[number - 1] = line[: key.end()] + " " + value
    filled = "\n".join(lines) + "\n"
    # What the comments say of the stand-ins: Prefix is cms, the account is the agency's.
    return filled.replace(":::*-data/*", ":::cms-data/*").replace(":????????????:table", ":111111111111:table")


def _q(text: str) -> str:
    return json.dumps(text)


@pytest.mark.parametrize(
    "existing", [["enjoin.yaml"], [".github/workflows/enjoin.yml"], ["enjoin.yaml", ".github/workflows/enjoin.yml"]]
)
def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str], existing: list[str]) -> None:
    root = _repository(tmp_path)
    before: dict[str, bytes] = {}
    for relative in existing:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(f"# the user's own {relative}\n".encode())
        before[relative] = (root / relative).read_bytes()
    code, out, err = _init(root, capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [f"enjoin init: {root / r} exists; not overwriting it" for r in existing]
    for relative in ("enjoin.yaml", ".github/workflows/enjoin.yml"):
        if relative in before:
            assert (root / relative).read_bytes() == before[relative]
        else:
            assert not (root / relative).exists()  # nothing half-written beside the file that exists


def test_a_directory_without_templates_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: {app: {image: nginx}}\n", encoding="utf-8")
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")
    code, out, err = _init(tmp_path, capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"enjoin init: no CloudFormation templates under {tmp_path} (YAML or JSON with a Resources mapping of AWS "
        "resource types); wrote nothing"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docker-compose.yml", "main.tf"]
    missing = tmp_path / "no-such-repository"
    assert _init(missing, capsys)[1:] == ("", f"enjoin init: {missing}: no such directory\n")


def test_a_broken_template_is_skipped_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repository(tmp_path)
    (root / "infra" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    code, out, err = _init(root, capsys)
    assert code == 0
    # The parser's own words are its to choose: the place and what was expected are init's.
    (line,) = err.splitlines()
    assert line.startswith(
        f"enjoin init: skipped {root / 'infra/broken.yaml'}: line 5: expected a YAML template; found "
    )
    assert [t["path"] for t in _yaml(root / "enjoin.yaml")["templates"]] == TEMPLATES
    # Alone, it leaves no template: the reason is still given before the refusal.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    code, out, err = _init(alone, capsys)
    assert out == ""
    assert code == 2 and len(err.splitlines()) == 2 and "skipped" in err.splitlines()[0]
    assert not (alone / "enjoin.yaml").exists()


def test_the_workflow_follows_the_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default branch the clone recorded; a DIR below the repository's root runs there."""
    (tmp_path / ".git" / "refs" / "remotes" / "origin").mkdir(parents=True)
    (tmp_path / ".git" / "refs" / "remotes" / "origin" / "HEAD").write_text("ref: refs/remotes/origin/trunk\n")
    infra = _repository(tmp_path / "deploy")
    code, out, _ = _init(infra, capsys)
    assert code == 0
    workflow = _yaml(infra / ".github/workflows/enjoin.yml")
    assert workflow[True]["push"] == {"branches": ["trunk"]}
    assert workflow["defaults"] == {"run": {"working-directory": "deploy"}}
    assert workflow["jobs"]["judge"]["steps"][-1]["with"]["path"] == "deploy/enjoin-report.json"
    assert f"move {infra / '.github/workflows/enjoin.yml'} to {tmp_path / '.github/workflows/enjoin.yml'}" in out


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
