#!/usr/bin/env bash
# Build and cache a real Kubernetes control plane from the Go module proxy.
#
# Produces, under ${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}/k8s-<version>/bin:
#   kube-apiserver kube-controller-manager kube-scheduler kubectl  (k8s.io/kubernetes)
#   etcd                                                            (go.etcd.io/etcd/server/v3)
#   kwok kwokctl                                                    (sigs.k8s.io/kwok)
#
# Idempotent: each binary has a stamp file recording what it was built from;
# a binary whose stamp matches is skipped, so a second run takes seconds.
#
# Why not `go install pkg@version`: k8s.io/kubernetes, etcd's server module and
# kwok all carry `replace` directives in their go.mod, which `go install @version`
# refuses. Instead each is built from a tiny module of our own that requires the
# upstream module and replaces every locally-replaced module with its published
# version (k8s.io/* staging modules -> v0.<minor>.<patch>, etcd siblings -> same
# etcd version).
#
# Environment:
#   FIREDRILL_CACHE_DIR     cache root (default $HOME/.cache/firedrill)
#   FIREDRILL_K8S_VERSION   Kubernetes version (default below)
#   FIREDRILL_ETCD_VERSION  etcd version (default below)
#   FIREDRILL_KWOK_VERSION  kwok version (default below)
#   FIREDRILL_BUILD_ONLY    space-separated subset of binaries to build (default: all)
#
# Prints the bin directory as the last line of stdout.
set -euo pipefail

K8S_VERSION="${FIREDRILL_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${FIREDRILL_ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${FIREDRILL_KWOK_VERSION:-v0.8.0}"

CACHE_DIR="${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}"
ROOT="$CACHE_DIR/k8s-$K8S_VERSION"
BIN="$ROOT/bin"
BUILD="$ROOT/build"
STAMPS="$BIN/.stamps"

export GOPATH="$CACHE_DIR/gopath"
export GOCACHE="$CACHE_DIR/gocache"
export GOMODCACHE="$GOPATH/pkg/mod"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local   # never download another toolchain; fail loudly instead
export CGO_ENABLED=0       # upstream release binaries are static, CGO off
export GOWORK=off
: "${GOPROXY:=https://proxy.golang.org,direct}"
export GOPROXY

