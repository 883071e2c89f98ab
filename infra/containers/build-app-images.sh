#!/usr/bin/env bash
# Builds the shipped images from infra/docker/*.Dockerfile, unchanged, on the local Node base image:
#   podman build --build-arg NODE_IMAGE=localhost/node:20.20-bookworm-slim -f infra/docker/api.Dockerfile …
# (Docker users build the same files with the default NODE_IMAGE=node:20.20-bookworm-slim.)
#   localhost/simple-shop-api:local      the API runtime stage
#   localhost/simple-shop-worker:local   the worker runtime stage
#   localhost/simple-shop-storefront:local  the storefront: its Vite build on the local nginx base
#                                        (--build-arg NGINX_IMAGE=localhost/nginx:bookworm for nginx:1.28-alpine)
#   localhost/simple-shop-build:local    the API's `build` stage: the workspace with dev dependencies, which
#                                        compose's dev profile runs the Stripe simulator from (and the seed)
# podman reads <Dockerfile>.dockerignore only through --ignorefile (BuildKit finds it by name), and keeps
# HEALTHCHECK only in the docker image format (OCI has no field for it). The pnpm store is
# a build cache mount, so a rebuild after a source change skips the downloads. Run build-base-images.sh first.
# Usage: bash infra/containers/build-app-images.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
for base in "$NODE_IMAGE" "$NGINX_IMAGE"; do
  podman image exists "$base" || die "$base is missing: run infra/containers/build-base-images.sh --app-bases first"
done

LOGS=${CONTAINER_LOGS:-$(mktemp -d -p /var/tmp simple-shop-build-logs.XXXXXX)}
mkdir -p "$LOGS"

build() { # build <app> <image> <log name> [podman build args...]
  local app=$1 image=$2 log="$LOGS/build-$3.log" started
  shift 3
  started=$(now)
  # shellcheck disable=SC2046 # word splitting intended: zero or two --volume arguments
  podman build --format docker --pull=never --build-arg "NODE_IMAGE=$NODE_IMAGE" $(registry_trust_args "$LOGS") \
    --ignorefile "infra/docker/$app.Dockerfile.dockerignore" -f "infra/docker/$app.Dockerfile" \
    -t "$image" "$@" . >"$log" 2>&1 ||
    { tail -40 "$log"; die "podman build of $image (log: $log)"; }
  say "built $image in $(since "$started") s ($(podman image inspect --format '{{.Size}}' "$image" |
    awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}
build api "$API_IMAGE" api
build api "$BUILD_IMAGE" build --target build
build worker "$WORKER_IMAGE" worker
build storefront "$STOREFRONT_IMAGE" storefront --build-arg "NGINX_IMAGE=$NGINX_IMAGE"
