"""enjoin: hold deployed cloud permissions to a court order.

The pipeline (see the README): config -> case -> deploy (through a backend) -> inventory (a Snapshot)
-> reach (decided by the engine) -> judgment -> report. Each stage is a module with one job; the
pytest plugin in :mod:`enjoin.pytest_plugin` wires them for a test session.
"""

__version__ = "0.1.0"
