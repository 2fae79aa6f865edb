#!/usr/bin/env bash
# Self-test of the router image against the real Docker engine: bootstrap config, switchyard-apply
# (success, no-op, sha mismatch, nginx -t failure, refused reload), JSON access log, supervision.
# Needs switchyard/router:$TAG (default local) and switchyard/demo-app:1.0.0 (scripts/images.sh).
# Cleans up what it creates. Ends with "N passed, N failed".
set -uo pipefail
TAG=${SWITCHYARD_IMAGE_TAG:-local}
ROUTER=switchyard/router:$TAG
APP=switchyard/demo-app:1.0.0
id=sy-selftest-$$
pass=0 fail=0
check() { # check NAME COMMAND...
    if "${@:2}"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
cleanup() {
    docker rm -f "$id-router" "$id-blue" "$id-green" >/dev/null 2>&1
    docker volume rm "$id-routes" >/dev/null 2>&1
    docker network rm "$id" >/dev/null 2>&1
    rm -rf "$work"
}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap cleanup EXIT

docker network create "$id" >/dev/null
for c in blue green; do
    docker run -d --name "$id-$c" --network "$id" -e APP_COLOR=$c -e APP_VERSION=1.0.0 "$APP" >/dev/null
done
docker run -d --name "$id-router" --network "$id" -p 127.0.0.1::80 -v "$id-routes:/etc/switchyard/router" "$ROUTER" >/dev/null
port=$(docker port "$id-router" 80/tcp | head -n1 | sed 's/.*://')
url=http://127.0.0.1:$port
ip() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
for _ in $(seq 50); do curl -s -o /dev/null "$url/__switchyard/router-health" && break; sleep 0.1; done

# A complete inner nginx.conf as the renderer makes them: status document with an embedded sha.
render() { # render COLOR [EXTRA_LISTEN] > file; prints the sha on fd 3
    local c=$1 extra=${2:-} text sha
    text=$(cat <<CONF
worker_processes 1;
pid /run/switchyard/inner.pid;
error_log /var/log/switchyard/inner-error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path /var/lib/switchyard/tmp/client_body;
    proxy_temp_path /var/lib/switchyard/tmp/proxy;
    map \$host \$sy_color { default "$c"; }
    log_format switchyard escape=json '{"color":"\$sy_color","status":\$status,"request_time":\$request_time,"upstream_response_time":"\$upstream_response_time"}';
    access_log /var/log/switchyard/access.log switchyard;
    upstream sy_app { server $(ip "$id-$c"):8080; keepalive 8; }
    server {
        listen 127.0.0.1:8081 default_server;
        $extra
        location = /_switchyard/status {
            default_type application/json;
            return 200 '{"activeColor":"$c","configSha256":"@@CONFIG_SHA256@@"}\n';
        }
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://sy_app;
        }
    }
}
CONF
)
    sha=$(printf '%s\n' "$text" | sha256sum | cut -c1-64)
    printf '%s\n' "${text/@@CONFIG_SHA256@@/$sha}"
    echo "$sha" >&3
}
apply() { docker exec -i "$id-router" switchyard-apply "$@"; }
color() { curl -s "$url/" | sed -E 's/.*"color":"([a-z]+)".*/\1/'; }

check "bootstrap answers 503 'no routes applied yet'" \
    bash -c "[[ \$(curl -s -w ' %{http_code}' $url/) == 'switchyard: no routes applied yet'$'\n'' 503' ]]"
render blue >"$work/blue.conf" 3>"$work/blue.sha"
render green >"$work/green.conf" 3>"$work/green.sha"
render green 'listen 80;' >"$work/busy.conf" 3>"$work/busy.sha"
check "apply blue from stdin with its sha" apply - "$(cat "$work/blue.sha")" <"$work/blue.conf"
check "blue is served" [ "$(color)" = blue ]
check "applying it again is a no-op" bash -c "docker exec -i $id-router switchyard-apply - <$work/blue.conf | grep -q 'already in force'"
apply - 0000 <"$work/green.conf" 2>"$work/err"; rc=$?
check "a sha mismatch exits 2" [ $rc = 2 ]
render blue 'no_such_directive on;' >"$work/bad.conf" 3>/dev/null
apply - <"$work/bad.conf" 2>"$work/err"; rc=$?
check "a config nginx -t rejects exits 1 with nginx's message" bash -c "[ $rc = 1 ] && grep -q 'unknown directive \"no_such_directive\"' $work/err"
apply - <"$work/busy.conf" 2>"$work/err"; rc=$?
check "a refused reload (port 80 busy) exits 1 with the [emerg] lines" bash -c "[ $rc = 1 ] && grep -q 'bind() to 0.0.0.0:80 failed' $work/err"
check "after both failures blue is still served and on disk" bash -c \
    "[ \"\$(curl -s $url/ | grep -o blue)\" = blue ] && docker exec $id-router cat /etc/switchyard/router/inner.conf | cmp -s - $work/blue.conf"
check "apply green (file path, no sha)" bash -c "docker cp $work/green.conf $id-router:/tmp/green.conf && docker exec $id-router switchyard-apply /tmp/green.conf >/dev/null"
check "green is served" [ "$(color)" = green ]
check "the access log is JSON with the colour" bash -c \
    "docker exec $id-router tail -n1 /var/log/switchyard/access.log | grep -q '\"color\":\"green\",\"status\":200'"
docker exec "$id-router" sh -c 'kill -TERM "$(cat /run/switchyard/inner.pid)"'
for _ in $(seq 50); do [ "$(docker inspect -f '{{.State.Running}}' "$id-router")" = false ] && break; sleep 0.1; done
check "the container exits when the inner master dies" \
    bash -c "[ \"\$(docker inspect -f '{{.State.Running}} {{.State.ExitCode}}' $id-router)\" != 'true 0' ] && [ \"\$(docker inspect -f '{{.State.ExitCode}}' $id-router)\" != 0 ]"
docker start "$id-router" >/dev/null
port=$(docker port "$id-router" 80/tcp | head -n1 | sed 's/.*://'); url=http://127.0.0.1:$port
for _ in $(seq 50); do curl -s -o /dev/null "$url/__switchyard/router-health" && break; sleep 0.1; done
check "after a restart the volume's config (green) is served" [ "$(color)" = green ]
echo "router selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
