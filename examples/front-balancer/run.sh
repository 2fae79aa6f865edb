#!/usr/bin/env bash
# Starts the example front balancer (nginx.conf) as a container on a Docker network that reaches
# every host's router, published on this machine.
#
#   examples/front-balancer/run.sh NAME NETWORK PORT ROUTER_ADDRESS:PORT...   start (replaces NAME)
#   examples/front-balancer/run.sh --down NAME                                remove it
#
# It runs nginx from the switchyard router image (IMAGE, default switchyard/router:local), so no image
# is pulled. In production put your own load balancer (or DNS with health checks) in front of the
# routers instead: every router serves the same routing, the README says what to check.
set -euo pipefail
IMAGE=${IMAGE:-switchyard/router:local}
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} == --down ]]; then
    docker rm -f "${2:?NAME}" >/dev/null 2>&1 || true
    exit 0
fi
NAME=${1:?NAME}
NETWORK=${2:?NETWORK}
PORT=${3:?PORT}
shift 3
(($# > 0)) || { echo "run.sh: give at least one router ADDRESS:PORT" >&2; exit 2; }
routers=""
for r in "$@"; do
    [[ $r =~ ^[A-Za-z0-9.-]+:[0-9]+$ ]] || { echo "run.sh: '$r' is not ADDRESS:PORT" >&2; exit 2; }
    routers+="server $r max_fails=1 fail_timeout=5s;"$'\n'
done
conf=$(mktemp -d)
trap 'rm -rf "$conf"' EXIT
cp "$DIR/nginx.conf" "$conf/nginx.conf"
printf '%s' "$routers" >"$conf/routers.conf"
docker rm -f "$NAME" >/dev/null 2>&1 || true
docker create --name "$NAME" --network "$NETWORK" -p "127.0.0.1:$PORT:8080" --label switchyard.example=front-balancer \
    --entrypoint nginx "$IMAGE" -c /etc/switchyard-front/nginx.conf -g "daemon off;" >/dev/null
# docker cp: the daemon needs no file of this machine (it may be remote).
docker cp "$conf/." "$NAME:/etc/switchyard-front/" >/dev/null
docker start "$NAME" >/dev/null
# Ready when nginx answers (any status: the routers may not be up yet).
for _ in $(seq 1 50); do
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then exit 0; fi
    sleep 0.1
done
docker logs "$NAME" >&2
echo "run.sh: $NAME did not answer on 127.0.0.1:$PORT" >&2
exit 1
