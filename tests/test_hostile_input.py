"""Hostile or broken input: one clear error line, never a traceback, a hang, a silent pass or a file's content.

Each test feeds one bad input (an alias bomb, a loop of symbolic links, a binary, JSON nested 100,000
levels, a path outside the config's directory...) to the function a user reaches it through, and
asserts the whole message: the file, the line or key where known, what was expected and what was
found. Where a command is the way in (``enjoin judge``, ``enjoin decide``), its exit code too.
Fixture files are written to ``tmp_path``; the working directory is ``tmp_path``, so messages name
files as a user there would see them.
"""

from __future__ import annotations

import io
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from enjoin import textfile
from enjoin.case import load_case
from enjoin.cli.decide import run as decide
from enjoin.cli.judge import run as judge
from enjoin.config import load
from enjoin.errors import EXCERPT, CaseError, ConfigError, DeployError, EnjoinError, excerpt
from enjoin.iac.cloudformation.template import load_template
from enjoin.textfile import MAX_DEPTH
from enjoin.yamlload import MAX_ALIAS_NODES

REPO = Path(__file__).resolve().parent.parent

# "Billion laughs": 9 levels of 9 aliases, 9^9 strings when expanded; 342 bytes.
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)
# The alias that crosses MAX_ALIAS_NODES: the first *e, on the line of f (each *e stands for 66,430 nodes).
BOMB_LINE = 6
BOMB_FOUND = "an alias bomb (the alias *e brings the expansion to 141148 nodes)"
BOMB_EXPECTED = f"a YAML document without alias expansion beyond {MAX_ALIAS_NODES} nodes"

