# Shared by switchyard-router (entrypoint) and switchyard-apply. Sourced, not run.
# The runtime contract with the renderer (components/routing/nginxConfig.ts ROUTER_IMAGE_RUNTIME):
# inner.conf is a complete nginx.conf listening on 127.0.0.1:8081 with these paths.
SY_DIR=/etc/switchyard/router
SY_INNER=$SY_DIR/inner.conf
SY_RUN=/run/switchyard
SY_INNER_PID=$SY_RUN/inner.pid
SY_INNER_LISTEN=127.0.0.1:8081
# The front proxies here (front.conf); the TCP listener is its backup.
SY_INNER_SOCKET=$SY_RUN/inner.sock
SY_TMP=/var/lib/switchyard/tmp
SY_LOGS=/var/log/switchyard
SY_FRONT_MAIN=/etc/nginx/switchyard/front.conf
SY_BOOTSTRAP=/usr/share/switchyard/router/bootstrap-inner.conf
# Read by the router exporter (mtail, components/observability/routerExporter.ts).
SY_STATE_LOG=$SY_LOGS/state.log
SY_MTAIL_PROG=/etc/switchyard/mtail/router.mtail
SY_EXPORTER_PORT=${SWITCHYARD_EXPORTER_PORT:-3903}

# sy_children PID: the pids of PID's child processes (the workers of an nginx master), sorted.
sy_children() {
    local stat line
    for stat in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$stat" || continue
        line=${line##*) } # the fields after "(comm) ": state ppid ...
        line=${line#* }
        [[ ${line%% *} == "$1" ]] || continue
        stat=${stat#/proc/}; echo "${stat%/stat}"
    done | LC_ALL=C sort
}

# sy_old_workers_retired PID...: true when each of these workers has exited or is in graceful
# shutdown (nginx retitles it "worker process is shutting down" as it closes its listening
# sockets and idle keep-alive connections): from then on only new workers take requests.
sy_old_workers_retired() {
    local p title
    for p in "$@"; do
        title=$(tr '\0' ' ' 2>/dev/null </proc/"$p"/cmdline) || continue
        [[ -z $title || $title == *"is shutting down"* ]] || return 1
    done
}

# sy_error_logs FILE: the error_log files an nginx.conf writes to (where a refused reload is explained).
sy_error_logs() {
    awk '$1 == "error_log" { f = $2; sub(/;$/, "", f); if (f != "stderr" && f !~ /^syslog:/ && f !~ /^memory:/) print f }' "$1" | sort -u
}

# sy_embedded_sha FILE: the sha in the rendered status document ("configSha256":"<64 hex>"), if any.
sy_embedded_sha() {
    grep -oE '"configSha256":"[0-9a-f]{64}"' "$1" | head -n1 | grep -oE '[0-9a-f]{64}' || true
}

# sy_status_path FILE SHA: the `location = PATH` whose block returns the status with SHA.
sy_status_path() {
    awk -v sha="\"configSha256\":\"$2\"" '
        $1 == "location" && $2 == "=" { path = $3 }
        index($0, sha) && path != "" { print path; exit }' "$1"
}

# sy_emit_state: appends the status document of the config in force, as the inner nginx serves it
# on a fresh connection, to $SY_STATE_LOG (one line), for the router exporter: configured weights,
# active colour and config sha. No-op (status 0) without a rendered config (bootstrap) or when the
# status does not answer; never fails its caller.
sy_emit_state() {
    local sha path doc
    sha=$(sy_embedded_sha "$SY_INNER")
    [[ -n $sha ]] || return 0
    path=$(sy_status_path "$SY_INNER" "$sha")
    [[ -n $path ]] || return 0
    doc=$(curl -fsS --max-time 2 "http://$SY_INNER_LISTEN$path" 2>/dev/null | head -n1) || return 0
    [[ $doc == "{"*"\"configSha256\":\"$sha\""* ]] || return 0
    printf '%s\n' "$doc" >>"$SY_STATE_LOG" || true
}
