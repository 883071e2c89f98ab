#!/bin/sh
# Docker answers DNS at 127.0.0.11 inside every container; podman (netavark + aardvark-dns) answers on the
# network's gateway, which /etc/resolv.conf names. nginx resolves the `api` upstream at request time with
# the `resolver` of its config, so point that at the resolver this container really has.
set -eu
conf=/etc/nginx/nginx.conf
resolver=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)
if [ "${1:-}" = nginx ] && [ -n "$resolver" ] && grep -q 'resolver 127\.0\.0\.11' "$conf"; then
  sed "s/resolver 127\.0\.0\.11/resolver $resolver/" "$conf" >/tmp/nginx.conf
  echo "nginx-entrypoint: resolver 127.0.0.11 (Docker's DNS) replaced by $resolver from /etc/resolv.conf" >&2
  shift
  exec nginx -c /tmp/nginx.conf "$@"
fi
exec "$@"
