"""The exit codes of ``pytest`` with enjoin, ``enjoin judge`` and ``enjoin drift``: one table, for a CI to rely on.

=====  ==========================================================================================
code   meaning
=====  ==========================================================================================
0      COMPLIANT, or every clause NOT_APPLICABLE on the date judged (and every other test passed)
1      a VIOLATION or an INDETERMINATE clause (with pytest: or another test failed); ``enjoin drift`` (and
       pytest's ``--enjoin-drift``): live worse than the code on some clause, or any access-relevant drift
2      bad input: enjoin.yaml, a template, a policy file, the case, an option's value, a saved snapshot
3      enjoin could not finish: its own failure (a bug), or its environment (no Docker engine for
       the container backend, a backend that is not available)
=====  ==========================================================================================

pytest never ends with its "no tests collected" (5) when a configuration was given or found: the verdict
is given anyway. pytest's own usage errors (an option pytest does not know) keep pytest's 4.
"""

from __future__ import annotations

import enum

from enjoin.errors import BackendError, CaseError, ConfigError, DeployError, EnjoinError, EvidenceError, PolicyError
from enjoin.judgment import Verdict


class ExitCode(enum.IntEnum):
    """What a run's exit status says."""

    COMPLIANT = 0  # COMPLIANT or only NOT_APPLICABLE
    FAILED = 1  # VIOLATION or INDETERMINATE
    BAD_INPUT = 2  # the user's configuration, templates, policies, case or options
    ENJOIN_FAILED = 3  # enjoin's own failure or its environment


# What the user wrote is wrong: fixing the input fixes the run.
_BAD_INPUT: tuple[type[EnjoinError], ...] = (ConfigError, CaseError, PolicyError, DeployError, EvidenceError)


def for_error(error: BaseException) -> ExitCode:
    """The exit code of a run that stopped on ``error``.

    A backend that cannot start (no Docker engine, the live backend) and a deployment that cannot be read
    back are the environment's failure, not the input's; anything that is not an EnjoinError is a bug.
    """
    if isinstance(error, BackendError):
        return ExitCode.ENJOIN_FAILED
    if isinstance(error, _BAD_INPUT):
        return ExitCode.BAD_INPUT
    return ExitCode.ENJOIN_FAILED


def for_verdict(verdict: Verdict) -> ExitCode:
    """0 for COMPLIANT and NOT_APPLICABLE, 1 for VIOLATION and INDETERMINATE."""
    return ExitCode.COMPLIANT if verdict in (Verdict.COMPLIANT, Verdict.NOT_APPLICABLE) else ExitCode.FAILED


def for_drift(worse: bool, drifted: bool) -> ExitCode:
    """1 when live is worse than the code on some clause or anything access-relevant drifted, else 0.

    Any drift fails, not only a worse verdict: a role trusting DHS made by hand, with no data permission yet, leaves
    every verdict as it was and is exactly the overnight change the nightly job exists to catch; the job "fails on a
    VIOLATION, INDETERMINATE or drift" (issue 13). A drift the agency accepts is made in the reviewed code.
    """
    return ExitCode.FAILED if worse or drifted else ExitCode.COMPLIANT
