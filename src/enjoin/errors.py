"""The one error base class of enjoin and its families.

Every error says where (file, line, key, resource), what was expected and what was found. Errors
never print: the CLI and the pytest plugin decide how to show them.

An error is one line of bounded length, whatever the input: ``where`` and ``found`` often quote the
user's input (a key, a value, a parser's complaint), and a hostile or mistaken input (a binary file
named as a config, a megabyte-long key) must not flood a terminal or a CI log, nor smuggle in
newlines or terminal escape sequences. So :class:`EnjoinError` keeps at most :data:`EXCERPT`
characters of each, says how many it cut, and writes control characters as escapes.
"""

from __future__ import annotations

# The most characters of ``where`` and of ``found`` an error keeps: enough for a path, a key path and
# a value's beginning; an excerpt, never a file.
EXCERPT = 400

# A line break reads as a space (a parser's multi-line complaint stays one line); every other control
# character, ESC included, is shown escaped, so that it is seen and cannot act on the terminal.
_CONTROL: dict[int, str] = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL.update({ord("\t"): "\\t", ord("\n"): " ", ord("\r"): " ", 0x85: " ", 0x2028: " ", 0x2029: " "})


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` on one line, cut to ``limit`` characters with a note of how many more there were."""
    line = text.translate(_CONTROL)
    if len(line) <= limit:
        return line
    return f"{line[:limit]}... ({len(line) - limit} more characters not shown)"


class EnjoinError(Exception):
    """Base of every error enjoin raises for a user's input or environment.

    Args:
        where: the place the problem is at: ``"enjoin.yaml: holdings[2].fields"``,
            ``"infra/data-lake.yaml: resource EligibilityBucket, property BucketEncryption"``.
            Kept as :func:`excerpt` makes it.
        expected: what enjoin expected there (enjoin's own words, kept whole).
        found: what it found instead. Kept as :func:`excerpt` makes it.
    """

    def __init__(self, where: str, expected: str, found: str) -> None:
        self.where = excerpt(where)
        self.expected = expected
        self.found = excerpt(found)
        super().__init__(f"{self.where}: expected {expected}; found {self.found}")


class ConfigError(EnjoinError):
    """The user's enjoin.yaml is malformed or names something that does not exist."""


class CaseError(EnjoinError):
    """A case file (the law as data) is malformed, or a case or clause is unknown."""


class PolicyError(EnjoinError):
    """A policy document is not valid IAM policy grammar."""


class DeployError(EnjoinError):
    """A template could not be deployed exactly as written."""


class BackendError(EnjoinError):
    """A backend is unavailable or misconfigured (no Docker engine, no credentials, ...)."""


class InventoryError(EnjoinError):
    """The deployed state could not be read back, or a snapshot file is malformed."""


class EvidenceError(EnjoinError):
    """A saved snapshot (an evidence file) is malformed, altered since it was saved, or was taken for other
    accounts than the configuration judging it names."""


class TemplateRejected(DeployError):
    """A template CloudFormation would reject: cfn-lint's blocking rules or enjoin's own found a bug in it.

    Args:
        where: the first blocking problem's place: ``"infra/lake.yaml: line 12: resource B, property Foo"``.
        expected: ``"a template CloudFormation accepts (cfn-lint <version>)"``.
        found: the first blocking problem's rule and message, then how many more there are.
        problems: every problem found (``enjoin.iac.cloudformation.validate.Problem``), blocking or not,
            sorted by line; each one's ``blocking`` says which would make CloudFormation refuse the template.
    """

    def __init__(self, where: str, expected: str, found: str, problems: list[object] | None = None) -> None:
        super().__init__(where, expected, found)
        self.problems: list[object] = list(problems or [])
