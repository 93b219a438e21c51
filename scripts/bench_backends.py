"""Session start-up cost of the container backend next to the in-process one, in one run.

Container: the image build when it is cached (scripts/build-image.sh, a no-op then), the container's start
until moto's server answers, and the deploy of the reference deployment into it. In process: moto's start
and the same deploy. Prints each part, both totals and their ratio. Needs a Docker engine
(scripts/docker-up.sh) and the image built once (scripts/build-image.sh).

Run: python scripts/bench_backends.py [--config PATH]
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from enjoin.backends.container import ContainerBackend
from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.deploy import deploy

ROOT = Path(__file__).resolve().parents[1]


def _in_process(config_path: Path) -> dict[str, float]:
    config = load(config_path)
    backend = MotoBackend()
    t0 = time.perf_counter()
    backend.start()
    t1 = time.perf_counter()
    try:
        deploy(backend, config)
        t2 = time.perf_counter()
    finally:
        backend.stop()
    return {"start": t1 - t0, "deploy": t2 - t1}


def _container(config_path: Path) -> tuple[dict[str, float], str]:
    config = load(config_path)
    t0 = time.perf_counter()
    built = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-image.sh")], capture_output=True, text=True, check=True
    )
    image = built.stdout.strip().splitlines()[-1]
    t1 = time.perf_counter()
    backend = ContainerBackend(image=image)
    backend.start()
    t2 = time.perf_counter()
    try:
        deploy(backend, config)
        t3 = time.perf_counter()
    finally:
        backend.stop()
    return {"image build (cached)": t1 - t0, "container start": t2 - t1, "deploy": t3 - t2}, image


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, default=ROOT / "enjoin.yaml")
    args = parser.parse_args()

    # In process first: it pays moto's import, as a session does; the container side never imports moto.
    local = _in_process(args.config)
    remote, image = _container(args.config)

    print(f"session start-up on {args.config} (one run)")
    print("  in process (moto)")
    for name, seconds in local.items():
        print(f"    {name:<22} {seconds * 1000:9.1f} ms")
    print(f"    {'total':<22} {sum(local.values()) * 1000:9.1f} ms")
    print(f"  container ({image})")
    for name, seconds in remote.items():
        print(f"    {name:<22} {seconds * 1000:9.1f} ms")
    print(f"    {'total':<22} {sum(remote.values()) * 1000:9.1f} ms")
    print(f"  ratio container / in process: {sum(remote.values()) / sum(local.values()):.2f}x")


if __name__ == "__main__":
    main()
