#!/bin/sh
# Starts sshd (daemon) and runs dockerd in the foreground; either failing ends the container.
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
# The app networks the stack creates come from a pool apart from the test network's range.
exec dockerd --host unix:///var/run/docker.sock --storage-driver overlay2 \
  --default-address-pool "base=${SWITCHYARD_HOST_POOL:-10.201.0.0/16},size=24" ${SWITCHYARD_DOCKERD_ARGS:-}