# A minimal valid config: 13 lines, so that keys a test appends start at line 14.
BASE = """case: ca-v-hhs
accounts:
  cms: "111111111111"
  dhs: "222222222222"
parties:
  DHS:
    accounts: [dhs]
holdings:
  - resource: "arn:aws:s3:::b/*"
    program: medicaid
    states: all
    populations: all
    fields: [address]
"""
TEMPLATE = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
SCP = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
CASE = {
    "principal": "arn:aws:iam::111111111111:user/alice",
    "action": "s3:GetObject",
    "resource": "arn:aws:s3:::bucket/key",
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def config(tmp_path: Path, extra: str = "", name: str = "enjoin.yaml") -> Path:
    """The minimal config in ``tmp_path`` with ``extra`` keys appended (from line 14)."""
    return write(tmp_path / name, BASE + extra)


def loop(path: Path) -> Path:
    """``path`` made one of two symbolic links pointing at each other."""
    other = path.with_name(path.name + ".other")
    os.symlink(other.name, path)
    os.symlink(path.name, other)
    return path


def message(error: type[EnjoinError], call: Callable[[], object]) -> str:
    """The message ``call`` raises, checked to be one line, raised in well under a second."""
    start = time.perf_counter()
    with pytest.raises(error) as caught:
        call()
    assert time.perf_counter() - start < 1.0
    text = str(caught.value)
    assert "\n" not in text
    return text


def judged(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = judge(list(argv))
    return code, capsys.readouterr().err


def decided(
    capsys: pytest.CaptureFixture[str], argv: list[str], stdin: bytes | None = None
) -> tuple[int, list[str], list[str]]:
    code = decide(argv, stdin=io.BytesIO(stdin) if stdin is not None else None)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


# -- 1. alias bombs -------------------------------------------------------------------------------


def test_the_bomb_is_small() -> None:
    assert len(BOMB.encode()) < 1024


def test_alias_bomb_in_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "enjoin.yaml", BOMB)
    expected = f"enjoin.yaml:{BOMB_LINE}: expected {BOMB_EXPECTED}; found {BOMB_FOUND}"
    assert message(ConfigError, lambda: load(path)) == expected
    assert judged(capsys, "--config", "enjoin.yaml") == (2, f"enjoin judge: {expected}\n")


def test_alias_bomb_in_a_case_file(tmp_path: Path) -> None:
    write(tmp_path / "case.yaml", BOMB)
    path = config(tmp_path).with_name("enjoin.yaml")
    path.write_text(BASE.replace("case: ca-v-hhs", "case: case.yaml"), encoding="utf-8")
    expected = f"case.yaml:{BOMB_LINE}: expected {BOMB_EXPECTED}; found {BOMB_FOUND}"
    assert message(CaseError, lambda: load(path)) == expected
    assert message(CaseError, lambda: load_case("case.yaml")) == expected


def test_merge_key_bomb() -> None:
    # Merges copy their mappings' entries: nine merges of nine merges... explode like aliases.
    text = "a: &a {k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9}\n" + "".join(
        f"{name}: &{name} {{<<: [{', '.join([f'*{prev}'] * 9)}]}}\n"
        for prev, name in zip("abcdef", "bcdefg", strict=True)
    )
    path = write(Path("merge.yaml"), text)
    assert message(ConfigError, lambda: load(path)) == (
        f"merge.yaml:5: expected {BOMB_EXPECTED}; found an alias bomb (the alias *d brings the expansion to "
        "100602 nodes)"
    )


def test_alias_bomb_in_a_yaml_template(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", BOMB + TEMPLATE.replace("AWS::S3::Bucket", "AWS::S3::Bucket\n    Metadata: *i"))
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: line {BOMB_LINE}: expected {BOMB_EXPECTED}; found {BOMB_FOUND}"
    )


def test_a_template_bomb_is_refused_before_cfn_lint_sees_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import enjoin.deploy.stack

    class NoValidation:
        def __init__(self, *args: object) -> None:
            raise AssertionError("cfn-lint was handed the template")

    monkeypatch.setattr(enjoin.deploy.stack, "ValidationAhead", NoValidation)
    write(tmp_path / "t.yaml", BOMB + TEMPLATE.replace("AWS::S3::Bucket", "AWS::S3::Bucket\n    Metadata: *i"))
    config(tmp_path, "templates:\n  - path: t.yaml\n")
    code, err = judged(capsys, "--config", "enjoin.yaml")
    assert (code, err) == (
        2,
        f"enjoin judge: {tmp_path}/t.yaml: line {BOMB_LINE}: expected {BOMB_EXPECTED}; found {BOMB_FOUND}\n",
    )


def test_an_alias_inside_its_own_value_in_a_template(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", "Resources: &r\n  B: *r\n")
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: line 2: expected a YAML template; found an alias inside the value of its own anchor"
    )


def test_aliases_within_the_bound_still_load(tmp_path: Path) -> None:
    path = config(tmp_path, "templates:\n  - &t {path: t.yaml}\n  - *t\n")
    write(tmp_path / "t.yaml", TEMPLATE)
    assert [t.path for t in load(path).templates] == [tmp_path / "t.yaml"] * 2


# -- 2. loops, directories, unreadable files ------------------------------------------------------


def test_symlink_loop_as_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loop(tmp_path / "enjoin.yaml")
    expected = "enjoin.yaml: expected a readable YAML file; found a loop of symbolic links"
    assert message(ConfigError, lambda: load("enjoin.yaml")) == expected
    assert judged(capsys, "--config", "enjoin.yaml") == (2, f"enjoin judge: {expected}\n")


@pytest.mark.parametrize(
    ("extra", "key", "what"),
    [
        ("templates:\n  - path: x.yaml\n", "templates[0].path", "CloudFormation template file"),
        ("organization:\n  scps:\n    - {path: x.yaml, targets: [cms]}\n", "organization.scps[0].path",
         "service control policy file"),
        ("organization:\n  rcps:\n    - {path: x.yaml, targets: [cms]}\n", "organization.rcps[0].path",
         "resource control policy file"),
        ("extends: x.yaml\n", "extends", "config file to extend"),
    ],
)  # fmt: skip
def test_a_named_file_that_is_a_loop_or_a_directory(tmp_path: Path, extra: str, key: str, what: str) -> None:
    path = config(tmp_path, extra)
    line = 14 + extra.count("\n") - 1 if "extends" not in extra else 14
    loop(tmp_path / "x.yaml")
    assert message(ConfigError, lambda: load(path)) == (
        f"enjoin.yaml:{line}: {key}: expected a readable {what}; found 'x.yaml': a loop of symbolic links"
    )
    (tmp_path / "x.yaml").unlink()
    (tmp_path / "x.yaml").mkdir()
    assert message(ConfigError, lambda: load(path)) == (
        f"enjoin.yaml:{line}: {key}: expected a {what}; found 'x.yaml': a directory"
    )


def test_a_case_path_that_is_a_loop_or_a_directory(tmp_path: Path) -> None:
    path = write(tmp_path / "enjoin.yaml", BASE.replace("case: ca-v-hhs", "case: x.yaml"))
    loop(tmp_path / "x.yaml")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:1: case: expected a readable case file; found 'x.yaml': a loop of symbolic links"
    )
    assert message(CaseError, lambda: load_case("x.yaml")) == (
        "enjoin.yaml: case: expected a readable case file; found 'x.yaml': a loop of symbolic links"
    )
    (tmp_path / "x.yaml").unlink()
    (tmp_path / "x.yaml").mkdir()
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:1: case: expected a case file; found 'x.yaml': a directory"
    )


