#!/bin/sh
# Starts Debian's cron, then serves the metrics in the foreground (the container lives as long as
# the metrics server; tini reaps cron's jobs). The schedule, the tool config and the notification
# sinks are installed into the running container by the program (`backup-runner.js install`), and
# again whenever they change: cron re-reads /etc/cron.d, so the container is never replaced for it.
set -eu
# cron starts jobs with an empty environment: the job gets what it needs from this file.
printf 'SWITCHYARD_STACK=%s\n' "${SWITCHYARD_STACK:-}" >/etc/switchyard/runner.env
cron
exec node /opt/switchyard/runtime/backup-runner.js serve
