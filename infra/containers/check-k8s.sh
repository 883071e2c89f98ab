#!/usr/bin/env bash
# Renders the production overlay, with the optional storefront component, with the locally built image references
# (a throw-away overlay on top of it: infra/k8s stays unchanged) and checks the pods fit the images
# (check-k8s-images.mjs). Only rendered: no cluster runs here.
# Usage: bash infra/containers/check-k8s.sh   (needs kubectl and the built images)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
WORK=$(mktemp -d -p /var/tmp simple-shop-k8s.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for image in "$API_IMAGE" "$WORKER_IMAGE" "$STOREFRONT_IMAGE"; do
  podman image exists "$image" || die "$image is missing: run build-app-images.sh first"
done
# kustomize accepts only relative paths to other kustomizations.
overlay=$(realpath --relative-to="$WORK" infra/k8s/overlays/production)
component=$(realpath --relative-to="$WORK" infra/k8s/components/storefront)
cat >"$WORK/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: simple-shop
resources:
  - $overlay
components:
  - $component
images:
  - name: ghcr.io/simple-shop/api
    newName: ${API_IMAGE%:*}
    newTag: ${API_IMAGE##*:}
  - name: ghcr.io/simple-shop/worker
    newName: ${WORKER_IMAGE%:*}
    newTag: ${WORKER_IMAGE##*:}
  - name: ghcr.io/simple-shop/storefront
    newName: ${STOREFRONT_IMAGE%:*}
    newTag: ${STOREFRONT_IMAGE##*:}
YAML
kubectl kustomize "$WORK" >"$WORK/rendered.yaml" || die "kubectl kustomize"
say "rendered the production overlay + storefront component with $API_IMAGE, $WORKER_IMAGE and $STOREFRONT_IMAGE" \
  "($(grep -c '^kind:' "$WORK/rendered.yaml") objects)"
podman image inspect "$API_IMAGE" "$WORKER_IMAGE" "$STOREFRONT_IMAGE" >"$WORK/images.json"
node infra/containers/check-k8s-images.mjs "$WORK/rendered.yaml" "$WORK/images.json"