def test_the_config_or_a_template_is_a_directory_or_a_loop(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    assert message(ConfigError, lambda: load("dir.yaml")) == "dir.yaml: expected a YAML file; found a directory"
    assert message(DeployError, lambda: load_template(tmp_path / "dir.yaml")) == (
        f"{tmp_path}/dir.yaml: expected a CloudFormation template file; found a directory"
    )
    loop(tmp_path / "t.yaml")
    assert message(DeployError, lambda: load_template(tmp_path / "t.yaml")) == (
        f"{tmp_path}/t.yaml: expected a readable CloudFormation template file; found a loop of symbolic links"
    )


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert message(ConfigError, lambda: load("pipe.yaml")) == (
        "pipe.yaml: expected a YAML file (a regular file); found a named pipe"
    )
    path = config(tmp_path, "templates:\n  - path: pipe.yaml\n")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:15: templates[0].path: expected a CloudFormation template file (a regular file); "
        "found 'pipe.yaml': a named pipe"
    )


def test_a_file_enjoin_may_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = write(tmp_path / "t.yaml", TEMPLATE)
    secret.chmod(0)
    if os.geteuid() == 0:  # root reads anything: stand in for the permission the kernel would refuse
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: Path(p).name != "t.yaml" and real_access(p, mode))
    path = config(tmp_path, "templates:\n  - path: t.yaml\n")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:15: templates[0].path: expected a readable CloudFormation template file; "
        "found 't.yaml': a file enjoin may not read (permission denied)"
    )
    assert message(DeployError, lambda: load_template(secret)) == (
        f"{secret}: expected a readable CloudFormation template file; "
        "found a file enjoin may not read (permission denied)"
    )


# -- 3. binary and non-UTF-8 input ----------------------------------------------------------------

# The beginning of a PNG image: binary (NUL bytes); and, without them, not UTF-8 (0x89 at its start).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
LATIN1 = "region: S\u00e3o Paulo\n".encode("latin-1")


def test_binary_and_latin1_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "enjoin.yaml", PNG)
    expected = "enjoin.yaml: expected UTF-8 text; found binary content (a NUL byte at offset 8)"
    assert message(ConfigError, lambda: load("enjoin.yaml")) == expected
    assert judged(capsys, "--config", "enjoin.yaml") == (2, f"enjoin judge: {expected}\n")
    write(tmp_path / "enjoin.yaml", PNG[:8])
    assert message(ConfigError, lambda: load("enjoin.yaml")) == (
        "enjoin.yaml: expected UTF-8 text; found a byte 0x89 at offset 0 (line 1), which is not UTF-8"
    )
    write(tmp_path / "enjoin.yaml", BASE.encode() + LATIN1)
    at = len(BASE.encode()) + LATIN1.index(b"\xe3")
    assert message(ConfigError, lambda: load("enjoin.yaml")) == (
        f"enjoin.yaml: expected UTF-8 text; found a byte 0xe3 at offset {at} (line 14), which is not UTF-8"
    )
    write(tmp_path / "enjoin.yaml", BASE.encode("utf-16"))
    assert message(ConfigError, lambda: load("enjoin.yaml")) == (
        "enjoin.yaml: expected UTF-8 text; found UTF-16LE text (it begins with a UTF-16 byte-order mark)"
    )


def test_utf8_that_is_not_yaml_text(tmp_path: Path) -> None:
    # Decodes as UTF-8, but YAML allows no control character (an ELF header, say).
    write(tmp_path / "enjoin.yaml", BASE + "image: \x7fELF\x01\n")
    assert message(ConfigError, lambda: load("enjoin.yaml")) == (
        "enjoin.yaml:14:8: expected YAML text (no control characters); found the character U+007F "
        "(control characters are not allowed)"
    )


