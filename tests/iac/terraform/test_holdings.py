"""A holding named by Terraform address is the objects of the bucket the plan creates; an address the plans do not
hold as a bucket is an error naming the holding (issue #15, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from enjoin.config import load
from enjoin.errors import ConfigError
from enjoin.iac.terraform.holdings import is_address

ROOT = Path(__file__).resolve().parents[3]
TERRAFORM = ROOT / "infra" / "terraform"
_FIELDS = "program: medicaid, states: all, populations: all, fields: [medical]"


def _config(tmp_path: Path, resource: str, plan: str = "plan.json") -> Path:
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {TERRAFORM / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n"
        f"templates:\n  - {{path: {TERRAFORM / 'reference' / plan}, account: cms, providers: {{aws.dhs: dhs}}}}\n"
        f"holdings:\n  - {{resource: '{resource}', {_FIELDS}}}\n")
    return tmp_path / "enjoin.yaml"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ('module.data.aws_s3_bucket.store["tmsis-claims"]', "arn:aws:s3:::cms-tmsis-claims/*"),
        ("module.dhs.aws_s3_bucket.case_files", "arn:aws:s3:::dhs-ice-case-files/*"),
    ],
)
def test_an_address_names_the_objects_of_the_bucket_it_creates(tmp_path: Path, address: str, expected: str) -> None:
    config = load(_config(tmp_path, address))
    assert [h.resource for h in config.holdings] == [expected]


def test_an_address_not_in_the_plan_is_an_error_naming_the_holding(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load(_config(tmp_path, "module.data.aws_s3_bucket.claims"))
    assert error.value.where.endswith("holdings[0].resource")
    assert error.value.found == "'module.data.aws_s3_bucket.claims'"
    assert 'module.data.aws_s3_bucket.store["tmsis-claims"]' in error.value.expected


def test_a_for_each_address_without_its_key_names_its_instances(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load(_config(tmp_path, "module.data.aws_s3_bucket.store"))
    assert error.value.expected.startswith("one instance of module.data.aws_s3_bucket.store (")
    assert 'module.data.aws_s3_bucket.store["chip-enrollment"]' in error.value.expected


def test_an_address_without_a_plan_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {ROOT / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n"
        f"holdings:\n  - {{resource: 'aws_s3_bucket.claims', {_FIELDS}}}\n")
    with pytest.raises(ConfigError) as error:
        load(tmp_path / "enjoin.yaml")
    assert error.value.expected.startswith("an ARN pattern (a Terraform address only with a Terraform plan")


def test_what_is_an_address() -> None:
    assert is_address('module.a["x"].module.b.aws_s3_bucket.c[0]')
    assert not is_address("arn:aws:s3:::cms-tmsis-claims/*")
    assert not is_address("cms-tmsis-claims")
