# Installs the scheduled backup settings (schedule, tool config, notification sinks: JSON, a
# Pulumi secret) into the running runner container; the runner writes them to 0600 files and
# cron's schedule file. The settings travel on stdin, never argv.
set -eu
printf '%s' "$SY_RUNNER_SETTINGS" | docker exec -i "$SY_CONTAINER" node /opt/switchyard/runtime/backup-runner.js install