def test_binary_case_file(tmp_path: Path) -> None:
    write(tmp_path / "case.yaml", PNG)
    path = write(tmp_path / "enjoin.yaml", BASE.replace("case: ca-v-hhs", "case: case.yaml"))
    assert message(CaseError, lambda: load(path)) == (
        "case.yaml: expected UTF-8 text; found binary content (a NUL byte at offset 8)"
    )
    write(tmp_path / "case.yaml", LATIN1)
    assert message(CaseError, lambda: load(path)) == (
        "case.yaml: expected UTF-8 text; found a byte 0xe3 at offset 9 (line 1), which is not UTF-8"
    )


def test_binary_and_latin1_templates(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", b'{"Resources": {"B": {"Type": "x"}}}\x00')
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: expected UTF-8 text; found binary content (a NUL byte at offset 35)"
    )
    path = write(tmp_path / "t.yaml", TEMPLATE.encode() + b"    Metadata: {Name: caf\xe9}\n")
    at = path.read_bytes().index(b"\xe9")
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: expected UTF-8 text; found a byte 0xe9 at offset {at} (line 4), which is not UTF-8"
    )


def test_binary_and_latin1_scp_files(tmp_path: Path) -> None:
    path = config(tmp_path, "organization:\n  scps:\n    - {path: scp.json, targets: [cms]}\n")
    write(tmp_path / "scp.json", PNG)
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:16: organization.scps[0].path: expected UTF-8 text; found 'scp.json': binary content "
        "(a NUL byte at offset 8)"
    )
    at = write(tmp_path / "scp.json", SCP.replace("*", "\u00e9").encode("latin-1")).read_bytes().index(b"\xe9")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:16: organization.scps[0].path: expected UTF-8 text; found 'scp.json': a byte 0xe9 at "
        f"offset {at} (line 1), which is not UTF-8"
    )
    write(tmp_path / "scp.json", "Statement: not json\n")
    assert message(ConfigError, lambda: load(path)) == (
        "scp.json:1: expected a policy document in JSON; found Expecting value"
    )


def test_decide_binary_and_latin1_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "cases.json", json.dumps(CASE).encode() + b"\n\x00")
    assert decided(capsys, ["cases.json"]) == (
        2,
        [],
        ["enjoin decide: cases.json: expected UTF-8 text; found binary content (a NUL byte at offset 119)"],
    )
    latin = json.dumps({**CASE, "name": "caf\u00e9"}, ensure_ascii=False).encode("latin-1")
    at = latin.index(b"\xe9")
    assert decided(capsys, ["-"], stdin=latin) == (
        2,
        [],
        [f"enjoin decide: <stdin>: expected UTF-8 text; found a byte 0xe9 at offset {at} (line 1), which is not UTF-8"],
    )


# -- 4. deep nesting, long integers, odd numbers --------------------------------------------------


def test_deep_yaml_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "enjoin.yaml", "[" * 100_000)
    expected = (
        f"enjoin.yaml:1: expected YAML nested at most {MAX_DEPTH} levels deep; found nesting deeper than 100 levels"
    )
    assert message(ConfigError, lambda: load("enjoin.yaml")) == expected
    assert judged(capsys, "--config", "enjoin.yaml") == (2, f"enjoin judge: {expected}\n")
    # Block style: the level that is one too many is on line 102.
    write(tmp_path / "enjoin.yaml", "a:\n" + "".join("  " * i + "-\n" for i in range(1, 200)))
    assert message(ConfigError, lambda: load("enjoin.yaml")).startswith("enjoin.yaml:101: expected YAML nested")


def test_nesting_at_the_bound_is_fine(tmp_path: Path) -> None:
    path = config(tmp_path, "image: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:14: image: expected a container image name; found a list of 1 item"
    )


def test_deep_templates(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", '{"Resources": {"B": {"Type": "x", "Metadata": ' + "[" * 100_000)
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: line 1: expected a JSON template; found nesting deeper than 100 levels"
    )
    path = write(tmp_path / "t.yaml", TEMPLATE + "    Metadata: " + "{a: " * 100_000)
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: line 4: expected YAML nested at most 100 levels deep; found nesting deeper than 100 levels"
    )


