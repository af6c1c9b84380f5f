#!/usr/bin/env bash
# Fetches third-party CRD manifests from their published Go modules (as `go mod download` verifies them against
# the checksum database) into a cache outside the repository, for the e2e tests:
#   - Cluster API's Cluster CRD (sigs.k8s.io/cluster-api, config/crd/bases), for `--members-from capi`;
#   - the Multi-Cluster Services CRDs ServiceExport and ServiceImport (sigs.k8s.io/mcs-api, config/crd: the
#     manifests the module embeds for installers, serving v1alpha1 and v1beta1, storing v1beta1), for
#     `--multicluster-services`.
#
#   lab/fetch-crds.sh              fetch what is missing, print the Cluster API CRD directory on the last line
#   lab/fetch-crds.sh --mcs        fetch what is missing, print the MCS CRD directory on the last line
#   lab/fetch-crds.sh --print      print the Cluster API CRD directory without fetching (--print --mcs: MCS's)
#
# Versions and the cache root can be changed with GITFED_CAPI_VERSION, GITFED_MCS_VERSION and GITFED_CRD_CACHE.
# Progress goes to stderr; stdout carries only the directory path.
set -euo pipefail

capi_version=${GITFED_CAPI_VERSION:-v1.11.3}
# v0.5.x is the first line serving multicluster.x-k8s.io/v1beta1 (and still v1alpha1); v0.5.2 is its newest.
mcs_version=${GITFED_MCS_VERSION:-v0.5.2}
cache_root=${GITFED_CRD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitfed/crds}
capi_dir="$cache_root/cluster-api-$capi_version"
mcs_dir="$cache_root/mcs-api-$mcs_version"

print_only=0; want=capi
for arg in "$@"; do
  case "$arg" in
    --print) print_only=1 ;;
    --mcs) want=mcs ;;
    *) echo "fetch-crds: unknown argument $arg" >&2; exit 2 ;;
  esac
done
if [[ $print_only -eq 1 ]]; then [[ $want == mcs ]] && echo "$mcs_dir" || echo "$capi_dir"; exit 0; fi

# fetch LABEL MODULE VERSION SUBDIR DIR FILE...: copies FILEs from the module's SUBDIR into DIR unless cached.
fetch() {
  local label=$1 module=$2 version=$3 subdir=$4 dir=$5; shift 5
  local missing=0 f
  for f in "$@"; do [[ -s "$dir/$f" ]] || missing=1; done
  if [[ $missing -eq 0 ]]; then echo "$label crds: cached in $dir" >&2; return 0; fi
  [[ -d /usr/local/go/bin ]] && export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || { echo "$label crds: the Go toolchain is needed to download $module@$version" >&2; return 1; }
  echo "$label crds: downloading $module@$version" >&2
  local module_dir
  module_dir=$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [[ -n "$module_dir" && -d "$module_dir/$subdir" ]] || { echo "$label crds: the module has no $subdir" >&2; return 1; }
  mkdir -p "$dir"
  for f in "$@"; do
    [[ -s "$module_dir/$subdir/$f" ]] || { echo "$label crds: $f is not in the module" >&2; return 1; }
    cp "$module_dir/$subdir/$f" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
  done
  echo "$label crds: cached in $dir" >&2
}

fetch "cluster api" sigs.k8s.io/cluster-api "$capi_version" config/crd/bases "$capi_dir" cluster.x-k8s.io_clusters.yaml
fetch "mcs" sigs.k8s.io/mcs-api "$mcs_version" config/crd "$mcs_dir" \
  multicluster.x-k8s.io_serviceexports.yaml multicluster.x-k8s.io_serviceimports.yaml
[[ $want == mcs ]] && echo "$mcs_dir" || echo "$capi_dir"
