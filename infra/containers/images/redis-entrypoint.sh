#!/bin/sh
# Like the official redis image: a redis-server started without a config file accepts clients from other
# containers. Redis' protected mode (on by default) refuses every non-loopback client when no password is set,
# and on the compose network every client is non-loopback; the network itself is the boundary, as with the
# official image. A command that sets --protected-mode itself keeps its choice.
set -eu
if [ "${1:-}" = redis-server ] && ! printf '%s\n' "$@" | grep -q -- '--protected-mode'; then
  set -- "$@" --protected-mode no
fi
exec "$@"
