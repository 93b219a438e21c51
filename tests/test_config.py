"""enjoin.config: loading a user's enjoin.yaml, extends, and one test per error.

The files are under tests/data/config/: ``valid/`` is a complete config whose values are asserted
exactly; each ``bad/*.yaml`` changes one thing (most extend ``valid/enjoin.yaml``). Every error
test asserts the whole message: file, line, key path, what was expected and what was found.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from enjoin.case import STATE_CODES
from enjoin.config import load
from enjoin.config_model import Holding, Party, RecordedDecision, ScpAttachment, Template
from enjoin.errors import CaseError, ConfigError

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "config"
VALID = DATA / "valid"
BAD = DATA / "bad"
SHOWN = "tests/data/config"

FIELDS = (
    "citizenship_status, immigration_status, address, phone, date_of_birth, medicaid_id, name, ssn, "
    "race_ethnicity, sex, email, medical, eligibility, household, income"
)
QUESTIONS = (
    "name, ssn, race_ethnicity, sex, email, daca, tps, parole, asylum_applicant, pending_adjustment, "
    "emergency_only_code_3, mixed_households, eligibility_reveals_health"
)
TOP_KEYS = (
    "accounts, as_of, case, decisions, extends, holdings, image, live, organization, parties, read_outside, region, "
    "templates"
)


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Messages name files relative to the working directory.
    monkeypatch.chdir(REPO)


def error_of(name: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(BAD / name)
    return str(caught.value)


# -- a full valid load ----------------------------------------------------------------------------


def test_valid_config_loads_with_exact_values() -> None:
    config = load(VALID / "enjoin.yaml")
    where = f"{SHOWN}/valid/enjoin.yaml"
    assert config.path == VALID / "enjoin.yaml"
    assert config.case == "ca-v-hhs"
    assert config.as_of == dt.date(2026, 2, 1)
    assert config.region == "us-west-2"
    assert config.image == "enjoin/moto-server:test"
    # dhs is an unquoted 12-digit YAML integer: accepted, kept as the 12-digit string.
    assert config.accounts == {"cms": "111111111111", "dhs": "222222222222"}
    assert config.templates == (
        Template(
            VALID / "infra" / "data-lake.yaml",
            "111111111111",  # no account: the first account
            {"Stage": "prod", "Retention": "30", "Encrypt": "true", "Subnets": "a,b"},
            line=13,
        ),
        Template(VALID / "infra" / "dhs.yaml", "222222222222", {}, line=15),
        Template(VALID / "infra" / "dhs.yaml", "333333333333", {}, line=17),
    )
    assert [t.where for t in config.templates] == [
        f"{where}:13: templates[0]",
        f"{where}:15: templates[1]",
        f"{where}:17: templates[2]",
    ]
    assert config.scps == (
        ScpAttachment(VALID / "scp" / "guardrails.json", ("111111111111", "444444444444"), 21),
    )
    assert config.rcps == (ScpAttachment(VALID / "scp" / "guardrails.json", ("222222222222",), 24),)
    assert config.parties == (
        Party(
            "DHS",
            accounts=("222222222222",),
            principals=("arn:aws:iam::111111111111:role/IceLiaison*",),
            identity_providers=("arn:aws:iam::111111111111:saml-provider/Ice*",),
        ),
    )
    assert config.parties[0].where == f"{where}:27: parties.DHS"
    assert config.holdings == (
        Holding(
            "arn:aws:s3:::cms-tmsis-eligibility/*",
            "medicaid",
            ("all",),
            ("all",),
            ("name", "ssn", "address", "medical"),
            None,
            line=32,
        ),
        Holding(
            "arn:aws:glue:us-east-1:111111111111:table/taf/demographic_eligibility",
            "chip",
            ("CA", "TX", "PR"),
            ("citizen", "unknown"),
            ("medicaid_id", "name", "address"),
            {
                "msis_ident_num": ("medicaid_id",),
                "elgbl_1st_name": ("name",),
                "elgbl_line_1_adr_home": ("address",),
                "submtg_state_cd": (),
            },
            line=37,
        ),
    )
    assert [h.where for h in config.holdings] == [f"{where}:32: holdings[0]", f"{where}:37: holdings[1]"]
    assert config.decisions == (
        RecordedDecision(
            "name", "allowed", "Counsel memo 2026-01-07: name is basic biographical information"
        ),
        RecordedDecision("daca", "protected", "Agency policy: DACA recipients are lawfully present"),
    )


def test_defaults_as_of_today_region_us_east_1_no_image(tmp_path: Path) -> None:
    (tmp_path / "enjoin.yaml").write_text(
        "case: ca-v-hhs\n"
        "accounts: {cms: '111111111111'}\n"
        "parties: {DHS: {accounts: ['222222222222']}}\n"
        "holdings: [{resource: 'arn:aws:s3:::b/*', program: medicaid, states: all, populations: all,"
        " fields: [ssn]}]\n"
    )
    config = load(tmp_path / "enjoin.yaml")
    assert config.as_of == dt.date.today()
    assert config.region == "us-east-1"
    assert config.image is None
    assert (config.templates, config.scps, config.rcps, config.decisions) == ((), (), (), ())
    assert config.parties == (Party("DHS", accounts=("222222222222",)),)


def test_case_given_as_a_path_relative_to_the_config() -> None:
    config = load(BAD / "case-path.yaml")
    assert config.case == str(DATA / "cases" / "minimal.yaml")
    # Vocabulary and questions come from that case: chip, NY and name are all in it.
    assert config.holdings[0].program == "chip"
    assert config.decisions == (RecordedDecision("name", "forbidden", "Not in the order's list"),)


def test_account_id_with_leading_zero_keeps_what_was_written() -> None:
    # YAML 1.1 reads an unquoted 011111111111 as an octal number; the id is the 12 digits written.
    assert load(BAD / "account-octal.yaml").accounts == {"cms": "011111111111", "dhs": "222222222222"}


def test_states_vocabulary_is_the_states_dc_and_territories() -> None:
    assert len(set(STATE_CODES)) == len(STATE_CODES)
    assert {"DC", "PR", "GU", "VI", "AS", "MP"} <= set(STATE_CODES)
    assert set(STATE_CODES) - {"DC", "PR", "GU", "VI", "AS", "MP"} == {
        "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS",
        "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM",
        "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI",
        "WV", "WY",
    }  # fmt: skip


# -- extends --------------------------------------------------------------------------------------


def test_extends_replaces_top_level_keys_whole_and_keeps_paths_relative_to_their_file() -> None:
    base = load(VALID / "enjoin.yaml")
    variant = load(BAD / "case-path.yaml")
    # case-path.yaml gives case, decisions and holdings: those are its own...
    assert variant.path == BAD / "case-path.yaml"
    assert len(base.holdings) == 2
    assert [h.resource for h in variant.holdings] == ["arn:aws:s3:::b/*"]
    assert variant.holdings[0].where == f"{SHOWN}/bad/case-path.yaml:7: holdings[0]"
    # ...every other key is the base's, with the base's paths resolved against the base's folder.
    assert variant.templates == base.templates
    assert variant.templates[0].path == VALID / "infra" / "data-lake.yaml"
    assert variant.templates[0].where == f"{SHOWN}/valid/enjoin.yaml:13: templates[0]"
    assert (variant.accounts, variant.parties, variant.scps, variant.rcps) == (
        base.accounts,
        base.parties,
        base.scps,
        base.rcps,
    )
    assert (variant.as_of, variant.region, variant.image) == (base.as_of, base.region, base.image)


def test_extends_chains_and_an_inherited_error_names_the_file_that_wrote_it() -> None:
    # nested/extends-inherits-error.yaml -> base-bad-holding.yaml -> valid/enjoin.yaml
    assert error_of("nested/extends-inherits-error.yaml") == (
        f"{SHOWN}/bad/base-bad-holding.yaml:5: holdings[1].program: expected a program of case ca-v-hhs, "
        "one of: medicaid, chip, medicare, marketplace; found 'medicare-advantage'"
    )


def test_extends_chain_of_three(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "mid.yaml").write_text(
        f"extends: {VALID / 'enjoin.yaml'}\nread_outside: [{VALID}]\nregion: eu-west-1\n"
    )
    (tmp_path / "a" / "b" / "top.yaml").write_text("extends: ../mid.yaml\nread_outside: [..]\nas_of: 2025-09-01\n")
    config = load(tmp_path / "a" / "b" / "top.yaml")
    assert (config.region, config.as_of) == ("eu-west-1", dt.date(2025, 9, 1))
    assert config.holdings == load(VALID / "enjoin.yaml").holdings


def test_extends_cycle() -> None:
    assert error_of("cycle-a.yaml") == (
        f"{SHOWN}/bad/cycle-b.yaml:2: extends: expected a chain of extends without a cycle; found "
        f"{SHOWN}/bad/cycle-a.yaml -> {SHOWN}/bad/cycle-b.yaml -> {SHOWN}/bad/cycle-a.yaml"
    )


def test_extends_missing_base() -> None:
    assert error_of("extends-missing.yaml") == (
        f"{SHOWN}/bad/extends-missing.yaml:2: extends: expected an existing config file to extend; "
        f"found '../valid/enjoin.yml': no file at {VALID}/enjoin.yml"
    )


# -- one test per error ---------------------------------------------------------------------------


def test_malformed_yaml_names_file_line_and_column() -> None:
    assert error_of("malformed.yaml") == (
        f"{SHOWN}/bad/malformed.yaml:5:1: expected valid YAML; found did not find expected ',' or '}}' "
        "(while parsing a flow mapping started at line 4, column 9)"
    )


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load("tests/data/config/nowhere.yaml")
    assert str(caught.value) == (
        f"{SHOWN}/nowhere.yaml: expected an existing YAML file; found no file at {DATA}/nowhere.yaml"
    )


def test_empty_file() -> None:
    assert error_of("empty.yaml") == (
        f"{SHOWN}/bad/empty.yaml:1: expected a mapping of enjoin.yaml keys (case, accounts, parties, "
        "holdings...); found an empty file"
    )


def test_unknown_top_level_key_lists_the_known_ones() -> None:
    assert error_of("unknown-top-key.yaml") == (
        f"{SHOWN}/bad/unknown-top-key.yaml:3: holding: expected one of the keys {TOP_KEYS}; "
        "found unknown key 'holding' (did you mean 'holdings'?)"
    )


def test_unknown_nested_key_lists_the_known_ones() -> None:
    assert error_of("unknown-nested-key.yaml") == (
        f"{SHOWN}/bad/unknown-nested-key.yaml:8: holdings[0].feilds: expected one of the keys columns, "
        "fields, populations, program, resource, states; found unknown key 'feilds' (did you mean 'fields'?)"
    )


def test_duplicate_key() -> None:
    assert error_of("duplicate-key.yaml") == (
        f"{SHOWN}/bad/duplicate-key.yaml:5: region: expected each key once in a mapping; "
        "found 'region' again (first at line 3)"
    )


def test_missing_required_key() -> None:
    assert error_of("missing-case.yaml") == (
        f"{SHOWN}/bad/missing-case.yaml:2: expected the key 'case' (a case shipped with enjoin, or the path "
        "of a case file); found no 'case' key"
    )


def test_unknown_case() -> None:
    assert error_of("unknown-case.yaml") == (
        f"{SHOWN}/bad/unknown-case.yaml:3: case: expected a case shipped with enjoin (ca-v-hhs) or the path "
        f"of a case file; found 'ca-v-hhs-2' (no such case, and no file at {BAD}/ca-v-hhs-2)"
    )


def test_invalid_case_file_is_a_case_error_naming_the_case_file(tmp_path: Path) -> None:
    bad_case = DATA / "cases" / "bad-test.yaml"
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {VALID / 'enjoin.yaml'}\ncase: {bad_case}\nread_outside: [{VALID}, {DATA / 'cases'}]\n"
    )
    with pytest.raises(CaseError) as caught:
        load(tmp_path / "enjoin.yaml")
    assert caught.value.where == f"{SHOWN}/cases/bad-test.yaml:46: clauses[2].test"


def test_as_of_not_a_date() -> None:
    assert error_of("as-of.yaml") == (
        f"{SHOWN}/bad/as-of.yaml:3: as_of: expected a valid date; "
        "found '2026-02-30' (day is out of range for month)"
    )


def test_region_not_a_region() -> None:
    assert error_of("region.yaml") == (
        f"{SHOWN}/bad/region.yaml:3: region: expected an AWS region name such as us-east-1; "
        "found 'US East (N. Virginia)'"
    )


def test_image_not_a_string() -> None:
    assert error_of("image.yaml") == (
        f"{SHOWN}/bad/image.yaml:3: image: expected a container image name; found a mapping (keys: name)"
    )


def test_account_id_string_of_11_digits() -> None:
    assert error_of("account-short.yaml") == (
        f"{SHOWN}/bad/account-short.yaml:4: accounts.cms: expected a 12-digit account id, quoted "
        '("111111111111"); '
        "found the string '11111111111'"
    )


def test_account_id_integer_of_10_digits() -> None:
    assert error_of("account-int.yaml") == (
        f"{SHOWN}/bad/account-int.yaml:5: accounts.dhs: expected a 12-digit account id, quoted "
        '("111111111111"); '
        "found the number 2222222222 (10 characters)"
    )


def test_template_account_unknown() -> None:
    assert error_of("template-account.yaml") == (
        f"{SHOWN}/bad/template-account.yaml:5: templates[0].account: expected an account short name (cms, "
        "dhs) "
        "or a 12-digit account id; found 'ice', which is neither an account name nor an id"
    )


def test_missing_template_names_path_as_written_and_resolved() -> None:
    assert error_of("missing-template.yaml") == (
        f"{SHOWN}/bad/missing-template.yaml:5: templates[1].path: expected an existing CloudFormation "
        "template "
        f"file; found 'infra/missing.yaml': no file at {BAD}/infra/missing.yaml"
    )


def test_template_parameter_not_a_scalar() -> None:
    assert error_of("parameters.yaml") == (
        f"{SHOWN}/bad/parameters.yaml:6: templates[0].parameters.Stage: expected a parameter value: a "
        "string, "
        "a number, true/false, or a list of them; found a mapping (keys: prod)"
    )


def test_missing_scp_file_names_path_as_written_and_resolved() -> None:
    assert error_of("missing-scp.yaml") == (
        f"{SHOWN}/bad/missing-scp.yaml:5: organization.scps[0].path: expected an existing service control "
        f"policy file; found 'scp/guardrail.json': no file at {BAD}/scp/guardrail.json"
    )


def test_scp_without_targets() -> None:
    assert error_of("scp-no-targets.yaml") == (
        f"{SHOWN}/bad/scp-no-targets.yaml:6: organization.scps[0].targets: expected a list of target "
        "accounts; "
        "found an empty list"
    )


def test_party_that_matches_nobody() -> None:
    assert error_of("party-empty.yaml") == (
        f"{SHOWN}/bad/party-empty.yaml:4: parties.DHS: expected at least one of accounts, principals, "
        "identity_providers; found a mapping (keys: principals)"
    )


def test_principal_not_an_arn_pattern() -> None:
    assert error_of("principal.yaml") == (
        f"{SHOWN}/bad/principal.yaml:6: parties.DHS.principals[1]: expected a principal ARN pattern; "
        "found 'IceAnalyst'"
    )


def test_identity_provider_not_a_provider_arn() -> None:
    assert error_of("provider.yaml") == (
        f"{SHOWN}/bad/provider.yaml:5: parties.ICE.identity_providers[0]: expected a SAML or OIDC "
        "provider ARN "
        "pattern (arn:aws:iam::ACCOUNT:saml-provider/NAME); found "
        "'arn:aws:iam::222222222222:role/IceFederated'"
    )


def test_holding_resource_not_an_arn() -> None:
    assert error_of("resource.yaml") == (
        f"{SHOWN}/bad/resource.yaml:4: holdings[0].resource: expected a resource ARN pattern "
        "(arn:aws:s3:::bucket/*); found 'cms-tmsis-eligibility'"
    )


def test_holding_program_outside_vocabulary() -> None:
    assert error_of("program.yaml") == (
        f"{SHOWN}/bad/program.yaml:4: holdings[0].program: expected a program of case ca-v-hhs, one of: "
        "medicaid, chip, medicare, marketplace; found 'snap'"
    )


def test_holding_state_unknown() -> None:
    assert error_of("state.yaml") == (
        f"{SHOWN}/bad/state.yaml:6: holdings[0].states[2]: expected a state code, one of: "
        f"{', '.join(STATE_CODES)}; found 'XX'"
    )


def test_holding_states_a_single_string() -> None:
    assert error_of("state-string.yaml") == (
        f"{SHOWN}/bad/state-string.yaml:6: holdings[0].states: expected 'all' or a list of state codes; "
        "found the string 'CA'"
    )


def test_holding_population_outside_vocabulary() -> None:
    assert error_of("population.yaml") == (
        f"{SHOWN}/bad/population.yaml:7: holdings[0].populations[1]: expected a population of case ca-v-hhs, "
        "one of: citizen, lawful_permanent_resident, lawfully_present, unlawfully_present, unknown; "
        "found 'undocumented'"
    )


def test_holding_field_outside_vocabulary() -> None:
    assert error_of("field.yaml") == (
        f"{SHOWN}/bad/field.yaml:10: holdings[2].fields[3]: expected a field of case ca-v-hhs, one of: "
        f"{FIELDS}; found 'ssnum' (did you mean 'ssn'?)"
    )


def test_holding_field_listed_twice() -> None:
    assert error_of("field-twice.yaml") == (
        f"{SHOWN}/bad/field-twice.yaml:4: holdings[0].fields[2]: expected a list of fields without "
        "repetitions; found 'ssn' listed twice"
    )


def test_columns_must_map_exactly_the_holding_fields() -> None:
    assert error_of("columns-mismatch.yaml") == (
        f"{SHOWN}/bad/columns-mismatch.yaml:9: holdings[0].columns: expected columns whose fields are "
        "exactly "
        "the holding's fields (medicaid_id, ssn, name); found fields no column holds: ssn; columns holding "
        "fields the holding does not declare: date_of_birth"
    )


def test_column_field_outside_vocabulary() -> None:
    assert error_of("columns-field.yaml") == (
        f"{SHOWN}/bad/columns-field.yaml:10: holdings[0].columns.msis_ident_num[1]: expected a field of case "
        f"ca-v-hhs, one of: {FIELDS}; found 'msis_id'"
    )


def test_column_without_a_value() -> None:
    assert error_of("columns-value.yaml") == (
        f"{SHOWN}/bad/columns-value.yaml:11: holdings[0].columns.submtg_state_cd: expected a field, a "
        "list of "
        "fields, or [] for none; found an empty value (null)"
    )


def test_decision_on_a_question_the_case_does_not_have() -> None:
    assert error_of("decision-question.yaml") == (
        f"{SHOWN}/bad/decision-question.yaml:4: decisions.address: expected an open question of case "
        f"ca-v-hhs, one of: {QUESTIONS}; found 'address'"
    )


def test_decision_answer_not_an_option() -> None:
    # `yes` is a YAML 1.1 boolean: the message says so rather than showing the string.
    assert error_of("decision-share.yaml") == (
        f"{SHOWN}/bad/decision-share.yaml:4: decisions.name.share: expected an answer to the question "
        "'name', "
        "one of: allowed, forbidden; found the boolean true"
    )


def test_decision_without_basis() -> None:
    assert error_of("decision-basis.yaml") == (
        f"{SHOWN}/bad/decision-basis.yaml:6: decisions.ssn.basis: expected the legal basis of the decision "
        "(a non-empty string); found an empty string"
    )


def test_holding_without_a_required_key() -> None:
    assert error_of("missing-holding-key.yaml") == (
        f"{SHOWN}/bad/missing-holding-key.yaml:4: holdings[0]: expected the key 'program' in a holding; "
        "found only the keys resource, states, populations, fields"
    )


def test_two_holdings_for_one_resource() -> None:
    assert error_of("duplicate-resource.yaml") == (
        f"{SHOWN}/bad/duplicate-resource.yaml:5: holdings[1].resource: expected each resource in one "
        "holding; found 'arn:aws:s3:::a/*' again (first in holdings[0])"
    )


def test_state_code_in_lower_case_suggests_the_code() -> None:
    assert error_of("state-lowercase.yaml") == (
        f"{SHOWN}/bad/state-lowercase.yaml:4: holdings[0].states[0]: expected a state code, one of: "
        f"{', '.join(STATE_CODES)}; found 'ca' (did you mean 'CA'?)"
    )


def test_account_short_name_that_is_an_id() -> None:
    assert error_of("account-name-digits.yaml") == (
        f"{SHOWN}/bad/account-name-digits.yaml:4: accounts['111111111111']: expected a short name for the "
        "account (cms, dhs...); found the 12-digit name '111111111111'"
    )


# -- what the line-keeping YAML loader does differently from yaml.safe_load -----------------------


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "enjoin.yaml"
    # read_outside last, so that the lines of ``body`` are what the tests say.
    path.write_text(f"extends: {VALID / 'enjoin.yaml'}\n{body}\nread_outside: [{VALID}]\n")
    return path


def test_keys_are_strings_even_when_yaml_11_would_read_a_boolean(tmp_path: Path) -> None:
    # A column named `on` (or `no`, `yes`, `off`) stays the column's name.
    path = write_config(
        tmp_path,
        "holdings:\n"
        "  - resource: 'arn:aws:glue:us-east-1:111111111111:table/db/t'\n"
        "    program: medicaid\n"
        "    states: all\n"
        "    populations: all\n"
        "    fields: [address]\n"
        "    columns: {on: address, no: [], 1: []}\n",
    )
    assert load(path).holdings[0].columns == {"on": ("address",), "no": (), "1": ()}


def test_merge_keys_may_be_overridden_without_a_duplicate_key_error(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "holdings:\n"
        "  - &base {resource: 'arn:aws:s3:::a/*', program: medicaid, states: all, populations: all,"
        " fields: [ssn]}\n"
        "  - <<: *base\n"
        "    resource: 'arn:aws:s3:::b/*'\n"
        "    program: chip\n",
    )
    assert [(h.resource, h.program, h.fields, h.line) for h in load(path).holdings] == [
        ("arn:aws:s3:::a/*", "medicaid", ("ssn",), 3),
        ("arn:aws:s3:::b/*", "chip", ("ssn",), 4),
    ]


def test_a_value_that_contains_itself(tmp_path: Path) -> None:
    path = write_config(tmp_path, "organization: &org\n  scps: [*org]\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    # PyYAML keeps no position for an alias: the line is the anchor's, the key path the alias's.
    assert caught.value.where == f"{tmp_path}/enjoin.yaml:2: organization.scps[0]"
    assert (caught.value.expected, caught.value.found) == (
        "a value that does not contain itself",
        "a recursive alias",
    )


def test_a_yaml_tag_enjoin_does_not_read(tmp_path: Path) -> None:
    path = write_config(tmp_path, "region: !Ref Region\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{tmp_path}/enjoin.yaml:2:9: expected valid YAML; "
        "found could not determine a constructor for the tag '!Ref'"
    )
