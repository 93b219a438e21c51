"""A template's ``role_arn`` in enjoin.yaml: the service role its stack is deployed with (``--role-arn``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from enjoin.config import load
from enjoin.errors import ConfigError

HEAD = (
    "case: ca-v-hhs\n"
    "accounts: {cms: '111111111111'}\n"
    "parties: {DHS: {accounts: ['222222222222']}}\n"
    "holdings: [{resource: 'arn:aws:s3:::b/*', program: medicaid, states: all, populations: all, fields: [ssn]}]\n"
    "templates:\n"
    "  - path: stack.yaml\n"
)


def write(tmp_path: Path, role: str) -> Path:
    (tmp_path / "stack.yaml").write_text("Resources: {}\n")
    (tmp_path / "enjoin.yaml").write_text(HEAD + f"    role_arn: {role}\n")
    return tmp_path / "enjoin.yaml"


def test_a_role_of_the_template_s_account_is_kept(tmp_path: Path) -> None:
    config = load(write(tmp_path, "arn:aws:iam::111111111111:role/deploy/CmsDeployer"))
    assert [t.role_arn for t in config.templates] == ["arn:aws:iam::111111111111:role/deploy/CmsDeployer"]


@pytest.mark.parametrize("role", ["arn:aws:iam::222222222222:role/Other", "CmsDeployer", "[1, 2]",
                                  "arn:aws:iam::111111111111:user/someone"])
def test_anything_else_is_refused_naming_the_line(tmp_path: Path, role: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, role))
    message = str(caught.value)
    assert "enjoin.yaml:7" in message and "templates[0].role_arn" in message, message
    assert "the ARN of a role of account 111111111111 (the stack's service role)" in message, message