def test_deep_scp(tmp_path: Path) -> None:
    path = config(tmp_path, "organization:\n  scps:\n    - {path: scp.json, targets: [cms]}\n")
    write(tmp_path / "scp.json", "[" * 100_000)
    assert message(ConfigError, lambda: load(path)) == (
        "scp.json:1: expected a policy document in JSON; found nesting deeper than 100 levels"
    )


def test_long_integers(tmp_path: Path) -> None:
    digits = "1" * 5000
    path = config(tmp_path, f"region: {digits}\n")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:14: region: expected an integer Python reads (at most 4300 digits); "
        "found an integer of 5000 digits"
    )
    path = write(tmp_path / "t.json", '{"Resources": {"B": {"Type": "x", "Metadata": ' + digits + "}}}")
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: line 1: expected a JSON template; found an integer of 5000 digits (at most 4300 are read)"
    )
    path = write(tmp_path / "t.yaml", TEMPLATE + f"    Metadata: {digits}\n")
    assert message(DeployError, lambda: load_template(path)) == (
        f"{path}: line 4: expected a YAML template; found an integer of 5000 digits it cannot read"
    )


def test_huge_floats_and_nan_are_plain_type_errors(tmp_path: Path) -> None:
    assert message(ConfigError, lambda: load(config(tmp_path, "region: .nan\n"))) == (
        "enjoin.yaml:14: region: expected an AWS region name (us-east-1); found the number nan"
    )
    assert message(ConfigError, lambda: load(config(tmp_path, "image: 1.0e+999\n"))) == (
        "enjoin.yaml:14: image: expected a container image name; found the number inf"
    )
    text = BASE.replace('cms: "111111111111"', "cms: 1.0e+12")
    assert message(ConfigError, lambda: load(write(tmp_path / "enjoin.yaml", text))) == (
        'enjoin.yaml:3: accounts.cms: expected a 12-digit account id, quoted ("111111111111"); '
        "found the number 1000000000000.0"
    )


def test_decide_deep_and_long_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert decided(capsys, ["-"], stdin=b"[" * 100_000) == (
        1,
        [],
        [
            "enjoin decide: <stdin>: case #0: the file is not valid JSON (nesting deeper than 100 levels: "
            "line 1 column 101 (char 100))"
        ],
    )
    long = json.dumps({**CASE, "context": {"n": 0}}).replace('"n": 0', '"n": ' + "7" * 5000)
    lines = [json.dumps(CASE), '{"context": ' + "[" * 100_000, long]
    code, out, err = decided(capsys, ["-"], stdin="\n".join(lines).encode())
    assert (code, [json.loads(o)["decision"] for o in out]) == (1, ["IMPLICIT_DENY"])
    assert err == [
        # The object is the first level: the 100th "[" is the 101st.
        "enjoin decide: <stdin>: case #1, line 2: invalid JSON (nesting deeper than 100 levels at column 112)",
        "enjoin decide: <stdin>: case #2, line 3: invalid JSON (an integer of 5000 digits (at most 4300 are read) "
        "at column 137)",
    ]


# -- 5. containment -------------------------------------------------------------------------------


def test_extends_outside_the_config_directory(tmp_path: Path) -> None:
    write(tmp_path / "shared" / "base.yaml", BASE)
    path = write(tmp_path / "team" / "enjoin.yaml", "extends: ../shared/base.yaml\nregion: us-west-2\n")
    assert message(ConfigError, lambda: load(path)) == (
        "team/enjoin.yaml:1: extends: expected a path inside team or a directory listed in read_outside:; "
        "found '../shared/base.yaml'"
    )
    write(path, "extends: ../shared/base.yaml\nregion: us-west-2\nread_outside: [../shared]\n")
    assert load(path).region == "us-west-2"


def test_absolute_paths_are_judged_the_same(tmp_path: Path) -> None:
    write(tmp_path / "shared" / "t.yaml", TEMPLATE)
    path = config(tmp_path / "team", f"templates:\n  - path: {tmp_path}/shared/t.yaml\n")
    assert message(ConfigError, lambda: load(path)) == (
        "team/enjoin.yaml:15: templates[0].path: expected a path inside team or a directory listed in "
        f"read_outside:; found '{tmp_path}/shared/t.yaml'"
    )
    path = config(tmp_path / "team", f"templates:\n  - path: {tmp_path}/team/t.yaml\n")
    write(tmp_path / "team" / "t.yaml", TEMPLATE)
    assert load(path).templates[0].path == tmp_path / "team" / "t.yaml"


