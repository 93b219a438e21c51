"""The one error base class of enjoin and its families.

Every error says where (file, line, key, resource), what was expected and what was found. Errors
never print: the CLI and the pytest plugin decide how to show them.
"""

from __future__ import annotations


class EnjoinError(Exception):
    """Base of every error enjoin raises for a user's input or environment.

    Args:
        where: the place the problem is at: ``"enjoin.yaml: holdings[2].fields"``,
            ``"infra/data-lake.yaml: resource EligibilityBucket, property BucketEncryption"``.
        expected: what enjoin expected there.
        found: what it found instead.
    """

    def __init__(self, where: str, expected: str, found: str) -> None:
        self.where = where
        self.expected = expected
        self.found = found
        super().__init__(f"{where}: expected {expected}; found {found}")


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
