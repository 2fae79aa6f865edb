#!/bin/sh
# Installs the schedule for Debian's cron, starts it, then serves the metrics in the foreground
# (the container lives as long as the metrics server; tini reaps cron's jobs).
set -eu
: "${SWITCHYARD_BACKUP_CRON:?set SWITCHYARD_BACKUP_CRON to a 5-field cron expression}"
[ -f /etc/switchyard/backup.json ] || { echo "switchyard-backup-runner: /etc/switchyard/backup.json is missing" >&2; exit 2; }
# cron starts jobs with an empty environment: the job gets what it needs from this file.
printf 'SWITCHYARD_STACK=%s\n' "${SWITCHYARD_STACK:-}" >/etc/switchyard/runner.env
# A job's output goes to the container's log (PID 1's stdout/stderr).
printf '%s root /usr/local/bin/switchyard-backup-run >/proc/1/fd/1 2>/proc/1/fd/2\n' "$SWITCHYARD_BACKUP_CRON" \
  >/etc/cron.d/switchyard-backup
chmod 0644 /etc/cron.d/switchyard-backup
cron
exec node /opt/switchyard/runtime/backup-runner.js serve
