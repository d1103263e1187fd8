#!/bin/sh
# Sourced by the bench guest scripts (busybox sh): dummy0 at 10.9.0.1/24,
# where the UDP lane sends to 10.9.0.2 (no receiver, real zero-copy), and
# zcnotify loaded.
insmod /dummy.ko 2>/dev/null
ip link add dummy0 type dummy
ip addr add 10.9.0.1/24 dev dummy0
ip link set dummy0 up
# A permanent neighbour: no ARP resolution (queueing, then failing) that
# would change the cost of the first sends of a run.
ip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev dummy0 nud permanent
insmod /zcnotify.ko || echo "insmod failed"
