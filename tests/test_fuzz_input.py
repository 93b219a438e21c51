"""Fuzzing what a user hands enjoin: a config, a template, ``enjoin decide``'s input.

Whatever the text or the bytes, the loader either returns or raises an
:class:`~enjoin.errors.EnjoinError` (whose message is one line), never another exception, and each
example finishes within the deadline. The generators mix random text and bytes with structured
documents that reach past the parser: configs built from valid keys with odd values, templates with
CloudFormation's short-form tags, cases with random values for the engine's keys; and anchors and
aliases, deep nesting, long digit strings and odd YAML scalars throughout. The explicit examples are
the hostile inputs of ``tests/test_hostile_input.py``.

The budget is fixed (``derandomize``: the same examples on every run, so CI is reproducible) and
sized for the whole file to run in well under a minute on a slow two-core machine.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from enjoin.cli.decide import run as decide
from enjoin.config import load
from enjoin.errors import EnjoinError
from enjoin.iac.cloudformation.template import load_template

# 300 examples a test take about 15 seconds for the file on two cores; a slow machine has four times
# that before the minute is up. An example may take 3 seconds (a config near the alias bound walks
# 100,000 nodes in well under one).
BUDGET = settings(
    max_examples=300,
    deadline=dt.timedelta(seconds=3),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.filter_too_much],
)

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)
DEEP = "[" * 100_000
DIGITS = "9" * 5000

# Scalars YAML reads in surprising ways (YAML 1.1 booleans, octal, sexagesimal, special floats,
# impossible dates, tags), and pieces of YAML syntax on their own.
# fmt: off
ODD_SCALARS = [
    "~", "null", "yes", "no", "on", "off", "y", "0o17", "017", "0x1F", "1_000", "190:20:30", ".nan", ".inf",
    "-.inf", "1.0e+999", "1e999", "2026-02-30", "2026-02-01", "2026-02-01T00:00:00Z", "'quoted'", '"\\x00\\u2028"',
    '""', "!!binary AAAA", "!!binary '%%%'", "!!python/object:os.system", "!!int x", "!!float y", "!!timestamp z",
    "!Ref X", "!GetAtt A.B", "!Sub '${AWS::Region}'", "<<", "=", "|", ">-", "? x", "- ", "*undefined", "&",
    "%YAML 1.1", "---", "...", "#", "@x", "`x", "\t", "\\", "'", '"',
]
# fmt: on
# Digit strings around Python's limit on converting them (4,300), as an integer, negative or a float.
LONG_NUMBERS = st.tuples(st.sampled_from(["", "-", "0."]), st.integers(4000, 6000)).map(lambda t: t[0] + "9" * t[1])

# fmt: off
KEYS = [
    "case", "accounts", "parties", "holdings", "templates", "organization", "extends", "read_outside", "region",
    "as_of", "decisions", "image", "Resources", "Parameters", "<<", "on", "1", "",
]
# fmt: on


def plain_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(string.ascii_letters + string.digits + " -_./:*&!<>'\"[]{},#|\\\t\n", max_size=max_size)


SCALARS = st.one_of(
    st.sampled_from(ODD_SCALARS), plain_text(), st.integers().map(str), st.floats().map(repr), LONG_NUMBERS
)


@st.composite
def yaml_documents(draw: st.DrawFn, max_leaves: int = 30) -> str:
    """A YAML document of flow collections, with anchors on some values and aliases to them."""
    anchors: list[str] = []

    def render(value: Any) -> str:
        if isinstance(value, list):
            text = "[" + ", ".join(render(v) for v in value) + "]"
        elif isinstance(value, dict):
            text = "{" + ", ".join(f"{k}: {render(v)}" for k, v in value.items()) + "}"
        else:
            text = str(value)
        if draw(st.integers(0, 5)) == 0 and anchors and not isinstance(value, str):
            return f"*{draw(st.sampled_from(anchors))}"
        if draw(st.integers(0, 4)) == 0:
            name = f"a{len(anchors)}"
            anchors.append(name)
            return f"&{name} {text}"
        return text

    tree = draw(
        st.recursive(
            SCALARS,
            lambda inner: st.one_of(
                st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
            ),
            max_leaves=max_leaves,
        )
    )
    top = draw(st.dictionaries(st.sampled_from(KEYS), st.just(tree), min_size=1, max_size=3))
    lines = [f"{key}: {render(value)}" for key, value in top.items()]
    depth = draw(st.integers(0, 3))
    if depth:  # deep nesting, just over or under the bound
        lines.append("image: " + "[" * draw(st.sampled_from([99, 100, 101, 5000])))
    return "\n".join(lines) + "\n"


BASE = """case: ca-v-hhs
accounts: {cms: "111111111111", dhs: "222222222222"}
parties: {DHS: {accounts: [dhs]}}
holdings:
  - {resource: "arn:aws:s3:::b/*", program: medicaid, states: all, populations: all, fields: [address]}
