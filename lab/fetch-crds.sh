#!/usr/bin/env bash
# Fetches Cluster API's published CRD manifests (from its Go module, as `go mod download` verifies them against
# the checksum database) into a cache outside the repository, for the e2e tests of `--members-from capi`.
#
#   lab/fetch-crds.sh            fetch what is missing, print the CRD directory on the last line
#   lab/fetch-crds.sh --print    print the CRD directory without fetching
#
# The version and cache root can be changed with GITFED_CAPI_VERSION and GITFED_CRD_CACHE. Progress goes to
# stderr; stdout carries only the directory path.
set -euo pipefail

capi_version=${GITFED_CAPI_VERSION:-v1.11.3}
cache_root=${GITFED_CRD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitfed/crds}
dir="$cache_root/cluster-api-$capi_version"
files=(cluster.x-k8s.io_clusters.yaml)

if [[ "${1:-}" == "--print" ]]; then echo "$dir"; exit 0; fi

missing=0
for f in "${files[@]}"; do [[ -s "$dir/$f" ]] || missing=1; done
if [[ $missing -eq 0 ]]; then
  echo "cluster api crds: cached in $dir" >&2
  echo "$dir"; exit 0
fi

[[ -d /usr/local/go/bin ]] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "cluster api crds: the Go toolchain is needed to download sigs.k8s.io/cluster-api@$capi_version" >&2; exit 1; }
echo "cluster api crds: downloading sigs.k8s.io/cluster-api@$capi_version" >&2
module_dir=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/cluster-api@$capi_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[[ -n "$module_dir" && -d "$module_dir/config/crd/bases" ]] || { echo "cluster api crds: the module has no config/crd/bases" >&2; exit 1; }
mkdir -p "$dir"
for f in "${files[@]}"; do
  [[ -s "$module_dir/config/crd/bases/$f" ]] || { echo "cluster api crds: $f is not in the module" >&2; exit 1; }
  cp "$module_dir/config/crd/bases/$f" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
done
echo "cluster api crds: cached in $dir" >&2
echo "$dir"
