"""Backends: where AWS is. Only a backend knows; deploy and inventory just ask it for clients.

A backend hands out boto3 clients per account and region. The in-process moto backend, a moto
server in a container and a live account are interchangeable behind :class:`Backend`.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Backend(Protocol):
    """What deploy and inventory need of a place where AWS runs."""

    #: "moto", "container" or "live"
    name: str
    #: False for the live account: enjoin never deploys there, it only reads.
    can_deploy: bool

    def start(self) -> None:
        """Bring the backend up (start the mock, the container...). Idempotent."""

    def stop(self) -> None:
        """Tear it down; everything it held is gone."""

    def client(self, service: str, account: str, region: str) -> Any:
        """A boto3 client for ``service`` acting in ``account`` (12 digits) and ``region``."""


BACKENDS = ("moto", "container", "live")


def get_backend(name: str, *, image: str | None = None) -> Backend:
    """The backend called ``name``; a BackendError names the choices or what is missing."""
    from enjoin.errors import BackendError

    if name == "moto":
        from enjoin.backends.moto import MotoBackend

        return MotoBackend()
    if name == "container":
        from enjoin.backends.container import ContainerBackend

        return ContainerBackend(image=image)
    if name == "live":
        raise BackendError(
            "--enjoin-backend live",
            "an available backend (moto, container)",
            "the live-account backend, which is not available yet: it needs read-only credentials handling "
            "and is planned work",
        )
    raise BackendError("--enjoin-backend", f"one of {', '.join(BACKENDS)}", repr(name))
