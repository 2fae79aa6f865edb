#!/usr/bin/env bash
# What the deploy scripts switchyard replaces do: stop the old container, start the new one on
# the same port. The bench times it under the same load as switchyard's flip and release.
# Usage: stop-start.sh OLD_NAME NEW_NAME IMAGE HOST_PORT LABEL
set -euo pipefail
old="$1" new="$2" image="$3" port="$4" label="$5"
docker stop -t 10 "$old" >/dev/null
docker rm "$old" >/dev/null
docker run -d --name "$new" --label "$label" -p "127.0.0.1:$port:8080" \
    -e SWITCHYARD_COLOR=script -e SWITCHYARD_VERSION="${image##*:}" "$image" >/dev/null
