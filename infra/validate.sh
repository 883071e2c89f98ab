#!/usr/bin/env bash
# Validates everything under infra/ and docker-compose.yml with the tools that run without a cluster or a
# Docker engine. Called by .ci/run ("Validate infra"); run it by hand with `bash infra/validate.sh`.
#
#   yamllint        every YAML file (infra/.yamllint.yml)
#   kubectl         `kubectl kustomize` renders the base, the production overlay, and production with the optional
#                   storefront component (infra/k8s/components/storefront)
#   check-manifests the rendered manifests: wiring of every .env.example variable (values through the app's
#                   own config schema), probes, resources, security contexts, grace periods, PDB/HPA/Service
#                   references, scrape annotations, the prometheus-adapter rule; with the component, the
#                   storefront's Deployment, Service, PDB, NetworkPolicy and Ingress route
#   promtool        check config (compose and Kubernetes configs), check rules, test rules (alerts.test.yml),
#                   and the dashboard's PromQL as recording rules
#   check-dashboard the Grafana dashboard JSON and its provisioning
#   check-compose   docker-compose.yml and the Dockerfiles it builds
#   nginx -t        infra/nginx/nginx.conf (the compose load balancer) and storefront.conf (the storefront image)
#
#   --smoke         also infra/scripts/smoke-prod-bundle.sh: the images' production layout (pnpm deploy --prod +
#                   dist/) run as uid 1000 on a read-only root filesystem, probed, then stopped with SIGTERM
#   --images        also builds the real images with podman, offline (infra/containers/build-base-images.sh
#                   --app-bases, build-app-images.sh) and checks them (check-images.sh: contents, uid 1000,
#                   read-only root, HEALTHCHECK, SIGTERM), and renders the production overlay with the local image
#                   references to check the pods fit them (check-k8s.sh). CI runs this form.
#   --stack         --images, plus every local service image and the compose stack for real
#                   (infra/containers/stack.sh: 2 APIs, 2 workers, the storefront, nginx, Redis, the MongoDB
#                   stand-in, MailDev, the Stripe simulator; a purchase journey through nginx from the storefront's
#                   page to its success page; headless fallback; `down` drains in-flight work).
#                   Installs podman, podman-compose, debootstrap and runc from Debian when missing; uses its own
#                   containers.conf (infra/containers/containers.conf), removes every container it starts and
#                   keeps the images as a cache (reused only when built from the same recipe).
#
# Missing tools are installed from Debian (prometheus -> promtool, yamllint, nginx-light, kubernetes-client,
# bubblewrap), and the workspace with `pnpm install --frozen-lockfile` when node_modules is missing (a clean clone). Idempotent; ~6 s when the tools are there (+ ~12 s with --smoke). Runs every check, then exits 1
# if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
TSX="$ROOT/node_modules/.bin/tsx"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

failures=()
step() { printf -- '--- %s\n' "$*"; }
run() { # run <label> <command...>: records a failure instead of stopping
  local label=$1
  shift
  if ! "$@"; then
    failures+=("$label")
    printf '    FAILED: %s\n' "$label"
    return 1
  fi
}

# --- tools -----------------------------------------------------------------------------------------------
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
SMOKE=false
IMAGES=false
STACK=false
for arg in "$@"; do
  case $arg in
    --smoke) SMOKE=true ;;
    --images) IMAGES=true ;;
    --stack) IMAGES=true STACK=true ;;
    *) echo "unknown argument $arg (use --smoke, --images, --stack)"; exit 2 ;;
  esac
