"""The container backend: moto's server in a Docker container that testcontainers starts.

:meth:`ContainerBackend.start` checks that a Docker engine answers (short timeouts: no hang), finds
the image (pulling it only when it is not local and may come from a registry), has testcontainers
start it with the server's port published, waits until the server answers over HTTP, and from then on
hands out the clients of a :class:`~enjoin.backends.moto.MotoBackend` pointed at that endpoint: deploy
and inventory run unchanged, and the state they create lives in the container, not in this process.
:meth:`ContainerBackend.stop` removes the container.

The image, the first of: ``ContainerBackend(image=...)`` (the pytest option ``--enjoin-image``, else
``image:`` in enjoin.yaml); the ``ENJOIN_IMAGE`` environment variable (scripts/test.sh sets it to the
image it built); the newest local image that ``scripts/build-image.sh`` built for this moto version
(``enjoin/moto-server:<hash>``, recognised by its labels); the official ``motoserver/moto:5.2.1``, which
needs a registry.

Docker: ``DOCKER_HOST`` (default ``unix:///var/run/docker.sock``) names the engine; ``scripts/docker-up.sh``
starts one. testcontainers' reaper (Ryuk) is an image of its own that no registry serves here and its
guess of how to reach a container fails inside a container, so ``TESTCONTAINERS_RYUK_DISABLED=true`` and
``TESTCONTAINERS_CONNECTION_MODE=docker_host`` are set when unset: stop() removes the container itself.
"""

from __future__ import annotations

import contextlib
import os
import time
import urllib.request
from typing import Any

from testcontainers.core.waiting_utils import WaitStrategy

from enjoin.backends.moto import MotoBackend
from enjoin.errors import BackendError

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
MOTO_VERSION = "5.2.1"
OFFICIAL_IMAGE = f"motoserver/moto:{MOTO_VERSION}"
LOCAL_REPOSITORY = "enjoin/moto-server"
# Labels that scripts/build-image.sh puts on the image it builds.
IMAGE_LABEL = "org.enjoin.image=moto-server"
VERSION_LABEL = "org.enjoin.moto-version"
SERVER_PORT = 5000
IMAGE_ENV = "ENJOIN_IMAGE"
# Answers 2xx as soon as the server routes requests, and costs nothing (data.json would dump every model).
READY_PATH = "/moto-api/config"
HOW_TO_GET_AN_ENGINE = "start one with scripts/docker-up.sh, or point DOCKER_HOST at one"
HOW_TO_GET_THE_IMAGE = (
    "build it with scripts/build-image.sh and name it with --enjoin-image or `image:` in enjoin.yaml"
)
TESTCONTAINERS_ENV = {
    "TESTCONTAINERS_RYUK_DISABLED": "true",
    "TESTCONTAINERS_CONNECTION_MODE": "docker_host",
}


