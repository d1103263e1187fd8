#!/bin/sh
# /init of the DKMS lane: a stock Debian bookworm userspace (with dkms and
# the real linux-headers packages) doing what a user does. One
# "ZC: ok - dkms_<step>" line per step.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ln -sf /proc/self/fd /dev/fd
busybox ip link set lo up
k=$(uname -r)
src=/usr/src/zcnotify-0.1.0

step() {		# step <name> <command...>
	name=$1
	shift
	if "$@" >/tmp/step.log 2>&1; then
		echo "ZC: ok - dkms_$name"
	else
		echo "ZC: not ok - dkms_$name # $(tail -3 /tmp/step.log | tr '\n' ' ' | cut -c1-300)"
		sed 's/^/ZC: # /' /tmp/step.log | tail -20
	fi
}

echo "ZC: kernel $k"
step add dkms add "$src"
step build dkms build zcnotify/0.1.0 -k "$k"
step install dkms install zcnotify/0.1.0 -k "$k"
step modprobe modprobe zcnotify
step loaded test -d /sys/module/zcnotify
# The tests' own Makefile (its TEST_SRC lists the files), not static.
step compile_tests make -s -C "$src/tests" CC=gcc OUT=/tmp \
	CFLAGS_TEST="-std=c11 -Wall -Wextra -Werror -O2 -pthread -I$src/include/uapi -I$src/include" \
	/tmp/zc_test
/tmp/zc_test run sysfs stats_udp4 'basic_*' 'sendmmsg_*' 'invalid_*' 'hybrid_*' 'errors_*' \
	'adv_stale_*' 'adv_shared_*' 'adv_io_uring_*' 2>&1 |
	sed 's/^\(not \)\{0,1\}ok - /&dkms_test_/; s/^/ZC: /'
step modprobe_r modprobe -r zcnotify
step unloaded test ! -d /sys/module/zcnotify
step remove dkms remove zcnotify/0.1.0 --all
gone() {		# no zcnotify.ko* left for this kernel, and modprobe agrees
	left=$(find "/lib/modules/$k" -name 'zcnotify.ko*')
	[ -z "$left" ] || { echo "left behind: $left"; ls -la "/lib/modules/$k/updates/dkms"; dkms status; return 1; }
	! modprobe -n zcnotify
}
step removed gone

# The same through the Debian packages (make deb): apt/dpkg install,
# modprobe, an application built only against the installed headers.
step deb_install dpkg -i /debs/zcnotify-dkms_0.1.0_all.deb /debs/libzcnotify-dev_0.1.0_all.deb
step deb_modprobe modprobe zcnotify
mkdir -p /tmp/pkg
step deb_compile make -s -C "$src/tests" CC=gcc OUT=/tmp/pkg \
	CFLAGS_TEST="-std=c11 -Wall -Wextra -Werror -O2 -pthread" /tmp/pkg/zc_test
/tmp/pkg/zc_test run 'basic_*' 'helper_*' 'invalid_*' 2>&1 |
	sed 's/^\(not \)\{0,1\}ok - /&deb_test_/; s/^/ZC: /'
step deb_modprobe_r modprobe -r zcnotify
/tmp/pkg/zc_test run 'absent_*' 'fallback_*' 2>&1 |
	sed 's/^\(not \)\{0,1\}ok - /&deb_nomod_/; s/^/ZC: /'
step deb_remove dpkg -r zcnotify-dkms libzcnotify-dev
step deb_removed gone
echo "ZC: END"
echo o >/proc/sysrq-trigger
sleep 5
