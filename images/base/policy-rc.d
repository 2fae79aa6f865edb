#!/bin/sh
# Installed as /usr/sbin/policy-rc.d: package scripts must not start services during image builds.
exit 101
