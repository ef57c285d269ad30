#!/usr/bin/env bash
# Stand-ins for the Docker Hub base images, built from Debian packages only, for machines
# that reach Debian's mirror but not Docker Hub (make offline-base-images):
#   shelfwise-offline/debian:bookworm      debootstrap --variant=minbase, imported
#   shelfwise-offline/python:3.11-bookworm for BASE_IMAGE     (python:3.11-slim-bookworm)
#   shelfwise-offline/redis:7              for REDIS_IMAGE    (redis:7-alpine)
#   shelfwise-offline/postgres:15          for POSTGRES_IMAGE (postgres:16-alpine)
# A fallback, never the default: see docs/containers.md. Needs root, debootstrap, docker.
# REBUILD=1 builds the Debian root file system again even when its image exists.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=shelfwise-offline
DEBIAN="$PREFIX/debian:bookworm"
# The mirror apt already uses on this machine, else Debian's own.
MIRROR="${DEBIAN_MIRROR:-$(sed -n 's|^URIs: *\(http[^ ]*/debian\)$|\1|p' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
export DOCKER_BUILDKIT=0

if [ -n "${REBUILD:-}" ] || ! docker image inspect "$DEBIAN" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
    rootfs="$(mktemp -d /var/tmp/shelfwise-rootfs.XXXXXX)"
    trap 'rm -rf "$rootfs"' EXIT
    echo "==> debootstrap bookworm from $MIRROR"
    debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$MIRROR" >/dev/null
    cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SOURCES
    # Package scripts must not start services while an image is built (as in Debian's images).
    printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"
    chmod 755 "$rootfs/usr/sbin/policy-rc.d"
    # Trust what this machine trusts: where TLS goes through an inspecting proxy, pip inside
    # a container finds no package without that proxy's certificate authority. A local
    # certificate file survives every later run of update-ca-certificates in derived images.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/share/ca-certificates/host.crt"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    echo "==> docker import $DEBIAN"
    tar -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$DEBIAN" >/dev/null
fi

for kind in python:3.11-bookworm redis:7 postgres:15; do
    name="${kind%%:*}"
    echo "==> docker build $PREFIX/$kind"
    docker build --quiet --build-arg "DEBIAN_IMAGE=$DEBIAN" -t "$PREFIX/$kind" \
        -f "deploy/base-images/$name.Dockerfile" deploy/base-images >/dev/null
done
docker image ls "$PREFIX/*"
