#!/usr/bin/env bash
# Build and cache the real `helm` CLI from the Go module proxy.
#
# Produces ${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}/helm-<version>/bin/helm.
# Idempotent: a stamp records what the binary was built from; a matching stamp skips the build.
# helm's go.mod has no `replace` directives, so `go install module/cmd@version` works as is.
#
# Environment:
#   FIREDRILL_CACHE_DIR     cache root (default $HOME/.cache/firedrill)
#   FIREDRILL_HELM_VERSION  helm version (default below)
#
# Prints the path of the helm binary as the last line of stdout.
set -euo pipefail

HELM_VERSION="${FIREDRILL_HELM_VERSION:-v3.22.0}"
CACHE_DIR="${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}"
BIN="$CACHE_DIR/helm-$HELM_VERSION/bin"

export GOPATH="$CACHE_DIR/gopath"
export GOCACHE="$CACHE_DIR/gocache"
export GOMODCACHE="$GOPATH/pkg/mod"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local   # never download another toolchain; fail loudly instead
export CGO_ENABLED=0
export GOWORK=off
export GOBIN="$BIN"
: "${GOPROXY:=https://proxy.golang.org,direct}"
export GOPROXY
export PATH="$PATH:/usr/local/go/bin"

log() { printf '[build-helm %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

command -v go >/dev/null || { log "ERROR: go not found on PATH"; exit 1; }
mkdir -p "$BIN"

# The same version variables as helm's own Makefile sets, so `helm version` tells the truth, and
# `helm template` and `helm lint` assume the Kubernetes version of the client-go helm is built
# with (1.<minor of client-go>), not their fallback of 1.20.
GOMOD="$(cd "$CACHE_DIR" && GOFLAGS= go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
K8S_MINOR="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$GOMOD")"
[[ -n "$K8S_MINOR" ]] || { log "ERROR: no k8s.io/client-go version in $GOMOD"; exit 1; }
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  LDFLAGS+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$K8S_MINOR"
done
KEY="helm.sh/helm/v3@$HELM_VERSION $(go env GOVERSION) $LDFLAGS"
STAMP="$BIN/.stamp"

if [[ -x "$BIN/helm" && -f "$STAMP" && "$(cat "$STAMP")" == "$KEY" ]]; then
  log "helm $HELM_VERSION: up to date"
else
  start=$(date +%s)
  log "helm $HELM_VERSION: building helm.sh/helm/v3/cmd/helm (a few minutes the first time)"
  (cd "$CACHE_DIR" && go install -trimpath -ldflags "$LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
  printf '%s\n' "$KEY" >"$STAMP"
  log "helm $HELM_VERSION: built in $(($(date +%s) - start))s"
fi
log "$("$BIN/helm" version --short 2>&1)"
echo "$BIN/helm"
