"""Report: what a run decided, for the people and tools that read it.

- :mod:`enjoin.report.contract`: a Judgment as the JSON verdict contract, and the plain-text summary;
- :mod:`enjoin.report.evidence`: the evidence file, what a run read, judged again later;
- :mod:`enjoin.report.drift`: the drift report, what differs between the reviewed code and the accounts.

Every other rendering reads the same model as the contract.
"""

from enjoin.report.contract import summary, to_report

__all__ = ["summary", "to_report"]