def docker_host() -> str:
    """The Docker engine's address: ``DOCKER_HOST``, else the default unix socket."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


def engine_problem(timeout: float = 3.0) -> str | None:
    """None when a Docker engine answers at :func:`docker_host`; else one line saying what is missing.

    Args:
        timeout: seconds to wait for the engine's answer (a socket that does not exist fails at once).
    """
    try:
        _engine_client(timeout).close()
    except BackendError as error:
        return error.found
    return None


def _engine_client(timeout: float) -> Any:
    """A docker SDK client that has answered a ping, or a BackendError saying why there is none."""
    # The docker SDK ships no type hints (types-docker would add them): typed as Any here.
    import docker  # type: ignore[import-untyped]
    import docker.errors  # type: ignore[import-untyped]

    host = docker_host()
    where = "--enjoin-backend container: Docker engine"
    expected = f"a Docker engine answering at {host} ({HOW_TO_GET_AN_ENGINE})"
    try:
        # version="auto" asks the engine for its API version: the first request, bounded by timeout.
        client = docker.DockerClient(base_url=host, version="auto", timeout=timeout)
    except docker.errors.DockerException as error:
        raise BackendError(where, expected, f"no Docker engine at {host}: {_cause(error)}") from None
    try:
        client.ping()
    except Exception as error:  # the SDK raises requests' and its own errors alike here
        client.close()
        raise BackendError(where, expected, f"no Docker engine at {host}: {_cause(error)}") from None
    return client


def _cause(error: BaseException) -> str:
    """The innermost reason of a docker SDK / requests error, on one line."""
    text = str(error)
    for marker in ("Error while fetching server API version: ",):
        text = text.replace(marker, "")
    return " ".join(text.split())


def local_image(client: Any) -> str | None:
    """The newest image scripts/build-image.sh built for :data:`MOTO_VERSION`, if any is local."""
    images = client.images.list(
        name=LOCAL_REPOSITORY, filters={"label": [IMAGE_LABEL, f"{VERSION_LABEL}={MOTO_VERSION}"]}
    )
    tagged = [(image.attrs.get("Created", ""), tag) for image in images for tag in image.tags]
    tagged = [(created, tag) for created, tag in tagged if tag.startswith(f"{LOCAL_REPOSITORY}:")]
    return max(tagged)[1] if tagged else None


def _set_testcontainers_env() -> None:
    """Set testcontainers' two variables when unset, also in its configuration if already imported."""
    for name, value in TESTCONTAINERS_ENV.items():
        os.environ.setdefault(name, value)
    # testcontainers reads the connection mode when it is first imported: make a late setting count.
    from testcontainers.core.config import ConnectionMode
    from testcontainers.core.config import testcontainers_config as config

    config.ryuk_disabled = os.environ["TESTCONTAINERS_RYUK_DISABLED"].lower() == "true"
    config.connection_mode_override = ConnectionMode(os.environ["TESTCONTAINERS_CONNECTION_MODE"])


class ContainerBackend:
    """A moto server in a container started by testcontainers, reached over HTTP.

    Args:
        image: the image to run; None takes ``ENJOIN_IMAGE``, else :func:`local_image`, else
            :data:`OFFICIAL_IMAGE`.
        startup_timeout: seconds the server may take to answer once its container runs.
        engine_timeout: seconds to wait for the Docker engine's answer before saying there is none.
    """

    name = "container"
    can_deploy = True

    def __init__(
        self, image: str | None = None, *, startup_timeout: float = 60.0, engine_timeout: float = 5.0
    ) -> None:
        self.requested_image = image
        self.startup_timeout = startup_timeout
        self.engine_timeout = engine_timeout
        #: the image the running container was started from (known once started)
        self.image: str | None = None
        self._container: Any = None
        self._moto: MotoBackend | None = None

    @property
    def endpoint_url(self) -> str:
        """The moto server's URL on this machine (``http://localhost:32768``)."""
        if self._moto is None or self._moto.endpoint_url is None:
            raise BackendError("container backend", "a started backend (call start() first)", "not started")
        return self._moto.endpoint_url

    @property
    def container_id(self) -> str:
        """The Docker id of the running container."""
        if self._container is None:
            raise BackendError("container backend", "a started backend (call start() first)", "not started")
        return str(self._container.get_container_id())

    def start(self) -> None:
        """Start the container and wait until moto's server answers. Idempotent.

        Raises:
            BackendError: no Docker engine answers, the image is neither local nor pullable, or the
                container stops or stays silent past ``startup_timeout``.
        """
        if self._moto is not None:
            return
        _set_testcontainers_env()
        client = _engine_client(self.engine_timeout)
        try:
            image = self.requested_image or os.environ.get(IMAGE_ENV) or local_image(client) or OFFICIAL_IMAGE
            _ensure_image(client, image)
        finally:
            client.close()

        from testcontainers.core.container import DockerContainer

        container = (
            DockerContainer(image)
            .with_exposed_ports(SERVER_PORT)
            # The official image does not set it; without it AWS-managed policy ARNs do not resolve.
            .with_env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .waiting_for(_ServerAnswers(self.startup_timeout))
        )
        try:
            container.start()
        except BackendError:
            _remove_quietly(container)
            raise
        except Exception as error:  # docker SDK, requests and testcontainers errors alike
            _remove_quietly(container)
            raise BackendError(
                f"--enjoin-backend container: container of {image}",
                f"moto's server answering on port {SERVER_PORT}",
                _cause(error),
            ) from None
        self._container = container
        self.image = image
        host = container.get_container_host_ip()
        port = container.get_exposed_port(SERVER_PORT)
        self._moto = MotoBackend(endpoint_url=f"http://{host}:{port}")

    def stop(self) -> None:
        """Remove the container: everything the server held is gone. Idempotent."""
        container, self._container = self._container, None
        moto, self._moto = self._moto, None
        if moto is not None:
            moto.stop()
        if container is not None:
            container.stop()

    def reset(self) -> None:
        """Empty every account in the server, keeping the container (POST /moto-api/reset)."""
        self._started().reset()

    def client(self, service: str, account: str, region: str) -> Any:
        """A boto3 client for ``service`` acting in ``account`` and ``region``, talking to the container."""
        return self._started().client(service, account, region)

    def _started(self) -> MotoBackend:
        if self._moto is None:
            raise BackendError("container backend", "a started backend (call start() first)", "not started")
        return self._moto