templates:
  - {path: t.yaml, account: cms, parameters: {Stage: prod}}
organization:
  scps: [{path: scp.json, targets: [cms]}]
"""


@st.composite
def configs(draw: st.DrawFn) -> str:
    """The valid BASE with one top-level key's value replaced by a random YAML value."""
    key = draw(
        st.sampled_from(
            [
                "case",
                "accounts",
                "parties",
                "holdings",
                "templates",
                "organization",
                "region",
                "as_of",
                "decisions",
                "image",
                "read_outside",
                "extends",
            ]
        )
    )
    value = draw(yaml_documents(max_leaves=12)).split(": ", 1)[1].split("\n", 1)[0]
    kept = [line for line in BASE.splitlines() if not line.startswith(f"{key}:")]
    kept = [line for line in kept if not (line.startswith("  ") and key in ("holdings", "templates"))]
    return "\n".join(kept) + f"\n{key}: {value}\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "t.yaml").write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n", encoding="utf-8")
    (folder / "scp.json").write_text('{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}')
    (folder / "sub").mkdir()
    return folder


def only_enjoin_errors(call: Any) -> None:
    """Run ``call``: a return or an EnjoinError of one line passes; any other exception fails the test."""
    try:
        call()
    except EnjoinError as error:
        assert "\n" not in str(error)


# -- (a) enjoin.yaml ------------------------------------------------------------------------------


@BUDGET
@given(
    st.one_of(
        yaml_documents().map(str.encode),
        configs().map(str.encode),
        plain_text(400).map(str.encode),
        st.binary(max_size=200),
    )
)
@example(BOMB.encode())
@example(DEEP.encode())
@example(f"region: {DIGITS}\n".encode())
@example(b"\x89PNG\r\n\x1a\n\x00\x00")
@example((BASE + "extends: /etc/passwd\n").encode())
@example((BASE + "extends: sub\n").encode())
@example(b"case: [!!timestamp z]\n")
def test_config_text(workdir: Path, data: bytes) -> None:
    path = workdir / "enjoin.yaml"
    path.write_bytes(data)
    only_enjoin_errors(lambda: load(path))


# -- (b) templates --------------------------------------------------------------------------------

# fmt: off
TAGS = [
    "!Ref", "!GetAtt", "!Sub", "!Join", "!If", "!Select", "!Split", "!FindInMap", "!Base64", "!Cidr", "!GetAZs",
    "!ImportValue", "!Equals", "!Not", "!And", "!Or", "!Condition", "!Transform", "!Unknown",
]
# fmt: on


@st.composite
def templates(draw: st.DrawFn) -> str:
    """A template-shaped YAML document: sections, resources with a Type, properties of random YAML."""
    value = draw(yaml_documents(max_leaves=15)).split(": ", 1)[1].split("\n", 1)[0]
    tag = draw(st.sampled_from(["", *TAGS]))
    section = draw(st.sampled_from(["Parameters", "Conditions", "Outputs", "Mappings", "Metadata", "Transform"]))
    return (
        f"{section}: {value}\n"
        "Resources:\n"
        f"  {draw(st.sampled_from(['B', 'Fn::ForEach::X', '1', '[a]']))}:\n"
        f"    Type: {draw(st.sampled_from(['AWS::S3::Bucket', 'AWS::IAM::Role', '!Ref T', '[1]', '']))}\n"
        f"    Properties: {tag} {value}\n"
    )


@BUDGET
@given(
    st.one_of(templates(), yaml_documents(), plain_text(400)).map(str.encode) | st.binary(max_size=200),
    st.sampled_from([".yaml", ".json"]),
)
@example((BOMB + "Resources:\n  B: {Type: x, Metadata: *i}\n").encode(), ".yaml")
@example(DEEP.encode(), ".yaml")
@example(DEEP.encode(), ".json")
@example(('{"Resources": {"B": {"Type": "x", "Metadata": ' + DIGITS + "}}}").encode(), ".json")
@example(b"Resources: &r\n  B: *r\n", ".yaml")
@example(b"Resources:\n  B: {Type: x, Metadata: !!timestamp z}\n", ".yaml")
def test_template_text(workdir: Path, data: bytes, suffix: str) -> None:
    path = workdir / f"template{suffix}"
    path.write_bytes(data)
    only_enjoin_errors(lambda: load_template(path))