def test_the_working_directory_is_named_whole(tmp_path: Path) -> None:
    path = config(tmp_path, "templates:\n  - path: ../t.yaml\n")
    assert message(ConfigError, lambda: load(path)) == (
        f"enjoin.yaml:15: templates[0].path: expected a path inside {tmp_path} or a directory listed in "
        "read_outside:; found '../t.yaml'"
    )


def test_a_symbolic_link_inside_that_leads_outside(tmp_path: Path) -> None:
    write(tmp_path / "secret" / "key.json", '{"Statement": "SECRET-CONTENT"}')
    path = config(tmp_path / "team", "organization:\n  scps:\n    - {path: policies/key.json, targets: [cms]}\n")
    os.symlink(tmp_path / "secret", tmp_path / "team" / "policies")
    text = message(ConfigError, lambda: load(path))
    assert text == (
        "team/enjoin.yaml:16: organization.scps[0].path: expected a path inside team or a directory listed in "
        "read_outside:; found 'policies/key.json'"
    )
    assert "SECRET" not in text


@pytest.mark.parametrize(
    ("extra", "key", "line"),
    [
        ("organization:\n  rcps:\n    - {path: ../etc/rcp.json, targets: [cms]}\n", "organization.rcps[0].path", 16),
        ("templates:\n  - path: ../etc/t.yaml\n", "templates[0].path", 15),
    ],
)
def test_every_named_file_is_contained(tmp_path: Path, extra: str, key: str, line: int) -> None:
    write(tmp_path / "etc" / "rcp.json", SCP)
    write(tmp_path / "etc" / "t.yaml", TEMPLATE)
    path = config(tmp_path / "team", extra)
    written = extra.split("path: ")[1].split(",")[0].split("\n")[0]
    assert message(ConfigError, lambda: load(path)) == (
        f"team/enjoin.yaml:{line}: {key}: expected a path inside team or a directory listed in read_outside:; "
        f"found {written!r}"
    )
    write(path, BASE + extra + "read_outside: [../etc]\n")
    load(path)


def test_a_case_path_outside_but_a_shipped_case_name_is_package_data(tmp_path: Path) -> None:
    write(tmp_path / "law" / "case.yaml", "name: x\n")
    path = write(tmp_path / "team" / "enjoin.yaml", BASE.replace("case: ca-v-hhs", "case: ../law/case.yaml"))
    assert message(ConfigError, lambda: load(path)) == (
        "team/enjoin.yaml:1: case: expected a path inside team or a directory listed in read_outside:; "
        "found '../law/case.yaml'"
    )
    assert load(config(tmp_path / "other")).case == "ca-v-hhs"  # the shipped case lives in the package


def test_read_outside_adds_up_along_the_chain_but_a_base_cannot_admit_itself(tmp_path: Path) -> None:
    write(tmp_path / "shared" / "t.yaml", TEMPLATE)
    # The base lists ../shared: its own paths, and those of the files extending it, may be there.
    write(tmp_path / "base" / "base.yaml", BASE + "read_outside: [../shared]\n")
    path = write(
        tmp_path / "team" / "enjoin.yaml",
        "extends: ../base/base.yaml\nread_outside: [../base]\ntemplates:\n  - path: ../shared/t.yaml\n",
    )
    assert load(path).templates[0].path == tmp_path / "shared" / "t.yaml"
    # Without the team's own read_outside, the base's list does not admit the base.
    write(path, "extends: ../base/base.yaml\n")
    assert message(ConfigError, lambda: load(path)) == (
        "team/enjoin.yaml:1: extends: expected a path inside team or a directory listed in read_outside:; "
        "found '../base/base.yaml'"
    )


def test_the_error_lists_the_other_roots_of_the_chain(tmp_path: Path) -> None:
    write(tmp_path / "base" / "base.yaml", BASE + "templates:\n  - path: ../elsewhere/t.yaml\n")
    write(tmp_path / "elsewhere" / "t.yaml", TEMPLATE)
    path = write(tmp_path / "team" / "enjoin.yaml", "extends: ../base/base.yaml\nread_outside: [../base]\n")
    assert message(ConfigError, lambda: load(path)) == (
        "base/base.yaml:15: templates[0].path: expected a path inside base or a directory listed in "
        "read_outside: (or inside team, allowed by the chain of extends); found '../elsewhere/t.yaml'"
    )


