#!/usr/bin/env bash
# Builds the lab's real Kubernetes components from their Go modules into a cache outside the repository.
#
#   lab/build-binaries.sh            build what is missing, print the bin directory on the last line
#   lab/build-binaries.sh --print    print the bin directory without building
#
# Versions and the cache root can be changed with GITFED_KUBE_VERSION, GITFED_ETCD_VERSION,
# GITFED_KWOK_VERSION and GITFED_LAB_CACHE. Progress goes to stderr; stdout carries only the bin path.
set -euo pipefail

kube_version=${GITFED_KUBE_VERSION:-v1.34.4}
etcd_version=${GITFED_ETCD_VERSION:-v3.6.16}
kwok_version=${GITFED_KWOK_VERSION:-v0.8.0}
cache_root=${GITFED_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitfed/lab}
key="kube-${kube_version}_etcd-${etcd_version}_kwok-${kwok_version}"
bin_dir="$cache_root/$key/bin"
work_dir="$cache_root/$key/src"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

kube_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
all_bins=("${kube_cmds[@]}" etcd kwok)

if [[ "${1:-}" == "--print" ]]; then echo "$bin_dir"; exit 0; fi

missing=()
for b in "${all_bins[@]}"; do [[ -x "$bin_dir/$b" ]] || missing+=("$b"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "lab binaries: cached in $bin_dir" >&2
  echo "$bin_dir"; exit 0
fi

command -v go >/dev/null || { echo "lab binaries: the Go toolchain is needed to build ${missing[*]} (or set GITFED_LAB_BIN)" >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$bin_dir" "$work_dir"

# Several builds at once (parallel test runs, labs started together) would share the .tmp outputs and the module
# folders: one builds, the others wait for it and then build only what is still missing.
exec 9>"$cache_root/$key.lock"
if ! flock -n 9; then
  echo "lab binaries: another build of $key is running; waiting for it" >&2
  flock 9
fi
missing=()
for b in "${all_bins[@]}"; do [[ -x "$bin_dir/$b" ]] || missing+=("$b"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "lab binaries: built by the other build, cached in $bin_dir" >&2
  echo "$bin_dir"; exit 0
fi
step() { printf '[lab build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
started=$SECONDS

needs() { local b; for b in "$@"; do [[ " ${missing[*]} " == *" $b "* ]] && return 0; done; return 1; }

# One wrapper module per upstream project: copies the project's tools.go, writes go.mod, tidies.
prepare_module() { # name module-require-lines replace-lines
  local dir="$work_dir/$1"
  mkdir -p "$dir"
  cp "$here/go/$1/tools.go" "$dir/tools.go"
  { printf 'module gitfed.local/lab/%s\n\ngo 1.24.0\n\nrequire (\n%s\n)\n' "$1" "$2"
    [[ -n "$3" ]] && printf '\nreplace (\n%s\n)\n' "$3"; } >"$dir/go.mod"
  step "$1: resolving modules (go mod tidy)"
  (cd "$dir" && go mod tidy >&2)
}

if needs "${kube_cmds[@]}"; then
  step "kubernetes $kube_version: reading the staging module list from its go.mod"
  gomod=$(go mod download -json "k8s.io/kubernetes@$kube_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=${kube_version#v1.}            # 34.4
  staging_version="v0.${minor}"        # v0.34.4
  replaces=$(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging_version"'#p' "$gomod")
  [[ -n "$replaces" ]] || { echo "lab binaries: no staging replace directives found in $gomod" >&2; exit 1; }
  step "kubernetes: $(wc -l <<<"$replaces") staging modules pinned to $staging_version"
  prepare_module kubernetes "	k8s.io/kubernetes $kube_version" "$replaces"
  major=1; minor_only=${minor%%.*}
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor_only"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for cmd in "${kube_cmds[@]}"; do
    needs "$cmd" || continue
    step "building $cmd (minutes on a cold cache)"
    (cd "$work_dir/kubernetes" && go build -trimpath -ldflags "$ldflags" -o "$bin_dir/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    mv "$bin_dir/$cmd.tmp" "$bin_dir/$cmd"
  done
fi

if needs etcd; then
  prepare_module etcd "	go.etcd.io/etcd/server/v3 $etcd_version" ""
  step "building etcd $etcd_version"
  (cd "$work_dir/etcd" && go build -trimpath -ldflags "-s -w" -o "$bin_dir/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$bin_dir/etcd.tmp" "$bin_dir/etcd"
fi

if needs kwok; then
  prepare_module kwok "	sigs.k8s.io/kwok $kwok_version" ""
  step "building kwok $kwok_version"
  (cd "$work_dir/kwok" && go build -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" -o "$bin_dir/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok)
  mv "$bin_dir/kwok.tmp" "$bin_dir/kwok"
fi

step "done in $((SECONDS - started)) s: $bin_dir"
echo "$bin_dir"
