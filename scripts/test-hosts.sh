#!/usr/bin/env bash
# Throwaway Docker hosts for the multi-host tests: containers of switchyard/docker-host, each with its
# own dockerd and sshd, on a network made for them, reached as ssh://root@<ip> with a generated key.
#
#   scripts/test-hosts.sh up NAME COUNT [IMAGE...]   start COUNT hosts, wait for `docker -H ssh://`,
#                                                    load the IMAGEs (local refs) into each
#   scripts/test-hosts.sh cut NAME I                 make host I (1-based) unreachable: it drops every packet
#                                                    from the network (ssh and published ports time out)
#   scripts/test-hosts.sh mend NAME I                reachable again
#   scripts/test-hosts.sh down NAME                  remove the hosts, their volumes, network and files
#
# `up` writes $SWITCHYARD_HOSTS_DIR/NAME (default /tmp/switchyard-hosts/NAME): the client key, a known_hosts
# with each host's own generated key (host keys are checked, never skipped), an ssh_config, bin/ssh (ssh
# with that config, to put first on PATH: the docker CLI and the docker provider run `ssh` from PATH,
# so the user's ~/.ssh is never read or written) and hosts.json: [{name, ip, host}] plus timings.
# A failed `up` removes everything it made. Labels: switchyard.test-hosts=NAME.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE=${SWITCHYARD_DOCKER_HOST_IMAGE:-switchyard/docker-host:${SWITCHYARD_IMAGE_TAG:-local}}
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" >&2; exit 2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