log() { printf '[build-control-plane %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "go not found on PATH"
mkdir -p "$BIN" "$BUILD" "$STAMPS" "$GOPATH" "$GOCACHE"

GO_VERSION="$(go env GOVERSION)"

# --- helpers ---------------------------------------------------------------

# mod_info MODULE VERSION FIELD -> value of FIELD from `go mod download -json`
# (downloads the module into the module cache on first use).
mod_info() {
  local mod="$1" ver="$2" field="$3"
  (cd "$BUILD" && GOFLAGS= go mod download -json "$mod@$ver") |
    sed -n "s/^[[:space:]]*\"$field\": \"\(.*\)\",\{0,1\}$/\1/p" | head -n1
}

# origin_hash MODULE VERSION -> git commit the proxy recorded, or "" if none.
origin_hash() {
  local info
  info="$(mod_info "$1" "$2" Info)"
  [[ -n "$info" && -f "$info" ]] || return 0
  tr ',' '\n' <"$info" | sed -n 's/.*"Hash": *"\([0-9a-f]\{40\}\)".*/\1/p' | head -n1
}

# want NAME -> true if NAME is selected by FIREDRILL_BUILD_ONLY (or it is unset)
want() {
  [[ -z "${FIREDRILL_BUILD_ONLY:-}" ]] && return 0
  [[ " $FIREDRILL_BUILD_ONLY " == *" $1 "* ]]
}

declare -a SUMMARY=()

# build_one NAME MODDIR PKG LDFLAGS STAMP_KEY
build_one() {
  local name="$1" moddir="$2" pkg="$3" ldflags="$4" key="$5"
  local stamp="$STAMPS/$name"
  want "$name" || return 0
  if [[ -x "$BIN/$name" && -f "$stamp" && "$(cat "$stamp")" == "$key" ]]; then
    log "$name: up to date, skipping"
    SUMMARY+=("$name: cached")
    return 0
  fi
  log "$name: building $pkg"
  local start end
  start=$(date +%s)
  (cd "$moddir" && go build -trimpath -ldflags "$ldflags" -o "$BIN/$name.tmp" "$pkg")
  mv -f "$BIN/$name.tmp" "$BIN/$name"
  end=$(date +%s)
  printf '%s\n' "$key" >"$stamp"
  log "$name: built in $((end - start))s"
  SUMMARY+=("$name: $((end - start))s")
}

# write_gomod DIR MODULE REQUIRE_MOD REQUIRE_VER REPLACE_LINES...
write_gomod() {
  local dir="$1" module="$2" req="$3" reqver="$4"
  shift 4
  mkdir -p "$dir"
  local goline
  goline="$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1.0/')"
  {
    printf 'module %s\n\ngo %s\n\nrequire %s %s\n' "$module" "$goline" "$req" "$reqver"
    if (($#)); then
      printf '\nreplace (\n'
      printf '\t%s\n' "$@"
      printf ')\n'
    fi
  } >"$dir/go.mod.new"
  # Only rewrite when changed, so go.sum stays valid across runs.
  if ! cmp -s "$dir/go.mod.new" "$dir/go.mod.in" 2>/dev/null; then
    cp "$dir/go.mod.new" "$dir/go.mod"
    cp "$dir/go.mod.new" "$dir/go.mod.in"
  fi
  rm -f "$dir/go.mod.new"
}

TOTAL_START=$(date +%s)
log "kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, $GO_VERSION"
log "cache: $CACHE_DIR"

# --- Kubernetes --------------------------------------------------------------

if want kube-apiserver || want kube-controller-manager || want kube-scheduler || want kubectl; then
  K8S_GOMOD="$(mod_info k8s.io/kubernetes "$K8S_VERSION" GoMod)"
  [[ -f "$K8S_GOMOD" ]] || die "could not fetch go.mod of k8s.io/kubernetes@$K8S_VERSION"
  K8S_GO_DIRECTIVE="$(sed -n 's/^go \(.*\)$/\1/p' "$K8S_GOMOD")"
  log "k8s.io/kubernetes@$K8S_VERSION wants go $K8S_GO_DIRECTIVE (have $GO_VERSION)"

  # v1.36.3 -> v0.36.3 for the staging modules
  STAGING_VERSION="v0.${K8S_VERSION#v1.}"
  mapfile -t K8S_REPLACES < <(
    sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/src/.*$#\1#p' "$K8S_GOMOD" |
      sort -u | sed -E "s#^(.*)\$#\1 => \1 ${STAGING_VERSION}#"
  )
  ((${#K8S_REPLACES[@]} > 0)) || die "no staging replace directives found in $K8S_GOMOD"

  K8S_DIR="$BUILD/kubernetes"
  write_gomod "$K8S_DIR" firedrill.local/k8s-build k8s.io/kubernetes "$K8S_VERSION" "${K8S_REPLACES[@]}"

  K8S_COMMIT="$(origin_hash k8s.io/kubernetes "$K8S_VERSION")"
  K8S_TIME="$(mod_info k8s.io/kubernetes "$K8S_VERSION" Info)"
  K8S_BUILD_DATE="$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$K8S_TIME" | head -n1)"
  K8S_BUILD_DATE="${K8S_BUILD_DATE:-1970-01-01T00:00:00Z}"
  K8S_BUILD_DATE="${K8S_BUILD_DATE%%.*}"; K8S_BUILD_DATE="${K8S_BUILD_DATE%Z}Z"
  MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"
  K8S_LDFLAGS="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    K8S_LDFLAGS+=" -X $pkg.gitVersion=$K8S_VERSION"
    K8S_LDFLAGS+=" -X $pkg.gitMajor=1 -X $pkg.gitMinor=$MINOR"
    K8S_LDFLAGS+=" -X $pkg.gitCommit=${K8S_COMMIT:-0000000000000000000000000000000000000000}"
    K8S_LDFLAGS+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$K8S_BUILD_DATE"
  done
  K8S_KEY="k8s.io/kubernetes@$K8S_VERSION $GO_VERSION $K8S_LDFLAGS"

  for name in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    build_one "$name" "$K8S_DIR" "k8s.io/kubernetes/cmd/$name" "$K8S_LDFLAGS" "$K8S_KEY"
  done
fi

# --- etcd --------------------------------------------------------------------

if want etcd; then
  ETCD_GOMOD="$(mod_info go.etcd.io/etcd/server/v3 "$ETCD_VERSION" GoMod)"
  [[ -f "$ETCD_GOMOD" ]] || die "could not fetch go.mod of go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  # Every relative replace (sibling modules of the etcd repo) -> same published version.
  mapfile -t ETCD_REPLACES < <(
    sed -n 's#^[[:space:]]*\(go\.etcd\.io/[^[:space:]]*\) => \.\./.*$#\1#p' "$ETCD_GOMOD" |
      sort -u | sed -E "s#^(.*)\$#\1 => \1 ${ETCD_VERSION}#"
  )
  ETCD_DIR="$BUILD/etcd"
  write_gomod "$ETCD_DIR" firedrill.local/etcd-build go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "${ETCD_REPLACES[@]}"
  ETCD_COMMIT="$(origin_hash go.etcd.io/etcd/server/v3 "$ETCD_VERSION")"
  ETCD_LDFLAGS="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_COMMIT:-${ETCD_VERSION}}"
  build_one etcd "$ETCD_DIR" go.etcd.io/etcd/server/v3 "$ETCD_LDFLAGS" \
    "go.etcd.io/etcd/server/v3@$ETCD_VERSION $GO_VERSION $ETCD_LDFLAGS"
fi

# --- kwok --------------------------------------------------------------------

if want kwok || want kwokctl; then
  KWOK_DIR="$BUILD/kwok"
  # kwok's only replace is a guard (go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY); nothing to map.
  write_gomod "$KWOK_DIR" firedrill.local/kwok-build sigs.k8s.io/kwok "$KWOK_VERSION"
  KWOK_LDFLAGS="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
  KWOK_LDFLAGS+=" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${K8S_VERSION#v}"
  for name in kwok kwokctl; do
    build_one "$name" "$KWOK_DIR" "sigs.k8s.io/kwok/cmd/$name" "$KWOK_LDFLAGS" \
      "sigs.k8s.io/kwok@$KWOK_VERSION $GO_VERSION $KWOK_LDFLAGS"
  done
fi

# --- report what each binary says it is ------------------------------------------
for name in kube-apiserver kube-controller-manager kube-scheduler etcd kwok kwokctl; do
  [[ -x "$BIN/$name" ]] || continue
  log "$name --version: $("$BIN/$name" --version 2>&1 | head -n1)"
done
[[ -x "$BIN/kubectl" ]] && log "kubectl: $("$BIN/kubectl" version --client 2>&1 | head -n1)"

TOTAL_END=$(date +%s)
for line in "${SUMMARY[@]}"; do log "  $line"; done
log "total: $((TOTAL_END - TOTAL_START))s; bin dir: $BIN"
echo "$BIN"