def _ensure_image(client: Any, image: str) -> None:
    """Pull ``image`` unless it is local; a BackendError names it and how to build one when neither works."""
    import docker.errors

    try:
        client.images.get(image)
        return
    except docker.errors.ImageNotFound:
        pass
    where = f"--enjoin-backend container: image {image}"
    expected = f"the image present locally or pullable from its registry ({HOW_TO_GET_THE_IMAGE})"
    if image.startswith(f"{LOCAL_REPOSITORY}:"):
        # Built here by scripts/build-image.sh: no registry has it, and asking one would leak the name.
        raise BackendError(where, expected, "not present locally (it is built here, never pulled)")
    try:
        client.images.pull(image)  # the SDK splits off the tag or digest (none: latest)
    except Exception as error:  # docker.errors.APIError, requests' timeouts...
        raise BackendError(
            where, expected, f"not present locally, and pulling it failed: {_cause(error)}"
        ) from None


def _remove_quietly(container: Any) -> None:
    """Remove a container that failed to start; its removal failing must not hide why it failed."""
    with contextlib.suppress(Exception):  # the start error is the one to report
        container.stop()


def _tail(container: Any, lines: int = 5) -> str:
    """The last lines the container printed, on one line, to say why it stopped."""
    try:
        stdout, stderr = container.get_logs()
    except Exception:  # the container may be gone already
        return "(no logs)"
    text = (stdout + stderr).decode(errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "(no output)"


class _ServerAnswers(WaitStrategy):
    """Ready when the server answers HTTP; a BackendError as soon as the container stops or time is up.

    testcontainers' own HttpWaitStrategy would poll a stopped container until its timeout.
    """

    def __init__(self, timeout: float, interval: float = 0.2) -> None:
        super().__init__()
        self.timeout = timeout
        self.interval = interval

    def wait_until_ready(self, container: Any) -> None:
        deadline = time.monotonic() + self.timeout
        where = f"--enjoin-backend container: container of {container.image}"
        expected = f"moto's server answering on port {SERVER_PORT} within {self.timeout:g} s"
        host = container.get_container_host_ip()
        wrapped = container.get_wrapped_container()
        while True:
            wrapped.reload()
            if wrapped.status in ("exited", "dead"):
                raise BackendError(where, expected, f"the container stopped: {_tail(container)}")
            # Read from the container's own record: testcontainers' lookup waits for a running state
            # that a container which stops at once never reaches, and says only that.
            published = (wrapped.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(
                f"{SERVER_PORT}/tcp"
            )
            if published:
                url = f"http://{host}:{published[0]['HostPort']}{READY_PATH}"
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if 200 <= response.status < 300:
                            return
                except OSError:  # URLError included: not listening yet
                    pass
            if time.monotonic() > deadline:
                raise BackendError(where, expected, f"no answer; its last output: {_tail(container)}")
            time.sleep(self.interval)
