#!/bin/sh
# Starts sshd (daemon), containerd, then dockerd, restarting dockerd whenever it exits, as a
# systemd host does (docker.service Restart=always beside its own containerd.service). With
# /etc/docker/daemon.json's "live-restore": true the containers keep running while dockerd is
# down, so a test can restart the daemon (kill -TERM "$(cat /var/run/docker.pid)") as a real host would.
set -eu
dir=/etc/switchyard/host
[ -s "$dir/authorized_keys" ] || { echo "switchyard-docker-host: $dir/authorized_keys is missing" >&2; exit 1; }
[ -s "$dir/ssh_host_ed25519_key" ] || { echo "switchyard-docker-host: $dir/ssh_host_ed25519_key is missing" >&2; exit 1; }
# sshd refuses a host key readable by others; the mounted file keeps the test's mode.
install -m 0600 "$dir/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
# Without --privileged (see scripts/test-hosts.sh) Docker mounts the cgroup v1 hierarchies read-only;
# dockerd nests its containers' cgroups under this container's, so it needs them writable.
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  awk '$3 == "cgroup" { print $2 }' /proc/mounts | while read -r m; do mount -o remount,bind,rw "$m"; done
fi
/usr/sbin/sshd -t
/usr/sbin/sshd
# containerd outside dockerd: a containerd that dockerd started itself would go down with it.
containerd >/var/log/containerd.log 2>&1 &
i=0
until [ -S /run/containerd/containerd.sock ]; do
  i=$((i + 1)); [ "$i" -lt 100 ] || { echo "switchyard-docker-host: containerd did not start" >&2; cat /var/log/containerd.log >&2; exit 1; }
  sleep 0.1
done
# The app networks the stack creates come from a pool apart from the test network's range.
while :; do
  # shellcheck disable=SC2086 # extra arguments are several words
  dockerd --host unix:///var/run/docker.sock --containerd /run/containerd/containerd.sock --storage-driver overlay2 \
    --default-address-pool "base=${SWITCHYARD_HOST_POOL:-10.201.0.0/16},size=24" ${SWITCHYARD_DOCKERD_ARGS:-} || true
  echo "switchyard-docker-host: dockerd exited; starting it again" >&2
  sleep 0.5
done
