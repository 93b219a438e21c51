"""The engine's conformance corpus: every case in ``tests/engine/corpus/*.jsonl``, twice.

Each line of a corpus file is one case in the input format of ``enjoin decide`` plus three keys
this runner strips: ``expect`` (the decision AWS's documentation gives, or ``ERROR`` for a case
that is not valid input), ``any_context`` (ask the existential question) and ``rule`` (the
documented rule the case checks, with the AWS page it comes from). The expected decisions were
derived from the documentation, never from the engine.

- ``test_library``: the case through the library API (``compile_policy`` + ``decide``/``possible``).
  An existential ALLOW must come with a witness that ``decide`` confirms.
- ``test_cli``: the case's line in the output of ``enjoin decide`` run once over its whole file
  (the runner's keys stripped). An ERROR case must be reported by name while the other cases of
  the same file are still answered, and the run must then exit non-zero.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, decide, possible
from enjoin.errors import EnjoinError

CORPUS = Path(__file__).parent / "corpus"
RUNNER_KEYS = ("expect", "any_context", "rule")
REQUIRED = ("principal", "action", "resource")
# Keys of the ``enjoin decide`` format (issue 3) and what each becomes in a Request.
POLICY_KEYS = {
    "identity_policies": PolicyKind.IDENTITY,
    "permissions_boundary": PolicyKind.BOUNDARY,
    "session_policy": PolicyKind.SESSION,
    "scps": PolicyKind.SCP,
    "rcps": PolicyKind.RCP,
    "resource_policy": PolicyKind.RESOURCE,
}
PLAIN_KEYS = (
    "resource_account",
    "principal_tags",
    "resource_tags",
    "principal_org_id",
    "principal_org_paths",
    "principal_id",
    "context",
)
CASE_KEYS = frozenset({"name", *REQUIRED, *POLICY_KEYS, *PLAIN_KEYS})
EXPECTATIONS = frozenset({d.value for d in Decision} | {"ERROR"})


@dataclasses.dataclass(frozen=True)
class Case:
    """One corpus line: the CLI input, what the documentation expects, and where it is."""

    file: str
    line: int
    data: Mapping[str, Any]  # the case as ``enjoin decide`` reads it
    expect: str
    any_context: bool
    rule: str

    @property
    def name(self) -> str:
        return str(self.data.get("name", f"line {self.line}"))

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.name}"

    @property
    def case_format_error(self) -> bool:
        """The case itself (not one of its policies) breaks the input format: only the CLI can judge it."""
        return bool(set(self.data) - CASE_KEYS) or any(k not in self.data for k in REQUIRED)


def load_corpus() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            if not text.strip():
                continue
            raw = json.loads(text)
            expect, any_context, rule = (raw.pop(k) for k in RUNNER_KEYS)
            cases.append(Case(path.name, number, raw, expect, any_context, rule))
    return cases


CASES = load_corpus()


def test_corpus_is_well_formed() -> None:
    """Every case names a known expectation and a documented rule; names are unique per file."""
    problems = [c.id for c in CASES if c.expect not in EXPECTATIONS or not isinstance(c.any_context, bool)]
    problems += [c.id for c in CASES if len(c.rule) < 40 or "," not in c.rule]
    seen: set[tuple[str, str]] = set()
    for c in CASES:
        if (c.file, c.name) in seen:
            problems.append(f"duplicate name {c.id}")
        seen.add((c.file, c.name))
    assert problems == []
    assert len(CASES) >= 200


# --------------------------------------------------------------------------- library API


def build_request(case: Case) -> Request:
    """The Request for a case; policies compiled with labels naming the case and the key."""
    d = case.data

    def comp(doc: Any, key: str, kind: PolicyKind) -> Any:
        return compile_policy(doc, label=f"{case.name}: {key}", kind=kind)

    kwargs: dict[str, Any] = {k: d[k] for k in REQUIRED}
    for key, kind in POLICY_KEYS.items():
        value = d.get(key)
        if value is None:
            continue
        if key == "identity_policies":
            kwargs[key] = tuple(comp(doc, f"{key}[{i}]", kind) for i, doc in enumerate(value))
        elif key in ("scps", "rcps"):
            kwargs[key] = tuple(
                tuple(comp(doc, f"{key}[{i}][{j}]", kind) for j, doc in enumerate(level))
                for i, level in enumerate(value)
            )
        else:
            kwargs[key] = comp(value, key, kind)
    for key in PLAIN_KEYS:
        if d.get(key) is not None:
            kwargs[key] = d[key]
    if "principal_org_paths" in kwargs:
        kwargs["principal_org_paths"] = tuple(kwargs["principal_org_paths"])
    if "context" in kwargs:
        kwargs["context"] = as_context(kwargs["context"])
    return Request(**kwargs)


def as_context(raw: Mapping[str, Any]) -> dict[str, Any]:
    """CLI context values (strings or lists of strings) as Request context values."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def confirm_witness(request: Request, witness: Mapping[str, Any] | None) -> Decision:
    assert witness is not None, "an existential ALLOW must carry a witness context"
    return decide(dataclasses.replace(request, context=as_context(witness))).decision


LIBRARY_CASES = [c for c in CASES if not c.case_format_error]


