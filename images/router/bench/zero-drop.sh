#!/usr/bin/env bash
# Does a graceful `nginx -s reload` drop requests of keep-alive clients? Measures two designs on
# this host (nginx and node on PATH; autocannon installed in /tmp, not in the repo):
#   single     one nginx on :18080, its config switched between two app processes and reloaded
#   two-layer  a static front nginx on :18090 -> inner nginx on 127.0.0.1:18081 (front.conf's
#              upstream settings), only the inner switched and reloaded
# Usage: images/router/bench/zero-drop.sh [RUNS=3] [CONNS="10 20"] [RATE=500] [AMOUNT=24000] [RELOADS=20]
set -euo pipefail
RUNS=${1:-3} CONNS=${2:-"10 20"} RATE=${3:-500} AMOUNT=${4:-24000} RELOADS=${5:-20}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APP=$HERE/../../../app/src/server.js
export AUTOCANNON_DIR=/tmp/switchyard-autocannon
W=$(mktemp -d /tmp/switchyard-zero-drop.XXXXXX)
[[ -d $AUTOCANNON_DIR/node_modules/autocannon ]] ||
    npm install --prefix "$AUTOCANNON_DIR" --no-audit --no-fund --loglevel=error autocannon@9.0.0 >/dev/null
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for c in single inner front; do [[ ! -s $W/$c.pid ]] || nginx -c "$W/$c.conf" -s quit 2>/dev/null || true; done
    sleep 0.5; rm -rf "$W"
}
trap cleanup EXIT
PORT=19101 APP_COLOR=blue node "$APP" >/dev/null & pids+=($!)
PORT=19102 APP_COLOR=green node "$APP" >/dev/null & pids+=($!)

# nginx_conf NAME LISTEN APP_PORT [EXTRA_LOCATION_DIRECTIVES]
nginx_conf() {
    cat <<CONF
worker_processes 2;
pid $W/$1.pid;
error_log $W/$1-error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    upstream app { server 127.0.0.1:$3 max_fails=0; keepalive 64; }
    server {
        listen $2;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            ${4:-}
        }
    }
}
CONF
}
for c in blue:19101 green:19102; do
    nginx_conf single 18080 "${c#*:}" >"$W/single-${c%:*}.conf"
    nginx_conf inner 127.0.0.1:18081 "${c#*:}" >"$W/inner-${c%:*}.conf"
done
nginx_conf front 18090 18081 'proxy_next_upstream error timeout non_idempotent; proxy_next_upstream_tries 5;' >"$W/front.conf"
cp "$W/single-blue.conf" "$W/single.conf"; cp "$W/inner-blue.conf" "$W/inner.conf"
sleep 0.5
for c in single inner front; do nginx -c "$W/$c.conf"; done
cat >"$W/reload.sh" <<SH
#!/bin/sh
# reload.sh NAME INDEX: odd index -> green, even -> blue; atomic install, nginx -t, reload.
if [ \$((\$2 % 2)) -eq 1 ]; then c=green; else c=blue; fi
cp $W/\$1-\$c.conf $W/\$1.conf.new && mv $W/\$1.conf.new $W/\$1.conf
nginx -t -q -c $W/\$1.conf && nginx -c $W/\$1.conf -s reload
SH
chmod +x "$W/reload.sh"
for ((r = 1; r <= RUNS; r++)); do
    for c in $CONNS; do
        echo "single    conns=$c run=$r $(node "$HERE/load.js" http://127.0.0.1:18080/ "$W/reload.sh single \$1" --amount "$AMOUNT" --rate "$RATE" --conns "$c" --reloads "$RELOADS")"
        echo "two-layer conns=$c run=$r $(node "$HERE/load.js" http://127.0.0.1:18090/ "$W/reload.sh inner \$1" --amount "$AMOUNT" --rate "$RATE" --conns "$c" --reloads "$RELOADS")"
    done
done
echo "front nginx retried on a fresh connection (its error log): $(grep -cE 'prematurely closed|recv\(\) failed' "$W/front-error.log" || true)"
