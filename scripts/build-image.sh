#!/usr/bin/env bash
# Build enjoin's moto server image locally, for machines that reach no container registry.
#
#   scripts/build-image.sh          build when needed; the image tag is the last line on stdout
#   scripts/build-image.sh --tag    print the tag the inputs give, build nothing
#   scripts/build-image.sh --base-tag   print the tag of the base (Debian + Python, no moto), build nothing
#
# The image is tagged enjoin/moto-server:<hash12>, the hash of this script, scripts/image/Dockerfile,
# scripts/image/requirements.txt (moto[server]==5.2.1 and its pinned dependencies) and the base's recipe,
# so a second run is a no-op and a change to any input gives a new tag.
#
# Steps, each cached under $ENJOIN_CACHE_DIR (default ~/.cache/enjoin):
#   1. debootstrap --variant=minbase a Debian root filesystem with python3 and python3-venv
#      (rootfs-<suite>-<basehash>.tar), `docker import` it as enjoin/moto-base:<basehash12>;
#   2. pip download, on this host, the pinned wheels (wheels-<reqhash>/): the build itself needs no network;
#   3. docker build scripts/image/Dockerfile FROM that base.
#
# Needs: a Docker engine (scripts/docker-up.sh starts one), root and debootstrap for step 1, pip for step 2.
# Environment: ENJOIN_CACHE_DIR, ENJOIN_DEBIAN_MIRROR (default: this machine's first Debian apt source,
# else http://deb.debian.org/debian), PYTHON (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image_dir="$here/image"
moto_version="5.2.1"
suite="bookworm"
base_packages="python3,python3-venv,ca-certificates"
cache="${ENJOIN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/enjoin}"
python="${PYTHON:-python3}"
arch="$(uname -m)"  # the wheels are for the engine's machine, which is this one

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { printf 'build-image: error: %s\n' "$*" >&2; exit 1; }
sha12() { sha256sum | cut -c1-12; }

# The base's recipe, not the mirror it came from: any Debian mirror of the suite gives the same system.
base_hash="$(printf 'debootstrap --variant=minbase %s %s %s\n' "$suite" "$base_packages" "$arch" | sha12)"
base_tag="enjoin/moto-base:$base_hash"
req_hash="$(sha12 < "$image_dir/requirements.txt")"
image_hash="$(cat "$here/build-image.sh" "$image_dir/Dockerfile" "$image_dir/requirements.txt" \
    <(printf 'moto %s\nbase %s\n' "$moto_version" "$base_hash") | sha12)"
image_tag="enjoin/moto-server:$image_hash"

case "${1:-}" in
    "") ;;
    --tag) echo "$image_tag"; exit 0 ;;
    --base-tag) echo "$base_tag"; exit 0 ;;
    *) die "unknown argument '$1' (expected none, --tag or --base-tag)" ;;
esac

docker info >/dev/null 2>&1 \
    || die "no Docker engine reachable at ${DOCKER_HOST:-unix:///var/run/docker.sock}; start one with scripts/docker-up.sh"

if docker image inspect "$image_tag" >/dev/null 2>&1; then
    log "$image_tag exists; nothing to build"
    echo "$image_tag"
    exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

debian_mirror() {
    if [[ -n "${ENJOIN_DEBIAN_MIRROR:-}" ]]; then
        echo "$ENJOIN_DEBIAN_MIRROR"
        return
    fi
    local uri
    uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v security | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
        | awk '{print $1}' | grep -E '/debian/?$' | head -n1 || true)"
    echo "${uri:-http://deb.debian.org/debian}"
}

# 1. The base: a minimal Debian with Python, imported from a cached root filesystem tarball.
if ! docker image inspect "$base_tag" >/dev/null 2>&1; then
    rootfs_tar="$cache/rootfs-$suite-$base_hash.tar"
    if [[ ! -s "$rootfs_tar" ]]; then
        command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install -y debootstrap)"
        [[ "$(id -u)" == 0 ]] || die "debootstrap needs root"
        mirror="$(debian_mirror)"
        log "debootstrap $suite (minbase + $base_packages) from $mirror"
        debootstrap --variant=minbase --include="$base_packages" "$suite" "$work/rootfs" "$mirror" \
            >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
        # Leave out what the image does not need: downloaded packages, apt lists, logs.
        rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* \
            "$work/rootfs/var/log/"* "$work/rootfs/tmp/"*
        tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
        mv "$work/rootfs.tar" "$rootfs_tar"
        rm -rf "$work/rootfs"
    else
        log "root filesystem cached: $rootfs_tar"
    fi
    log "docker import -> $base_tag"
    docker import --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$base_tag" >/dev/null
fi

# 2. The wheels, fetched here (the build container reaches no package index on every machine).
wheels="$cache/wheels-$req_hash"
if [[ ! -f "$wheels/.complete" ]]; then
    log "pip download the pinned wheels -> $wheels"
    # For the base's interpreter: bookworm's python3 is CPython 3.11.
    rm -rf "$wheels"
    "$python" -m pip download --quiet --no-deps --only-binary=:all: \
        --implementation cp --python-version 3.11 --abi cp311 \
        --platform "manylinux2014_$arch" --platform "manylinux_2_17_$arch" --platform "manylinux_2_28_$arch" \
        --platform "manylinux1_$arch" --platform "manylinux_2_5_$arch" \
        -r "$image_dir/requirements.txt" -d "$wheels" 2> >(grep -v 'is ignored: it is neither' >&2)
    touch "$wheels/.complete"
fi

# 3. The image.
context="$work/context"
mkdir -p "$context"
cp "$image_dir/Dockerfile" "$image_dir/requirements.txt" "$context/"
cp -r "$wheels" "$context/wheels"
log "docker build -> $image_tag"
DOCKER_BUILDKIT=0 docker build --quiet \
    --build-arg "BASE=$base_tag" \
    --label "org.enjoin.image=moto-server" \
    --label "org.enjoin.moto-version=$moto_version" \
    --label "org.enjoin.inputs-hash=$image_hash" \
    -t "$image_tag" "$context" >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "docker build failed"; }
log "built $image_tag"

# Earlier builds of this image are stale now: remove their tags (an image a container still uses stays).
docker image ls --filter "label=org.enjoin.image=moto-server" --format '{{.Repository}}:{{.Tag}}' \
    | { grep -E '^enjoin/moto-server:[0-9a-f]{12}$' || true; } | { grep -vxF "$image_tag" || true; } \
    | while read -r stale; do
        if docker image rm "$stale" >/dev/null 2>&1; then log "removed the stale $stale"; fi
    done
echo "$image_tag"