# -- (c) enjoin decide ----------------------------------------------------------------------------

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
ARNS = st.sampled_from(
    [
        "",
        "*",
        "arn:aws:s3",
        "arn:aws:s3:::b/k",
        "arn:aws:iam::123:role",
        "arn:aws:iam::111111111111:role/R",
        "arn:aws:iam::111111111111:user/u",
        "arn:aws:sts::111111111111:assumed-role/R/s",
        "arn:aws:iam::111111111111:root",
        "arn:::::",
        "arn:aws:iam::111111111111:role/",
        "arn:aws:s3:::b/${aws:username}",
    ]
)
STATEMENTS = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny", "allow", 1]),
        "Action": st.sampled_from(["*", "s3:*", "s3:Get*", ["s3:GetObject"], 3]),
    },
    optional={
        "Resource": st.one_of(ARNS, JSON),
        "NotResource": ARNS,
        "Principal": st.sampled_from(["*", {"AWS": "*"}, {"AWS": "arn:aws:iam::111111111111:root"}, {"Service": 1}]),
        "Condition": st.dictionaries(
            st.sampled_from(
                [
                    "StringEquals",
                    "StringLike",
                    "NumericLessThan",
                    "DateGreaterThan",
                    "IpAddress",
                    "Bool",
                    "Null",
                    "ArnLike",
                    "ForAnyValue:StringEquals",
                    "StringEqualsIfExists",
                    "Bogus",
                ]
            ),
            st.dictionaries(
                st.sampled_from(["aws:SourceIp", "aws:CurrentTime", "s3:prefix", "aws:PrincipalTag/t"]),
                st.one_of(JSON, st.just(float("nan")), st.just(10**30)),
            ),
            max_size=2,
        ),
    },
)
POLICIES = st.one_of(st.fixed_dictionaries({"Statement": st.lists(STATEMENTS, max_size=3)}), JSON)
CASES = st.fixed_dictionaries(
    {"principal": ARNS, "action": st.sampled_from(["s3:GetObject", "s3", "iam:PassRole", ""]), "resource": ARNS},
    optional={
        "name": st.one_of(st.text(max_size=10), JSON),
        "identity_policies": st.lists(POLICIES, max_size=2),
        "resource_policy": POLICIES,
        "permissions_boundary": POLICIES,
        "scps": st.lists(st.lists(POLICIES, max_size=2), max_size=2),
        "context": st.one_of(st.dictionaries(st.sampled_from(["aws:SourceIp", "aws:CurrentTime", "k"]), JSON), JSON),
        "principal_tags": JSON,
        "principal_org_paths": JSON,
        "resource_account": JSON,
        "unknown": JSON,
    },
)


@st.composite
def decide_inputs(draw: st.DrawFn) -> bytes:
    cases = draw(st.lists(st.one_of(CASES, JSON), min_size=0, max_size=3))
    layout = draw(st.sampled_from(["array", "lines", "one"]))
    if layout == "array":
        text = json.dumps(cases)
    elif layout == "lines":
        text = "\n".join(json.dumps(c) for c in cases)
    else:
        text = json.dumps(cases[0] if cases else {})
    if draw(st.booleans()):  # a cut, or a splice of something else
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", DEEP[:300], DIGITS, "NaN", "\n{", "\x00", "\ufeff"])) + text[cut:]
    return text.encode()


@BUDGET
@given(st.one_of(decide_inputs(), st.binary(max_size=200), plain_text(200).map(str.encode)), st.booleans())
@example(b"", False)
@example(b"  \n", False)
@example(DEEP.encode(), False)
@example(
    b'{"principal": "arn:aws:iam::111111111111:user/u", "action": "s3:GetObject", "resource": '
    + DIGITS.encode()
    + b"}",
    True,
)
@example(b"\xff\xfe{}", False)
def test_decide_input(data: bytes, any_context: bool) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["-", "--any-context"] if any_context else ["-"]
    code = decide(argv, stdout=out, stderr=err, stdin=io.BytesIO(data))
    assert code in (0, 1, 2)
    assert all(line.startswith("enjoin decide: ") for line in err.getvalue().splitlines())
    for line in out.getvalue().splitlines():
        assert json.loads(line)["decision"] in ("ALLOW", "EXPLICIT_DENY", "IMPLICIT_DENY", "INDETERMINATE")
    assert (code == 0) == (err.getvalue() == "")
