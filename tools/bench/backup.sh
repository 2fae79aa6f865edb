#!/usr/bin/env bash
# Benchmark of the backup tool on a >= 100 MB PostgreSQL database (not a test).
# Starts a private PostgreSQL cluster in a temp dir (as user postgres when run as root),
# fills it, then times: snapshot (pg_dump -Fc + hash + re-read verify), verify, restore
# (verify + pg_restore --clean --if-exists --single-transaction + row counts).
# and, in the same run, raw pg_dump -Fc / pg_restore of the same database.
# Usage: tools/bench/backup.sh [ROWS] [COMPRESS_LEVEL] [RUNS]   (default 1500000 rows, ~ 380 MB on disk; pg_dump default compression; 1 run)
# BENCH_JSON=FILE also writes the figures there as JSON (npm run bench reads it).
set -euo pipefail
ROWS="${1:-1500000}"
Z="${2:-}"
RUNS="${3:-1}"
ZJSON=""; [ -n "$Z" ] && ZJSON=",\"compressLevel\":$Z"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOL="$ROOT/runtime/backup.js"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
WORK="$(mktemp -d /tmp/sy-bench-XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
PW="bench-$RANDOM$RANDOM"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { [ -n "${MOTO_PID:-}" ] && kill "$MOTO_PID" 2>/dev/null; as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres: "$WORK"
echo "$PW" > "$WORK/pw"; [ "$(id -u)" = 0 ] && chown postgres: "$WORK/pw"
as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=scram-sha-256 --pwfile="$WORK/pw" -E UTF8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off -c synchronous_commit=off -c max_wal_size=2GB" start >/dev/null
export PGPASSWORD="$PW"
PSQL=("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE bench"
t0=$(date +%s.%N)
"${PSQL[@]}" -d bench <<SQL
CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, at timestamptz NOT NULL, kind text NOT NULL, payload text NOT NULL);
INSERT INTO events SELECT g, g % 10007, timestamptz '2024-01-01' + g * interval '1 second', (ARRAY['view','click','buy','refund'])[1 + g % 4],
  md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || encode(sha256(g::text::bytea), 'base64')
  FROM generate_series(1, $ROWS) g;
CREATE INDEX events_account ON events (account, at);
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO accounts SELECT g, 'account-' || g FROM generate_series(0, 10006) g;
ANALYZE;
SQL
t1=$(date +%s.%N)
DBSIZE=$("${PSQL[@]}" -d bench -c "SELECT pg_database_size('bench')")
unset PGPASSWORD
export SWITCHYARD_BACKUP_CONFIG="{\"stack\":\"bench\",\"target\":{\"type\":\"local\",\"root\":\"$WORK/snapshots\"},\"postgres\":[{\"name\":\"bench\",\"urlEnv\":\"BENCH_DB_URL\"$ZJSON}],\"release\":{\"deploymentId\":\"bench\"}}"
export BENCH_DB_URL="postgres://postgres:$PW@127.0.0.1:$PORT/bench"
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
# Each run: switchyard's snapshot, verify and restore, then raw pg_dump -Fc and pg_restore of the
# same database (the overhead of manifest, hashing and verification is the difference).
RUNS_JSON=""
for run in $(seq "$RUNS"); do
  export SWITCHYARD_BACKUP_CONFIG="{\"stack\":\"bench\",\"target\":{\"type\":\"local\",\"root\":\"$WORK/snapshots\"},\"postgres\":[{\"name\":\"bench\",\"urlEnv\":\"BENCH_DB_URL\"$ZJSON}],\"release\":{\"deploymentId\":\"bench-$run\"}}"
  s0=$(now); OUT=$(node "$TOOL" snapshot 2>/dev/null); s1=$(now)
  ID=$(node -e 'console.log(JSON.parse(process.argv[1]).snapshotId)' "$OUT")
  TOTAL=$(node -e 'console.log(JSON.parse(process.argv[1]).totalBytes)' "$OUT")
  v0=$(now); node "$TOOL" verify "$ID" >/dev/null; v1=$(now)
  PGPASSWORD="$PW" "${PSQL[@]}" -d bench -c "DELETE FROM events WHERE id % 3 = 0; UPDATE accounts SET name = 'x'"
  r0=$(now); RESTORE=$(node "$TOOL" restore "$ID" --yes 2>/dev/null); r1=$(now)
  ROWS_AFTER=$(PGPASSWORD="$PW" "${PSQL[@]}" -d bench -c "SELECT count(*) FROM events")
  [ "$ROWS_AFTER" = "$ROWS" ] || { echo "restore check failed: $ROWS_AFTER rows, expected $ROWS" >&2; exit 1; }
  d0=$(now); PGPASSWORD="$PW" "$PGBIN/pg_dump" -Fc ${Z:+-Z "$Z"} -h 127.0.0.1 -p "$PORT" -U postgres -f "$WORK/raw.dump" bench; d1=$(now)
  RAW=$(stat -c %s "$WORK/raw.dump")
  PGPASSWORD="$PW" "${PSQL[@]}" -d bench -c "DELETE FROM events WHERE id % 3 = 0"
  p0=$(now); PGPASSWORD="$PW" "$PGBIN/pg_restore" --clean --if-exists --single-transaction -h 127.0.0.1 -p "$PORT" -U postgres -d bench "$WORK/raw.dump"; p1=$(now)
  rm -f "$WORK/raw.dump"
  echo "run $run: snapshot $(dt "$s0" "$s1") s ($(mb "$TOTAL")), verify $(dt "$v0" "$v1") s, restore $(dt "$r0" "$r1") s; raw pg_dump $(dt "$d0" "$d1") s ($(mb "$RAW")), raw pg_restore $(dt "$p0" "$p1") s"
  RUNS_JSON="$RUNS_JSON${RUNS_JSON:+,}{\"snapshotS\":$(dt "$s0" "$s1"),\"snapshotBytes\":$TOTAL,\"verifyS\":$(dt "$v0" "$v1"),\"restoreS\":$(dt "$r0" "$r1"),\"rawDumpS\":$(dt "$d0" "$d1"),\"rawDumpBytes\":$RAW,\"rawRestoreS\":$(dt "$p0" "$p1")}"
done
echo "rows:                 $ROWS events + 10007 accounts (load $(dt "$t0" "$t1") s)"
echo "database size:        $(mb "$DBSIZE") (pg_database_size)"
echo "last restore output:"; echo "$RESTORE" | sed 's/^/  /'
[ -n "${BENCH_JSON:-}" ] && echo "{\"rows\":$ROWS,\"databaseBytes\":$DBSIZE,\"runs\":[$RUNS_JSON]}" > "$BENCH_JSON"

# S3 leg (when moto_server is installed: pip install 'moto[server]'): upload + read-back verify, then restore from S3.
if [ -z "${BENCH_JSON:-}" ] && command -v moto_server >/dev/null 2>&1; then
  MPORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  moto_server -H 127.0.0.1 -p "$MPORT" >"$WORK/moto.log" 2>&1 & MOTO_PID=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$MPORT/" >/dev/null 2>&1 && break; sleep 0.2; done
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING=1
  (cd "$ROOT" && NODE_NO_WARNINGS=1 node -e 'const {S3Client,CreateBucketCommand}=require("@aws-sdk/client-s3"); new S3Client({endpoint:process.argv[1],forcePathStyle:true}).send(new CreateBucketCommand({Bucket:"bench"})).catch(e=>{console.error(e);process.exit(1)})' "http://127.0.0.1:$MPORT")
  export SWITCHYARD_BACKUP_CONFIG="{\"stack\":\"bench\",\"target\":{\"type\":\"s3\",\"bucket\":\"bench\",\"endpoint\":\"http://127.0.0.1:$MPORT\",\"forcePathStyle\":true},\"postgres\":[{\"name\":\"bench\",\"urlEnv\":\"BENCH_DB_URL\"$ZJSON}],\"release\":{\"deploymentId\":\"bench-s3\"}}"
  s0=$(now); OUT=$(node "$TOOL" snapshot 2>/dev/null); s1=$(now)
  ID=$(node -e 'console.log(JSON.parse(process.argv[1]).snapshotId)' "$OUT")
  PGPASSWORD="$PW" "${PSQL[@]}" -d bench -c "DELETE FROM events WHERE id % 5 = 0"
  r0=$(now); node "$TOOL" restore latest --yes >/dev/null 2>&1; r1=$(now)
  ROWS_AFTER=$(PGPASSWORD="$PW" "${PSQL[@]}" -d bench -c "SELECT count(*) FROM events")
  [ "$ROWS_AFTER" = "$ROWS" ] || { echo "S3 restore check failed: $ROWS_AFTER rows" >&2; exit 1; }
  echo "S3 (moto) snapshot:   $(dt "$s0" "$s1") s (pg_dump, local verify, upload, read-back verify)"
  echo "S3 (moto) restore:    $(dt "$r0" "$r1") s (download, verify, pg_restore, row counts)"
fi