done
$SMOKE && { command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap); }
if [ ${#missing[@]} -gt 0 ]; then
  step "installing from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    { echo "could not install ${missing[*]}"; exit 1; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# A clean clone has no node_modules yet: install the workspace (the pnpm version package.json pins), as CI does.
if [ ! -x "$TSX" ]; then
  step "pnpm install (no node_modules yet)"
  pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
    npm install -g "pnpm@$pnpm_version" >/dev/null 2>&1 || { echo "could not install pnpm $pnpm_version"; exit 1; }
  fi
  pnpm install --frozen-lockfile --prefer-offline >"$WORK/pnpm-install.log" 2>&1 ||
    { tail -20 "$WORK/pnpm-install.log"; echo "pnpm install failed"; exit 1; }
  [ -x "$TSX" ] || { echo "tsx not found at $TSX after pnpm install"; exit 1; }
fi
echo "promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}'), yamllint $(yamllint --version | awk '{print $2}')," \
  "kubectl $(kubectl version --client 2>/dev/null | awk '/Client Version/ {print $3}')" \
  "(kustomize $(kubectl version --client 2>/dev/null | awk '/Kustomize Version/ {print $3}')), $($NGINX -v 2>&1 | sed 's/.*: //')"

# --- YAML ------------------------------------------------------------------------------------------------
step "yamllint"
run yamllint yamllint -c infra/.yamllint.yml -f parsable --strict docker-compose.yml infra/

# --- Kubernetes ------------------------------------------------------------------------------------------
step "kubectl kustomize"
kustomize_version=$(kubectl version --client 2>/dev/null | awk '/Kustomize Version/ {print $3}' | sed 's/^v//')
if [ -z "$kustomize_version" ] || [ "${kustomize_version%%.*}" -lt 4 ] 2>/dev/null; then
  echo "    kubectl's kustomize is ${kustomize_version:-missing}; the manifests need kustomize >= 4 (kubectl >= 1.21)"
  failures+=("kustomize version")
else
  run "kustomize base" sh -c 'kubectl kustomize infra/k8s/base > "$1"' _ "$WORK/base.yaml"
  if kubectl kustomize infra/k8s/overlays/production >"$WORK/production.yaml"; then
    echo "    rendered $(grep -c '^kind:' "$WORK/production.yaml") objects"
    step "check-manifests"
    run check-manifests "$TSX" infra/scripts/check-manifests.mjs "$WORK/production.yaml"
  else
    failures+=("kustomize production")
  fi
  # The optional storefront component on top of production, as an overlay that includes it would render it.
  mkdir -p "$WORK/storefront"
  cat >"$WORK/storefront/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: simple-shop
resources:
  - $(realpath --relative-to="$WORK/storefront" infra/k8s/overlays/production)
components:
  - $(realpath --relative-to="$WORK/storefront" infra/k8s/components/storefront)
YAML
  if kubectl kustomize "$WORK/storefront" >"$WORK/storefront.yaml"; then
    echo "    rendered production + components/storefront: $(grep -c '^kind:' "$WORK/storefront.yaml") objects"
    run "check-manifests (storefront component)" "$TSX" infra/scripts/check-manifests.mjs "$WORK/storefront.yaml" --storefront
  else
    failures+=("kustomize production + storefront component")
  fi
fi

# --- Prometheus ------------------------------------------------------------------------------------------
step "promtool"
run "promtool check config prometheus.yml" promtool check config infra/prometheus/prometheus.yml
# The Kubernetes example: Debian builds promtool without Kubernetes service discovery.
if promtool check config infra/prometheus/prometheus-k8s.yml >"$WORK/k8s-check.log" 2>&1; then
  cat "$WORK/k8s-check.log"
elif grep -q 'field kubernetes_sd_configs not found' "$WORK/k8s-check.log"; then
  echo "    (this promtool has no Kubernetes service discovery: checking prometheus-k8s.yml with static targets)"
  mkdir -p "$WORK/k8s" && cp infra/prometheus/alerts.yml "$WORK/k8s/"
  run "prom-prepare static-sd" "$TSX" infra/scripts/prom-prepare.mjs static-sd infra/prometheus/prometheus-k8s.yml "$WORK/k8s/prometheus-k8s.yml" &&
    run "promtool check config prometheus-k8s.yml" promtool check config "$WORK/k8s/prometheus-k8s.yml"
else
  cat "$WORK/k8s-check.log"
  failures+=("promtool check config prometheus-k8s.yml")
fi
run "promtool check rules" promtool check rules infra/prometheus/alerts.yml
mkdir -p "$WORK/rules-test"
cp infra/prometheus/alerts.test.yml "$WORK/rules-test/"
run "prom-prepare strip-annotations" "$TSX" infra/scripts/prom-prepare.mjs strip-annotations infra/prometheus/alerts.yml "$WORK/rules-test/alerts.yml"
run "promtool test rules" sh -c 'cd "$1" && promtool test rules alerts.test.yml' _ "$WORK/rules-test"

# --- Grafana ---------------------------------------------------------------------------------------------
step "dashboards"
run check-dashboard "$TSX" infra/scripts/check-dashboard.mjs --rules-out "$WORK/dashboard-rules.yml"
[ -f "$WORK/dashboard-rules.yml" ] &&
  run "promtool check rules (dashboard PromQL)" promtool check rules "$WORK/dashboard-rules.yml"

# --- compose, Dockerfiles, nginx -------------------------------------------------------------------------
step "docker-compose.yml and Dockerfiles"
run check-compose "$TSX" infra/scripts/check-compose.mjs
step "nginx -t"
run "nginx -t" "$NGINX" -t -q -c "$ROOT/infra/nginx/nginx.conf"
run "nginx -t (storefront)" "$NGINX" -t -q -c "$ROOT/infra/nginx/storefront.conf"
step "test support out of production sources and bundles" && run check-test-support node infra/scripts/check-test-support.mjs

run validate-workflows bash infra/scripts/validate-workflows.sh # .github/workflows: actionlint + yamllint
if $SMOKE; then
  step "production bundle smoke test"
  run "smoke-prod-bundle" bash infra/scripts/smoke-prod-bundle.sh
fi

# --- container images and the compose stack (podman) ------------------------------------------------------
timed() { # timed <label> <command...>: run, and print how long it took
  local started=$SECONDS status=0
  run "$@" || status=1
  echo "    ($1: $((SECONDS - started)) s)"
  return $status
}
if $IMAGES; then
  step "container images (podman, offline)"
  if $STACK; then
    timed "base images" bash infra/containers/build-base-images.sh
  else
    timed "base images" bash infra/containers/build-base-images.sh --app-bases
  fi
  if timed "app images" bash infra/containers/build-app-images.sh; then
    timed "image checks" bash infra/containers/check-images.sh
    timed "k8s manifests vs images" bash infra/containers/check-k8s.sh
  fi
fi
if $STACK; then
  step "compose stack (podman-compose) and purchase journey"
  timed "compose stack" bash infra/containers/stack.sh
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "infra validation FAILED: ${failures[*]}"
  exit 1
fi
echo "infra validation passed"
