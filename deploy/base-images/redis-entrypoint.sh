#!/bin/sh
# As the official image does: a redis-server started without a configuration file listens
# on every interface of the container network, so protected mode (loopback only) goes off.
set -e
if [ "$1" = "redis-server" ]; then
    case "${2:-}" in
        "" | -*) set -- "$@" --protected-mode no ;;
    esac
fi
exec "$@"