cmd=${1:-}; NAME=${2:-}
[[ -n $cmd && -n $NAME ]] || usage
[[ $NAME =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || sy_die "test-hosts: NAME '$NAME' must be lower-case letters, digits and '-' (at most 31)"
DIR=${SWITCHYARD_HOSTS_DIR:-/tmp/switchyard-hosts}/$NAME
LABEL=switchyard.test-hosts=$NAME

down() {
    local ids
    # Close the shared ssh connections first, so no master outlives its host.
    if [[ -f $DIR/ssh_config && -f $DIR/hosts.txt ]]; then
        while read -r _ ip; do ssh -F "$DIR/ssh_config" -O exit "$ip" >/dev/null 2>&1 || true; done <"$DIR/hosts.txt"
    fi
    ids=$(docker ps -aq --filter "label=$LABEL")
    [[ -z $ids ]] || docker rm -f -v $ids >/dev/null
    ids=$(docker network ls -q --filter "label=$LABEL")
    [[ -z $ids ]] || docker network rm $ids >/dev/null
    rm -rf "$DIR"
}

up() {
    local count=$1; shift
    [[ $count =~ ^[1-9][0-9]?$ ]] || sy_die "test-hosts: COUNT '$count' must be 1..99"
    # Built, or rebuilt when its recipe changed (a no-op when it is up to date); an image named by
    # SWITCHYARD_DOCKER_HOST_IMAGE is taken as it is.
    if [[ -z ${SWITCHYARD_DOCKER_HOST_IMAGE:-} ]]; then
        bash "$SY_ROOT/scripts/images.sh" --only docker-host || sy_die "test-hosts: could not build $IMAGE (scripts/images.sh --only docker-host)"
    fi
    docker image inspect "$IMAGE" >/dev/null 2>&1 || sy_die "test-hosts: image $IMAGE is missing"
    local img; for img in "$@"; do docker image inspect "$img" >/dev/null 2>&1 || sy_die "test-hosts: image $img is missing"; done
    down
    trap 'rc=$?; if ((rc != 0)); then echo "test-hosts: up failed, removing $NAME" >&2; down; fi' EXIT
    mkdir -p "$DIR/bin" && chmod 0700 "$DIR"
    local t0 i n ip
    t0=$(now)
    ssh-keygen -q -t ed25519 -N '' -C "switchyard-test-$NAME" -f "$DIR/id_ed25519"
    cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys" && chmod 0644 "$DIR/authorized_keys"
    docker network create --label "$LABEL" "$NAME-hosts" >/dev/null
    : >"$DIR/known_hosts"; : >"$DIR/hosts.txt"
    for ((i = 1; i <= count; i++)); do
        n=$NAME-host$i
        ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$DIR/$n.hostkey"
        chmod 0644 "$DIR/$n.hostkey" # read by sshd's root inside, which copies it to 0600
        # Every capability but those missing from this machine's bounding set: --privileged asks for
        # all of them and fails where one is absent (here CAP_SYS_RESOURCE, which dockerd can do without).
        docker run -d --name "$n" --hostname "$n" --label "$LABEL" --network "$NAME-hosts" \
            --cap-add ALL --cap-drop SYS_RESOURCE \
            --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
            -v "$DIR/authorized_keys:/etc/switchyard/host/authorized_keys:ro" \
            -v "$DIR/$n.hostkey:/etc/switchyard/host/ssh_host_ed25519_key:ro" \
            "$IMAGE" >/dev/null
        ip=$(docker inspect -f "{{ (index .NetworkSettings.Networks \"$NAME-hosts\").IPAddress }}" "$n")
        echo "$n $ip" >>"$DIR/hosts.txt"
        echo "$ip $(cut -d' ' -f1,2 "$DIR/$n.hostkey.pub")" >>"$DIR/known_hosts"
    done
    cat >"$DIR/ssh_config" <<CONF
Host *
    User root
    IdentityFile $DIR/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $DIR/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 5
    ControlMaster auto
    ControlPath $DIR/cm-%C
    ControlPersist 60
    ServerAliveInterval 2
    ServerAliveCountMax 2
CONF
    printf '#!/bin/sh\nexec /usr/bin/ssh -F %q "$@"\n' "$DIR/ssh_config" >"$DIR/bin/ssh"
    chmod 0755 "$DIR/bin/ssh"
    local started ready=() deadline
    started=$(since "$t0")
    deadline=$(($(date +%s) + 60))
    while read -r n ip; do
        until PATH=$DIR/bin:$PATH docker -H "ssh://root@$ip" version --format '{{.Server.Version}}' >/dev/null 2>&1; do
            [[ $(docker inspect -f '{{.State.Running}}' "$n") == true ]] || { docker logs --tail 20 "$n" >&2; sy_die "test-hosts: $n stopped"; }
            (($(date +%s) < deadline)) || { docker logs --tail 20 "$n" >&2; sy_die "test-hosts: $n: docker -H ssh://root@$ip did not answer in 60 s"; }
            sleep 0.3
        done
        ready+=("$(since "$t0")")
    done <"$DIR/hosts.txt"
    local t1 loaded=0 pids=()
    t1=$(now)
    if (($# > 0)); then
        docker save "$@" >"$DIR/images.tar"
        while read -r n ip; do
            (PATH=$DIR/bin:$PATH docker -H "ssh://root@$ip" load -q <"$DIR/images.tar" >"$DIR/$n.load.log" 2>&1 ||
                { cat "$DIR/$n.load.log" >&2; exit 1; }) &
            pids+=($!)
        done <"$DIR/hosts.txt"
        for p in "${pids[@]}"; do wait "$p" || sy_die "test-hosts: loading images failed"; done
        rm -f "$DIR/images.tar"
        loaded=$#
    fi
    local load_s; load_s=$(since "$t1")
    node -e '
        const fs = require("fs");
        const [dir, started, ready, load, images, total] = process.argv.slice(1);
        const lines = fs.readFileSync(dir + "/hosts.txt", "utf8").trim().split("\n");
        const hosts = lines.map((l) => { const [name, ip] = l.split(" "); return { name, ip, host: "ssh://root@" + ip }; });
        const r = { dir, path: dir + "/bin", hosts, seconds: { started: +started, ready: ready.split(" ").map(Number), imageLoad: +load, total: +total }, images: +images };
        fs.writeFileSync(dir + "/hosts.json", JSON.stringify(r, null, 2) + "\n");
        console.log(JSON.stringify(r));
    ' "$DIR" "$started" "${ready[*]}" "$load_s" "$loaded" "$(since "$t0")"
    trap - EXIT
}

# cut|mend I: the host's line in hosts.txt gives its container and address.
host_line() {
    [[ ${1:-} =~ ^[1-9][0-9]?$ ]] || sy_die "test-hosts: host index '${1:-}' must be 1..99"
    [[ -f $DIR/hosts.txt ]] || sy_die "test-hosts: no hosts named $NAME (run up first)"
    sed -n "${1}p" "$DIR/hosts.txt" | grep . || sy_die "test-hosts: $NAME has no host $1"
}
# The host's own firewall drops what comes from the test network (to itself and to its containers'
# published ports), so a client sees a host that does not answer, as after a network failure.
CUT_RULES=("INPUT -i eth0 -j DROP" "FORWARD -i eth0 -j DROP")
cut_host() {
    local n ip r
    read -r n ip <<<"$(host_line "$1")"
    # The shared ssh connection would outlive the cut and hang new sessions: close it first.
    ssh -F "$DIR/ssh_config" -O exit "$ip" >/dev/null 2>&1 || true
    for r in "${CUT_RULES[@]}"; do
        # shellcheck disable=SC2086 # a rule is several words
        docker exec "$n" iptables -C $r 2>/dev/null || docker exec "$n" iptables -I $r
    done
}
mend_host() {
    local n ip r
    read -r n ip <<<"$(host_line "$1")"
    for r in "${CUT_RULES[@]}"; do
        # shellcheck disable=SC2086
        while docker exec "$n" iptables -C $r 2>/dev/null; do docker exec "$n" iptables -D $r; done
    done
}

case $cmd in
    up) shift 2; up "${1:-}" "${@:2}" ;;
    cut) cut_host "${3:-}" ;;
    mend) mend_host "${3:-}" ;;
    down) down ;;
    *) usage ;;
esac
