#!/bin/bash
# switchyard-postgres: initialise $PGDATA on first start, then run postgres in the foreground.
# Env: POSTGRES_PASSWORD (required for initialisation), POSTGRES_USER (default postgres),
#      POSTGRES_DB (default $POSTGRES_USER). Extra arguments are passed to postgres.
set -euo pipefail
log() { printf 'switchyard-postgres: %s\n' "$*" >&2; }
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    [[ -n ${POSTGRES_PASSWORD:-} ]] || { log "POSTGRES_PASSWORD is empty: set it to initialise $PGDATA"; exit 1; }
    log "initialising $PGDATA (user $user, database $db)"
    pwfile=$(mktemp /run/postgresql/pw.XXXXXX)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"; chown postgres "$pwfile"; chmod 0600 "$pwfile"
    as_pg initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    # Local socket: trust (inside the container only). Network: password (scram-sha-256).
    printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/run/postgresql" -w start >/dev/null
    psql=(as_pg psql -v ON_ERROR_STOP=1 -X -q -h /run/postgresql -U "$user" -d postgres)
    if [[ $("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '${db//\'/\'\'}'") != 1 ]]; then
        "${psql[@]}" -c "CREATE DATABASE \"${db//\"/\"\"}\""
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case $f in
            *.sql) log "running $f"; as_pg psql -v ON_ERROR_STOP=1 -X -q -h /run/postgresql -U "$user" -d "$db" -f "$f" ;;
            *.sh) log "running $f"; bash "$f" ;;
        esac
    done
    as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    log "initialised"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups \
    postgres -D "$PGDATA" -c listen_addresses='*' -c port=5432 -c unix_socket_directories=/run/postgresql "$@"
