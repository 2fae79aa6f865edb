#!/bin/bash
# switchyard-router (under tini): starts the inner nginx master (routing config
# /etc/switchyard/router/inner.conf, reloaded by switchyard-apply), the front nginx master
# (public port 80, never reloaded) and, if configured, an exporter; exits as soon as any of
# them dies, so that Docker's restart policy sees a failed router, not a half-working one.
#
# Env:
#   SWITCHYARD_EXPORTER_CMD   shell command run alongside nginx (e.g. an exporter reading
#                             /var/log/switchyard/access.log); its death stops the router too.
#   SWITCHYARD_ACCESS_LOG_MAX_BYTES  rotate /var/log/switchyard/access.log (one old copy,
#                             access.log.1) above this size, checked every 30s
#                             (default 104857600; 0 disables).
set -euo pipefail
. /usr/local/lib/switchyard/router.sh

log() { printf 'switchyard-router: %s\n' "$*" >&2; }
mkdir -p "$SY_RUN" "$SY_DIR" "$SY_LOGS" "$SY_TMP"
rm -f "$SY_INNER_PID"

if [[ ! -s $SY_INNER ]]; then
    log "no inner config in $SY_DIR: installing the bootstrap config (503 until the first apply)"
    install -m 0644 "$SY_BOOTSTRAP" "$SY_INNER.tmp" && mv -f "$SY_INNER.tmp" "$SY_INNER"
fi
nginx -t -q -c "$SY_INNER" || { log "inner config $SY_INNER is invalid (above); not starting"; exit 1; }
nginx -t -q -c "$SY_FRONT_MAIN" || { log "front config is invalid"; exit 1; }

declare -A name_of=()
nginx -c "$SY_INNER" -g 'daemon off;' & inner=$!; name_of[$inner]="inner nginx"
nginx -c "$SY_FRONT_MAIN" -g 'daemon off;' & front=$!; name_of[$front]="front nginx"
pids=("$inner" "$front")
exporter=
if [[ -n ${SWITCHYARD_EXPORTER_CMD:-} ]]; then
    bash -c "$SWITCHYARD_EXPORTER_CMD" & exporter=$!; name_of[$exporter]="exporter"; pids+=("$exporter")
fi
log "started: inner nginx (pid $inner, config sha256 $(sha256sum <"$SY_INNER" | cut -c1-64)), front nginx (pid $front)${exporter:+, exporter (pid $exporter)}"

rotator=
max=${SWITCHYARD_ACCESS_LOG_MAX_BYTES:-104857600}
if [[ $max != 0 ]]; then
    (
        trap 'exit 0' TERM
        # `sleep & wait` so that TERM is handled at once, not after the sleep.
        while sleep 30 & wait $!; do
            size=$(stat -c %s "$SY_LOGS/access.log" 2>/dev/null || echo 0)
            if ((size > max)); then
                mv -f "$SY_LOGS/access.log" "$SY_LOGS/access.log.1"
                kill -USR1 "$(cat "$SY_INNER_PID")" # reopen log files
            fi
        done
    ) & rotator=$!
fi

stop() {
    # Graceful: the front stops accepting and finishes in-flight requests, then the inner.
    trap '' TERM INT
    log "stopping (graceful)"
    kill -QUIT "$front" 2>/dev/null || true; wait "$front" 2>/dev/null || true
    kill -QUIT "$inner" 2>/dev/null || true; wait "$inner" 2>/dev/null || true
    [[ -z $exporter ]] || { kill -TERM "$exporter" 2>/dev/null || true; wait "$exporter" 2>/dev/null || true; }
    [[ -z $rotator ]] || kill -TERM "$rotator" 2>/dev/null || true
    exit 0
}
trap stop TERM INT

rc=0
wait -n -p exited "${pids[@]}" || rc=$?
log "${name_of[$exited]:-a child} (pid $exited) exited with status $rc: stopping the router"
for p in "${pids[@]}"; do [[ $p == "$exited" ]] || kill -TERM "$p" 2>/dev/null || true; done
[[ -z $rotator ]] || kill -TERM "$rotator" 2>/dev/null || true
wait || true
exit $((rc == 0 ? 1 : rc))