def test_read_outside_must_list_existing_directories(tmp_path: Path) -> None:
    path = config(tmp_path, "read_outside: [../nowhere]\n")
    assert message(ConfigError, lambda: load(path)) == (
        f"enjoin.yaml:14: read_outside[0]: expected an existing directory; found '../nowhere': no directory at "
        f"{tmp_path.parent}/nowhere"
    )
    path = config(tmp_path, "read_outside: ..\n")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:14: read_outside: expected a list of directories this file and the files it extends may "
        "read from; found the string '..'"
    )


def test_a_chain_of_extends_is_bounded(tmp_path: Path) -> None:
    config(tmp_path, name="c0.yaml")
    for index in range(1, 40):
        write(tmp_path / f"c{index}.yaml", f"extends: c{index - 1}.yaml\n")
    assert load("c31.yaml").case == "ca-v-hhs"  # 32 files
    assert message(ConfigError, lambda: load("c39.yaml")) == (
        "c8.yaml:1: extends: expected a chain of extends of at most 32 files; found 'c7.yaml', file 33 of the chain"
    )


def test_the_shipped_configs_still_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert len(load("enjoin.yaml").templates) > 0
    for variant in sorted((REPO / "infra" / "variants").glob("*/enjoin.yaml")):
        load(variant)


# -- 6. excerpts ----------------------------------------------------------------------------------


def test_found_and_where_are_cut_to_an_excerpt() -> None:
    error = ConfigError("w" * 1000, "something", "f" * 5000)
    assert error.found == "f" * EXCERPT + f"... ({5000 - EXCERPT} more characters not shown)"
    assert error.where == "w" * EXCERPT + f"... ({1000 - EXCERPT} more characters not shown)"
    assert error.expected == "something"
    assert excerpt("a\nb\x1b[31mc\td") == "a b\\x1b[31mc\\td"


def test_a_long_value_is_quoted_as_an_excerpt(tmp_path: Path) -> None:
    path = config(tmp_path, f"region: {'x' * 10_000}\n")
    assert message(ConfigError, lambda: load(path)) == (
        "enjoin.yaml:14: region: expected an AWS region name such as us-east-1; found '"
        + "x" * (EXCERPT - 1)
        + "... (9602 more characters not shown)"
    )


def test_extends_naming_a_text_file_does_not_echo_it(tmp_path: Path) -> None:
    notes = "Private notes, not YAML config.\n" + "SECRET-LINE and more words\n" * 2000
    write(tmp_path / "NOTES.txt", notes)
    path = write(tmp_path / "enjoin.yaml", "extends: NOTES.txt\n")
    assert message(ConfigError, lambda: load(path)) == (
        f"NOTES.txt:1: expected a mapping of enjoin.yaml keys; found text ({len(notes) - 1} characters), not a mapping"
    )
    write(tmp_path / "NOTES.txt", "SECRET: one\n\tSECRET-LINE\n" * 500)
    text = message(ConfigError, lambda: load(path))
    assert text == (
        "NOTES.txt:2:1: expected valid YAML; found a tab character that violates indentation "
        "(while scanning a plain scalar started at line 1, column 9)"
    )
    assert "SECRET" not in text


def test_a_case_file_that_is_not_a_case_is_not_echoed(tmp_path: Path) -> None:
    write(tmp_path / "case.yaml", "SECRET words " * 1000)
    path = write(tmp_path / "enjoin.yaml", BASE.replace("case: ca-v-hhs", "case: case.yaml"))
    assert message(CaseError, lambda: load(path)) == (
        "case.yaml:1: expected a case file (a mapping of name, orders, clauses...); found text (12999 characters), "
        "not a mapping"
    )


# -- 7. enjoin decide: empty input, ARNs the engine cannot read --------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_decide_empty_file_or_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    write(tmp_path / "cases.json", content)
    blank = " (only whitespace)" if content else ""
    assert decided(capsys, ["cases.json"]) == (
        2,
        [],
        [f"enjoin decide: cases.json: expected at least one case; found an empty file{blank}"],
    )
    assert decided(capsys, ["-"], stdin=content) == (
        2,
        [],
        [f"enjoin decide: <stdin>: expected at least one case; found empty standard input{blank}"],
    )


