"""Backends: where AWS is. Only a backend knows; deploy and inventory just ask it for clients.

A backend hands out boto3 clients per account and region. The in-process moto backend, a moto
server in a container and a live account are interchangeable behind :class:`Backend`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from enjoin.config_model import LiveConfig


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


def get_backend(name: str, *, image: str | None = None, live: LiveConfig | None = None) -> Backend:
    """The backend called ``name``; a BackendError names the choices or what is missing.

    Args:
        image: the container backend's image.
        live: the live backend's ``live:`` section of enjoin.yaml (required for "live").
    """
    from enjoin.errors import BackendError

    if name == "moto":
        from enjoin.backends.moto import MotoBackend

        return MotoBackend()
    if name == "container":
        from enjoin.backends.container import ContainerBackend

        return ContainerBackend(image=image)
    if name == "live":
        from enjoin.backends.live import LiveBackend

        if live is None:
            raise BackendError("--enjoin-backend live", "the live: section of enjoin.yaml (its audit roles)", "none")
        return LiveBackend(live)
    raise BackendError("--enjoin-backend", f"one of {', '.join(BACKENDS)}", repr(name))
