# Shared by infra/containers/*.sh (sourced, not run). Podman with this repository's own containers.conf:
# the machine's /etc/containers configuration is read as usual but never written.
CONTAINERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CONTAINERS_DIR/../.." && pwd)
export CONTAINERS_CONF="$CONTAINERS_DIR/containers.conf"

# The local images. Names under localhost/ so podman never tries a registry for them.
BOOKWORM_IMAGE=localhost/bookworm-min:12
NODE_VERSION=20.20.2
NODE_IMAGE=localhost/node:20.20-bookworm-slim
# npm bundled with Node 20.20 (what node:20.20-bookworm-slim ships).
NPM_VERSION=10.8.2
REDIS_IMAGE=localhost/redis:7-bookworm
NGINX_IMAGE=localhost/nginx:bookworm
MAILDEV_VERSION=2.2.1
MAILDEV_IMAGE=localhost/maildev:$MAILDEV_VERSION
PROMETHEUS_IMAGE=localhost/prometheus:bookworm
JONGODB_VERSION=0.1.6
JONGODB_IMAGE=localhost/jongodb-standin:$JONGODB_VERSION
IMAGE_TAG=${IMAGE_TAG:-local}
API_IMAGE=localhost/simple-shop-api:$IMAGE_TAG
WORKER_IMAGE=localhost/simple-shop-worker:$IMAGE_TAG
STOREFRONT_IMAGE=localhost/simple-shop-storefront:$IMAGE_TAG
BUILD_IMAGE=localhost/simple-shop-build:$IMAGE_TAG

say() { printf '[containers] %s\n' "$*"; }
die() {
  say "FAILED: $*" >&2
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Installs the container tools from Debian when one is missing (CI starts from a clean machine).
ensure_container_tools() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v podman-compose >/dev/null 2>&1 || missing+=(podman-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
      die "could not install ${missing[*]}"
    # --no-install-recommends skips the bridge networking and DNS backends podman needs for compose.
    apt-get install -y -qq --no-install-recommends netavark aardvark-dns containernetworking-plugins \
      uidmap slirp4netns fuse-overlayfs >/dev/null 2>&1 || true
  fi
}

# The recipe hash stored as a label: a cached image is reused only when it was built from the same recipe.

image_recipe() { podman image inspect --format '{{ index .Labels "org.simple-shop.recipe" }}' "$1" 2>/dev/null || true; }

# Build steps that fetch from the npm registry (npm, pnpm) trust what the host trusts: where the host's network
# needs an extra CA (NODE_EXTRA_CA_CERTS is set, e.g. behind a TLS-intercepting proxy), its CA bundle and an
# npmrc naming it are bind-mounted into the build's RUN steps. Mounts are not image content: nothing of it is in
# a layer (only empty mount points in build stages), and the runtime stages run no RUN step at all.
# Usage: podman build $(registry_trust_args "$dir") …   (dir: where to write the npmrc)
registry_trust_args() {
  local ca=${NODE_EXTRA_CA_CERTS:-}
  [ -n "$ca" ] && [ -f "$ca" ] || return 0
  printf 'cafile=/run/host-ca/ca-certificates.crt\n' >"$1/trust.npmrc"
  echo "--volume=$ca:/run/host-ca/ca-certificates.crt:ro --volume=$1/trust.npmrc:/root/.npmrc:ro"
}