def test_decide_empty_array_missing_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert decided(capsys, ["-"], stdin=b"[]") == (
        2,
        [],
        ["enjoin decide: <stdin>: expected at least one case; found an empty JSON array"],
    )
    assert decided(capsys, ["absent.json"]) == (
        2,
        [],
        [
            "enjoin decide: absent.json: expected a readable file of cases; found no such file or directory "
            "(cannot read the file)"
        ],
    )
    loop(tmp_path / "cases.json")
    assert decided(capsys, ["cases.json"]) == (
        2,
        [],
        [
            "enjoin decide: cases.json: expected a readable file of cases; found a loop of symbolic links "
            "(cannot read the file)"
        ],
    )


@pytest.mark.parametrize(
    ("key", "value", "found"),
    [
        ("resource", "arn:aws:s3", "'arn:aws:s3' (3 of the 6 colon-separated parts)"),
        ("resource", "bucket/key", "'bucket/key' (it does not begin with 'arn:')"),
        ("resource", "arn:aws:s3:::", "'arn:aws:s3:::' (an empty resource)"),
        ("principal", "arn:aws:iam::123:role", "'arn:aws:iam::123:role' (no 12-digit account id)"),
        ("principal", "arn:aws:iam::111111111111:role", "'arn:aws:iam::111111111111:role' (no role name)"),
        ("principal", "arn:aws:iam::111111111111:role/", "'arn:aws:iam::111111111111:role/' (no role name)"),
        (
            "principal",
            "arn:aws:iam::111111111111:group/g",
            "'arn:aws:iam::111111111111:group/g' (not an IAM user, a role, an assumed-role session, the root "
            "user or a federated user)",
        ),
        ("principal", "", "''"),
    ],
)
def test_decide_refuses_arns_the_engine_cannot_read(
    capsys: pytest.CaptureFixture[str], key: str, value: str, found: str
) -> None:
    good = {**CASE, "name": "good"}
    bad = {**CASE, "name": "bad", key: value}
    code, out, err = decided(capsys, ["-"], stdin=f"{json.dumps(good)}\n{json.dumps(bad)}\n".encode())
    assert (code, [json.loads(o)["name"] for o in out]) == (1, ["good"])
    if value == "":
        expected = "a non-empty string"
    elif key == "resource":
        expected = "'*' or an ARN (arn:partition:service:region:account:resource)"
    else:
        expected = "the ARN of an IAM user, a role or an assumed-role session (arn:aws:iam::ACCOUNT:role/NAME)"
    assert err == [f"enjoin decide: <stdin>: case 'bad', #1, line 2: {key}: expected {expected}; found {found}"]


def test_decide_still_answers_principals_it_recognizes_but_does_not_support(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = {**CASE, "principal": "arn:aws:iam::111111111111:root"}
    code, out, err = decided(capsys, ["-"], stdin=json.dumps([root, {**CASE, "resource": "*"}]).encode())
    assert (code, err) == (0, [])
    assert [json.loads(o)["decision"] for o in out] == ["INDETERMINATE", "IMPLICIT_DENY"]


def test_the_compiled_depth_scan_reads_as_the_tokens_do() -> None:
    # textfile.too_deep trusts the compiled one-pass scan where it answers (every string closed);
    # on random texts of brackets, quotes, backslashes and line breaks it must find the tokens' depth.
    nesting = textfile._nesting()
    if nesting is None:
        pytest.skip("the compiled core is not built")
    rng = random.Random(3)
    answered = 0
    for _ in range(50_000):
        text = "".join(rng.choice('[]{}"\\\n ax,:') for _ in range(rng.randint(0, 40)))
        depth = deepest = 0
        for match in textfile._JSON_TOKEN.finditer(text):
            token = match.group()
            depth += 1 if token in "[{" else -1 if token in "]}" else 0
            deepest = max(deepest, depth)
        found = nesting(text)
        assert found in (-1, deepest), text
        answered += found >= 0
    assert answered > 10_000
    deep = '{"a": ["[", "\\"{"' + ", [" * MAX_DEPTH + "]" * MAX_DEPTH + "]}"
    assert nesting(deep) == MAX_DEPTH + 2 and textfile.too_deep(deep) is not None
