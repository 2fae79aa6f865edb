#!/bin/bash
# switchyard-router (under tini): starts the inner nginx master (routing config
# /etc/switchyard/router/inner.conf, reloaded by switchyard-apply), the front nginx master
# (public port 80, never reloaded) and, if configured, an exporter; exits as soon as any of
# them dies, so that Docker's restart policy sees a failed router, not a half-working one.
#
# Env:
#   SWITCHYARD_EXPORTER       "mtail" (default): the router exporter, mtail with the program in
#                             /etc/switchyard/mtail on the access log and the state log, serving
#                             Prometheus metrics on :$SWITCHYARD_EXPORTER_PORT (3903); restarted
#                             if it dies (routing never stops for the exporter). "off": none.
#   SWITCHYARD_EXPORTER_CMD   instead of mtail: a shell command run alongside nginx (e.g. an
#                             exporter reading /var/log/switchyard/access.log); its death stops
#                             the router too.
#   SWITCHYARD_ACCESS_LOG_MAX_BYTES  rotate /var/log/switchyard/access.log (one old copy,
#                             access.log.1) above this size, checked every 30s
#                             (default 104857600; 0 disables).
#   SWITCHYARD_EXPORTER_PORT  port of the mtail exporter (default 3903).
set -euo pipefail
. /usr/local/lib/switchyard/router.sh

log() { printf 'switchyard-router: %s\n' "$*" >&2; }
mkdir -p "$SY_RUN" "$SY_DIR" "$SY_LOGS" "$SY_TMP"
# A socket left by an inner master that died would make the new one's bind() fail.
rm -f "$SY_INNER_PID" "$SY_INNER_SOCKET"

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
elif [[ ${SWITCHYARD_EXPORTER:-mtail} == mtail ]]; then
    touch "$SY_LOGS/access.log" "$SY_STATE_LOG"
    (
        child=
        trap '[[ -z $child ]] || kill -TERM "$child" 2>/dev/null; exit 0' TERM
        while :; do
            mtail --progs "$SY_MTAIL_PROG" --logs "$SY_LOGS/access.log,$SY_STATE_LOG" \
                --port "$SY_EXPORTER_PORT" --emit_prog_label=false --logtostderr \
                --stderrthreshold=WARNING & child=$!
            wait "$child" && rc=0 || rc=$?
            log "exporter (mtail) exited with status $rc: restarting it in 2s (routing is not affected)"
            sleep 2
        done
    ) & exporter=$!; name_of[$exporter]="exporter"; pids+=("$exporter")
elif [[ ${SWITCHYARD_EXPORTER} != off ]]; then
    log "SWITCHYARD_EXPORTER must be mtail or off (got '$SWITCHYARD_EXPORTER')"; exit 1
fi
log "started: inner nginx (pid $inner, config sha256 $(sha256sum <"$SY_INNER" | cut -c1-64)), front nginx (pid $front)${exporter:+, exporter (pid $exporter)}"

rotator=
max=${SWITCHYARD_ACCESS_LOG_MAX_BYTES:-104857600}
(
    trap 'exit 0' TERM
    # Every 15 s: the status document of the config in force for the exporter (a restarted
    # exporter learns weights and config within 15 s; "last seen" stays fresh); every 30 s: rotation.
    tick=0
    sy_emit_state
    # `sleep & wait` so that TERM is handled at once, not after the sleep.
    while sleep 15 & wait $!; do
        sy_emit_state
        ((++tick % 2 == 0)) || continue
        if [[ $max != 0 ]]; then
            size=$(stat -c %s "$SY_LOGS/access.log" 2>/dev/null || echo 0)
            if ((size > max)); then
                mv -f "$SY_LOGS/access.log" "$SY_LOGS/access.log.1"
                kill -USR1 "$(cat "$SY_INNER_PID")" # reopen log files
            fi
        fi
        # A line per 15 s: keep the last 1,000 (mtail follows the rename).
        if (($(stat -c %s "$SY_STATE_LOG" 2>/dev/null || echo 0) > 1048576)); then
            tail -n 1000 "$SY_STATE_LOG" >"$SY_STATE_LOG.new" && mv -f "$SY_STATE_LOG.new" "$SY_STATE_LOG"
        fi
    done
) & rotator=$!

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