@pytest.mark.parametrize("case", LIBRARY_CASES, ids=[c.id for c in LIBRARY_CASES])
def test_library(case: Case) -> None:
    if case.expect == "ERROR":
        with pytest.raises(EnjoinError) as caught:
            build_request(case)
        # The error names the place: the label given to compile_policy names the case and the key.
        assert case.name in caught.value.where
        return
    request = build_request(case)
    if case.any_context:
        answer = possible(request)
        assert (answer.decision.value, case.rule) == (case.expect, case.rule)
        if answer.decision is Decision.ALLOW:
            assert confirm_witness(request, answer.witness) is Decision.ALLOW
    else:
        result = decide(request)
        assert (result.decision.value, case.rule) == (case.expect, case.rule)
        if result.decision is Decision.INDETERMINATE:
            assert result.unsupported, "INDETERMINATE must say what was not supported"


# --------------------------------------------------------------------------- CLI


@dataclasses.dataclass(frozen=True)
class CliRun:
    """One ``enjoin decide`` run over the cases of one file that share ``any_context``."""

    returncode: int
    records: tuple[Mapping[str, Any], ...]  # stdout, one JSON object per line
    stderr: str


def enjoin_command() -> list[str]:
    """The installed ``enjoin`` console script, or the same entry point through this interpreter."""
    script = shutil.which("enjoin")
    if script is not None:
        return [script]
    return [sys.executable, "-c", "import sys; from enjoin.cli import main; sys.exit(main())"]


def run_cli(path: Path, any_context: bool) -> CliRun:
    argv = [*enjoin_command(), "decide", str(path)]
    if any_context:
        argv.append("--any-context")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    records = tuple(json.loads(line) for line in done.stdout.splitlines() if line.strip())
    return CliRun(done.returncode, records, done.stderr)


@cache
def cli_output(file: str, any_context: bool, tmp_root: str) -> CliRun:
    """Run the CLI once over every case of ``file`` with this ``any_context``, runner keys stripped."""
    group = [c for c in CASES if c.file == file and c.any_context == any_context]
    path = Path(tmp_root) / f"{Path(file).stem}-{'any' if any_context else 'concrete'}.jsonl"
    path.write_text("".join(json.dumps(c.data) + "\n" for c in group))
    return run_cli(path, any_context)


@pytest.fixture(scope="session")
def cli_tmp(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("corpus-cli"))


def records_named(run: CliRun, name: str) -> list[Mapping[str, Any]]:
    return [r for r in run.records if r.get("name") == name]


def reports_error(run: CliRun, case: Case) -> bool:
    """The run reports ``case`` as an error: an error record for it on stdout, or its name on stderr."""
    as_record = any("decision" not in r or "error" in r for r in records_named(run, case.name))
    return as_record or case.name in run.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli(case: Case, cli_tmp: str) -> None:
    run = cli_output(case.file, case.any_context, cli_tmp)
    group = [c for c in CASES if c.file == case.file and c.any_context == case.any_context]
    if case.expect == "ERROR":
        assert reports_error(run, case), f"no error reported for {case.name!r}; stderr: {run.stderr[-500:]}"
        assert not [r for r in records_named(run, case.name) if "decision" in r and "error" not in r]
        assert run.returncode != 0
        return
    answered = [r for r in records_named(run, case.name) if "decision" in r]
    assert len(answered) == 1, f"expected one answer for {case.name!r}; stderr: {run.stderr[-500:]}"
    record = answered[0]
    assert (record["decision"], case.rule) == (case.expect, case.rule)
    assert isinstance(record.get("explanation"), list)
    if case.any_context and record["decision"] == "ALLOW":
        assert confirm_witness(build_request(case), record.get("witness")) is Decision.ALLOW
    # Answers come in input order: this case's answer sits after the answers of the cases before it.
    answered_names = [r.get("name") for r in run.records if "decision" in r and "error" not in r]
    expected_order = [c.name for c in group if c.expect != "ERROR"]
    assert answered_names == expected_order
    assert (run.returncode != 0) == any(c.expect == "ERROR" for c in group)


def test_cli_reports_a_line_that_is_not_json(tmp_path: Path) -> None:
    """A line of bad JSON between good cases: an error naming the line, the other cases answered."""
    good = [c for c in CASES if c.file == "grammar-and-matching.jsonl"][:2]
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(good[0].data) + "\n{not json\n" + json.dumps(good[1].data) + "\n")
    run = run_cli(path, any_context=False)
    assert [(r.get("name"), r.get("decision")) for r in run.records if "decision" in r] == [
        (good[0].name, good[0].expect),
        (good[1].name, good[1].expect),
    ]
    assert "2" in run.stderr or any("error" in r for r in run.records)
    assert run.returncode != 0


def test_cli_reads_a_json_array_and_a_single_object(tmp_path: Path) -> None:
    """FILE holds one JSON object, a JSON array of them, or JSON Lines (issue 3)."""
    good = [c for c in CASES if c.file == "grammar-and-matching.jsonl"][:3]
    array = tmp_path / "array.json"
    array.write_text(json.dumps([c.data for c in good], indent=2))
    single = tmp_path / "single.json"
    single.write_text(json.dumps(good[0].data, indent=2))
    ran_array, ran_single = run_cli(array, any_context=False), run_cli(single, any_context=False)
    assert [(r["name"], r["decision"]) for r in ran_array.records] == [(c.name, c.expect) for c in good]
    assert [(r["name"], r["decision"]) for r in ran_single.records] == [(good[0].name, good[0].expect)]
    assert (ran_array.returncode, ran_single.returncode) == (0, 0)
