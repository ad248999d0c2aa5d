#!/usr/bin/env bash
# Build and cache a real Velero server and its AWS object-store plugin from the
# Go module proxy.
#
# Produces, under ${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}/velero-<version>/bin:
#   velero                  (github.com/vmware-tanzu/velero/cmd/velero)
#   velero-plugin-for-aws   (github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws)
#
# Idempotent: each binary has a stamp file recording what it was built from; a
# binary whose stamp matches is skipped, so a second run takes a second.
#
# Why not `go install github.com/vmware-tanzu/velero/cmd/velero@version`: Velero's
# go.mod replaces github.com/kopia/kopia with a fork, which `go install @version`
# refuses. Instead the module source is downloaded through the proxy
# (`go mod download -json` gives its directory), copied to a writable folder and
# built there, where the replace applies exactly as upstream builds it. The plugin
# has no replace and is built with `go install`.
#
# The module proxy this project reaches does not serve every version upstream
# pins: SUBSTITUTES lists each missing one with the nearest served patch release
# of the same minor line (applied as a replace; MVS then lifts its k8s.io siblings
# to the same patch).
#
# Environment:
#   FIREDRILL_CACHE_DIR            cache root (default $HOME/.cache/firedrill)
#   FIREDRILL_VELERO_VERSION       Velero version (default below)
#   FIREDRILL_VELERO_AWS_VERSION   velero-plugin-for-aws version (default below;
#                                  v1.14.x is the plugin line for Velero v1.18.x)
#
# Prints the bin directory as the last line of stdout.
set -euo pipefail

VELERO_VERSION="${FIREDRILL_VELERO_VERSION:-v1.18.3}"
AWS_PLUGIN_VERSION="${FIREDRILL_VELERO_AWS_VERSION:-v1.14.3}"

CACHE_DIR="${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}"
ROOT="$CACHE_DIR/velero-$VELERO_VERSION"
BIN="$ROOT/bin"
STAMPS="$BIN/.stamps"

export GOPATH="$CACHE_DIR/gopath"
export GOCACHE="$CACHE_DIR/gocache"
export GOMODCACHE="$GOPATH/pkg/mod"
export GOTOOLCHAIN=local   # never download another toolchain; fail loudly instead
export CGO_ENABLED=0       # upstream release binaries are static, CGO off
export GOWORK=off
: "${GOPROXY:=https://proxy.golang.org,direct}"
export GOPROXY

# module=version pairs that replace versions the proxy answers 403 for.
VELERO_SUBSTITUTES=(
  "k8s.io/cli-runtime=k8s.io/cli-runtime@v0.33.13"   # velero v1.18.3 pins v0.33.12
)

log() { printf '[build-velero %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "go not found on PATH"
mkdir -p "$BIN" "$STAMPS" "$GOPATH" "$GOCACHE"
GO_VERSION="$(go env GOVERSION)"

fresh() { # fresh NAME STAMP -> true if NAME is built and its stamp matches
  [[ -x "$BIN/$1" && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]
}

velero_stamp="github.com/vmware-tanzu/velero@$VELERO_VERSION ${VELERO_SUBSTITUTES[*]} $GO_VERSION"
if fresh velero "$velero_stamp"; then
  log "velero $VELERO_VERSION is cached"
else
  log "downloading velero $VELERO_VERSION source through the module proxy"
  dir="$(cd "$ROOT" && GOFLAGS= go mod download -json "github.com/vmware-tanzu/velero@$VELERO_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download gave no source directory for velero $VELERO_VERSION"
  src="$ROOT/src"
  rm -rf "$src" && mkdir -p "$src" && cp -r "$dir/." "$src" && chmod -R u+w "$src"
  for substitute in "${VELERO_SUBSTITUTES[@]}"; do (cd "$src" && go mod edit -replace "$substitute"); done
  log "building velero $VELERO_VERSION (cold: several minutes)"
  pkg=github.com/vmware-tanzu/velero
  (cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X $pkg/pkg/buildinfo.Version=$VELERO_VERSION -X $pkg/pkg/buildinfo.GitTreeState=clean" \
    -o "$BIN/velero.tmp" ./cmd/velero)
  mv "$BIN/velero.tmp" "$BIN/velero"
  printf '%s' "$velero_stamp" >"$STAMPS/velero"
fi

plugin_stamp="github.com/vmware-tanzu/velero-plugin-for-aws@$AWS_PLUGIN_VERSION $GO_VERSION"
if fresh velero-plugin-for-aws "$plugin_stamp"; then
  log "velero-plugin-for-aws $AWS_PLUGIN_VERSION is cached"
else
  log "building velero-plugin-for-aws $AWS_PLUGIN_VERSION"
  # Its own folder: velero's --plugin-dir runs every executable it holds as a plugin.
  mkdir -p "$ROOT/plugins"
  GOBIN="$ROOT/plugins" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
    "github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws@$AWS_PLUGIN_VERSION"
  ln -sf "$ROOT/plugins/velero-plugin-for-aws" "$BIN/velero-plugin-for-aws"
  printf '%s' "$plugin_stamp" >"$STAMPS/velero-plugin-for-aws"
fi

echo "$BIN"
