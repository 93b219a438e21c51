"""The live: section of enjoin.yaml: validated like every other section, one line naming file:line, key, what was
expected and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from enjoin.config import load
from enjoin.config_model import AuditRole, LiveConfig
from enjoin.errors import ConfigError
from enjoin.exitcodes import ExitCode, for_error

from .conftest import ROOT

CMS_ROLE = 'cms: {role_arn: "arn:aws:iam::111111111111:role/enjoin-audit"}'
DHS_ROLE = 'dhs: {role_arn: "arn:aws:iam::222222222222:role/enjoin-audit"}'


def _config(tmp_path: Path, live: str) -> Path:
    path = tmp_path / "enjoin.yaml"
    path.write_text(f"extends: {ROOT / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n{live}", encoding="utf-8")
    return path


def _error(tmp_path: Path, live: str) -> str:
    with pytest.raises(ConfigError) as err:
        load(_config(tmp_path, live))
    assert for_error(err.value) is ExitCode.BAD_INPUT
    text = str(err.value)
    assert "\n" not in text
    return text.split("enjoin.yaml", 1)[1]


def test_a_live_section_gives_each_account_its_role_and_the_organization_role(tmp_path: Path) -> None:
    config = load(_config(tmp_path, f"""live:
  accounts:
    cms: {{role_arn: "arn:aws:iam::111111111111:role/audit/enjoin-audit", external_id: "cms-2026"}}
    {DHS_ROLE}
  organization: {{role_arn: "arn:aws:iam::999999999999:role/enjoin-org-audit"}}
"""))
    assert config.live == LiveConfig(
        accounts={
            "111111111111": AuditRole("arn:aws:iam::111111111111:role/audit/enjoin-audit", "cms-2026"),
            "222222222222": AuditRole("arn:aws:iam::222222222222:role/enjoin-audit"),
        },
        region="us-east-1",
        organization=AuditRole("arn:aws:iam::999999999999:role/enjoin-org-audit"),
    )
    assert load(ROOT / "enjoin.yaml").live is None  # optional


@pytest.mark.parametrize(
    ("live", "message"),
    [
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    {DHS_ROLE}\n  audit: true\n",
         ":7: live.audit: expected one of the keys accounts, organization, region; found unknown key 'audit'"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    ice: {{role_arn: \"arn:aws:iam::222222222222:role/a\"}}\n",
         ":6: live.accounts.ice: expected an account short name of accounts: (cms, dhs); found 'ice'"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n",
         ":4: live.accounts: expected an audit role for every account of accounts: (cms, dhs): the live backend "
         "reads them all; found none for dhs"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    dhs: {{role_arn: \"arn:aws:iam::111111111111:role/a-role\"}}\n",
         ":6: live.accounts.dhs.role_arn: expected a role in account 222222222222, the account this entry names; "
         "found 'arn:aws:iam::111111111111:role/a-role', a role in account 111111111111"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    dhs: {{role_arn: \"arn:aws:iam::222222222222:user/x\"}}\n",
         ":6: live.accounts.dhs.role_arn: expected a role ARN (arn:aws:iam::111111111111:role/enjoin-audit); "
         "found 'arn:aws:iam::222222222222:user/x'"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    dhs: {{role_arn: \"arn:aws:iam::222222222222:role/a\", "
         "external_id: \"a b\"}\n",
         ":6: live.accounts.dhs.external_id: expected an external id of 2 to 1224 letters, digits and +=,.@:/-_; "
         "found 'a b'"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    {DHS_ROLE}\n  organization: {{arn: x}}\n",
         ":7: live.organization.arn: expected one of the keys external_id, role_arn; found unknown key 'arn'"),
        (f"live:\n  accounts:\n    {CMS_ROLE}\n    {DHS_ROLE}\n  region: US East\n",
         ":7: live.region: expected an AWS region name such as us-east-1; found 'US East'"),
        ("live: [cms, dhs]\n",
         ":3: live: expected a mapping with accounts (an audit role per account), organization and region; "
         "found a list of 2 items"),
    ],
)
def test_a_wrong_live_section_is_one_line_naming_the_key(tmp_path: Path, live: str, message: str) -> None:
    assert _error(tmp_path, live) == message
