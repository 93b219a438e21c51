"""A finding drawn for a terminal: a short headline and its path, one indented line per hop.

The finding's one-line ``message`` stays what logs and the JSON report carry; a person reading the summary sees::

    - VIOLATION: DHS reaches arn:aws:s3:::cms-tmsis-claims/* (it carries medical, outside the fields the order
      allows; 1 path found, this one a shortest)
        222222222222:role/IceAnalyst
          -> sts:AssumeRole 111111111111:role/DhsDisclosureReader  by IceRolesWithExternalId (trust policy of
             111111111111:role/DhsDisclosureReader), ...  when sts:ExternalId=cms-dhs-iaa-2025-0147-ice
          -> s3:GetObject arn:aws:s3:::cms-tmsis-claims/enjoin-probe  by ...

Each hop names the statements that allow it, but not the organisation's Allow statements (SCPs and RCPs allow
every hop they do not deny; the JSON report lists them), and the request context it needs.
"""

from __future__ import annotations

import re

from enjoin.engine import StatementRef
from enjoin.judgment import Finding, Verdict

_IAM = re.compile(r"arn:aws:(?:iam|sts)::(\d{12}):")
_WHY = re.compile(r" because (.*?)\. \d+ path\(s\) found")


def short(text: str) -> str:
    """IAM and STS ARNs as ``account:role/Name`` (the rest of such an ARN says nothing a reader needs)."""
    return _IAM.sub(r"\1:", text)


def _statement(s: StatementRef) -> str:
    name = s.sid or f"statement #{s.index}"
    return f"{name} ({short(s.policy)}){' DENY' if s.effect != 'Allow' else ''}"


def finding_lines(f: Finding, indent: str = "    ") -> list[str]:
    """The finding as a headline and one line per hop (a finding without a path: its message)."""
    if not f.hops and f.verdict is not Verdict.VIOLATION:
        return [f"{indent}- {f.verdict.value}: {f.message}"]
    if f.verdict is Verdict.VIOLATION:
        why = _WHY.search(f.message)
        found = f"{f.paths_found} path{'s' if f.paths_found != 1 else ''} found, this one a shortest"
        head = f"{f.party} reaches {f.holding} ({why.group(1) + '; ' if why else ''}{found})"
    else:
        head = f"could not decide whether {f.party} reaches {f.holding}"
    lines = [f"{indent}- {f.verdict.value}: {head}"]
    start = f.hops[0].principal if f.hops else f.principal
    lines.append(f"{indent}    {short(start)}")
    for hop in f.hops:
        by = ", ".join(_statement(s) for s in hop.statements if not s.policy.startswith(("SCP ", "RCP ")))
        when = ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}" for k, v in sorted(hop.context.items()))
        lines.append(f"{indent}      -> {hop.action} {short(hop.resource)}" + (f"  by {by}" if by else "")
                     + (f"  when {when}" if when else "") + (f"  ({hop.note})" if hop.note else ""))
    if f.verdict is not Verdict.VIOLATION:
        reason = f.message.split(f"{f.resource}: ", 1)[-1].split(". If reached", 1)[0]
        lines.append(f"{indent}      -> ? {f.action} {short(f.resource)}: {reason}")
    return lines
