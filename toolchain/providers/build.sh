#!/usr/bin/env bash
# Builds switchyard's compatible provider plugins into $1 (default ./bin) and,
# when PULUMI_HOME is set and INSTALL=1, installs them into its plugin cache
# with `pulumi plugin install --file`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/bin}"
mkdir -p "$out"
cd "$here"
declare -A versions=([docker]=5.2.0 [command]=1.2.1 [random]=4.21.2)
for name in docker command random; do
  CGO_ENABLED=0 go build -p 1 -trimpath -ldflags "-s -w -X main.version=${versions[$name]}" \
    -o "$out/pulumi-resource-$name" "./cmd/pulumi-resource-$name"
  if [[ "${INSTALL:-0}" == 1 ]]; then
    pulumi plugin install resource "$name" "${versions[$name]}" --file "$out/pulumi-resource-$name" --reinstall
  fi
done
echo "built: $(ls "$out")"
