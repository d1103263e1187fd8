#!/bin/sh
# /init of the DKMS lane: a stock Debian bookworm userspace (with dkms, the
# real linux-headers packages and systemd's modules-load) doing what a
# user does: make dkms-install from a clean tree, then the .debs. One
# "ZC: ok - dkms_<step>" line per step. The last steps raise the
# module-signature policy (sig_enforce, lockdown), which cannot be lowered
# again in this boot.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t securityfs securityfs /sys/kernel/security
ln -sf /proc/self/fd /dev/fd
busybox ip link set lo up
k=$(uname -r)
a=$(uname -m)
tree=/root/zcnotify	# the tree as a user clones it (without .git)
ver=$(cat "$tree/VERSION")
src=/usr/src/zcnotify-$ver
mla=/usr/lib/systemd/systemd-modules-load

step() {		# step <name> <command...>; the command's exit 77: skipped
	name=$1
	shift
	"$@" >/tmp/step.log 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ZC: ok - dkms_$name"
	elif [ $rc -eq 77 ]; then
		echo "ZC: ok - dkms_$name # SKIP $(tail -1 /tmp/step.log | cut -c1-200)"
	else
		echo "ZC: not ok - dkms_$name # $(tail -3 /tmp/step.log | tr '\n' ' ' | cut -c1-300)"
		sed 's/^/ZC: # /' /tmp/step.log | tail -20
	fi
}
loaded() {		# the module is in, and said so in one log line
	test -d /sys/module/zcnotify &&
		dmesg | grep -q "zcnotify: version $ver loaded"
}
unloaded() { test ! -d /sys/module/zcnotify; }
# /usr/src holds exactly packaging/dkms-files.txt (expanded on the host).
src_files() {
	(cd "$src" && find . -type f | sed 's#^\./##' | sort) >/tmp/src.list
	diff -u /dkms-files.expected /tmp/src.list
}
# dkms build's outcome is 77, "Skipped" in dkms's postinst, not an error.
skipped() {		# skipped <dkms build arguments...>
	dkms build zcnotify/$ver "$@"
	rc=$?
	echo "dkms build $*: exit $rc"
	[ $rc -eq 77 ]
}
# This kernel's config without CONFIG_KPROBES, under another release name
# (dkms would answer "already built" for this one before reading dkms.conf).
no_kprobes() {
	mkdir -p /tmp/nokprobes
	grep -v '^CONFIG_KPROBES=' "/lib/modules/$k/build/.config" >/tmp/nokprobes/.config
	skipped -k "$k-nokprobes" --kernelsourcedir=/tmp/nokprobes
}
signer() { modinfo -F signer zcnotify | tee /dev/stderr | grep -qx 'DKMS module signing key'; }
gone() {		# no zcnotify.ko* left for this kernel, and modprobe agrees
	left=$(find "/lib/modules/$k" -name 'zcnotify.ko*')
	[ -z "$left" ] || { echo "left behind: $left"; ls -la "/lib/modules/$k/updates/dkms"; dkms status; return 1; }
	! modprobe -n zcnotify
}
tests() {		# tests <out dir> <prefix> <glob...>: run zc_test's matching cases
	o=$1 p=$2
	shift 2
	# Not *_example_*: they run examples/ built static into make check's
	# image (/bin/zcn_ring_*), which this one has no C++ compiler for;
	# deb_example builds the README's example against the package here.
	set -f
	/tmp/$o/zc_test run $(/tmp/$o/zc_test list "$@" | grep -v '_example_') 2>&1 |
		sed 's/^\(not \)\{0,1\}ok - /&'"$p"'_/; s/^/ZC: /'
	set +f
}

echo "ZC: kernel $k ($a)"
# From the source tree, as the README says.
step make_install make -C "$tree" dkms-install
step loaded loaded
step src_files src_files
step signed signer
step skip_arch skipped -k "$k" -a ppc64le
step skip_config no_kprobes
mkdir -p /tmp/src
# The tests' own Makefile (its TEST_SRC lists the files), not static.
step compile_tests make -s -C "$tree/tests" CC=gcc OUT=/tmp/src \
	CFLAGS_TEST="-std=c11 -Wall -Wextra -Werror -O2 -pthread -I$tree/include/uapi -I$tree/include" \
	/tmp/src/zc_test
tests src dkms_test sysfs stats_udp4 'basic_*' 'sendmmsg_*' 'invalid_*' 'hybrid_*' 'errors_*' \
	'adv_stale_*' 'adv_shared_*' 'adv_io_uring_*'
step make_remove make -C "$tree" dkms-remove
step unloaded unloaded
step removed gone
step removed_boot_load test ! -e /usr/local/lib/modules-load.d/zcnotify.conf

# The same through the Debian packages (make deb): dpkg install (the
# postinst builds and loads it), an application built only against the
# installed headers, the boot-time load and its opt-out, an upgrade,
# removal.
dmesg -C
step deb_install dpkg -i /debs/zcnotify-dkms_${ver}_all.deb /debs/libzcnotify-dev_${ver}_all.deb
step deb_loaded loaded
# zcnotify-tools (built for the host's architecture only): its
# zcnotify-selftest, as a user runs it, with the module and without.
tools=$(ls /debs/zcnotify-tools_${ver}_$(dpkg --print-architecture).deb 2>/dev/null)
selftest() {
	[ -n "$tools" ] || { echo "no zcnotify-tools for $(dpkg --print-architecture) (built on the host)"; return 77; }
	zcnotify-selftest >/tmp/selftest.log 2>&1
	rc=$?
	grep -E '^not ok|^# zcnotify-selftest|passed, ' /tmp/selftest.log | sed 's/^/ZC: # /' >/dev/console
	cat /tmp/selftest.log
	return $rc
}
tools_install() {
	[ -n "$tools" ] || { echo "no zcnotify-tools for $(dpkg --print-architecture) (built on the host)"; return 77; }
	dpkg -i "$tools"
}
step deb_tools_install tools_install
step deb_selftest selftest
step deb_src_files src_files
mkdir -p /tmp/pkg
step deb_compile make -s -C "$tree/tests" CC=gcc OUT=/tmp/pkg \
	CFLAGS_TEST="-std=c11 -Wall -Wextra -Werror -O2 -pthread" /tmp/pkg/zc_test
tests pkg deb_test 'basic_*' 'helper_*' 'invalid_*'
# The README's example as the package installs it: completions in
# sendmsg() with the module, from the error queue without.
ex=/usr/share/doc/libzcnotify-dev/examples/zc_example.c
step deb_example_build gcc -std=c11 -Wall -Wextra -Werror -O2 -o /tmp/pkg/zc_example $ex
step deb_example sh -c '/tmp/pkg/zc_example | tee /dev/stderr | grep -q "in sendmsg() (zcnotify)"'
step deb_modprobe_r modprobe -r zcnotify
step deb_example_nomod sh -c '/tmp/pkg/zc_example | tee /dev/stderr | grep -q "from MSG_ERRQUEUE"'
step deb_selftest_nomod selftest
tests pkg deb_nomod 'absent_*' 'fallback_*'
# What systemd-modules-load.service runs at boot, with this image's
# systemd: the package's modules-load.d file loads it.
boot_load() { "$mla" && loaded; }
boot_noload() { "$mla" && unloaded; }
dmesg -C
step deb_boot_load boot_load
# The documented opt-out: mask the file from /etc.
step deb_optout_unload modprobe -r zcnotify
ln -s /dev/null /etc/modules-load.d/zcnotify.conf
step deb_optout boot_noload
rm /etc/modules-load.d/zcnotify.conf
dmesg -C
step deb_boot_load_again boot_load
# An upgrade under senders: dpkg -i of this tree as the next version
# (check-dkms.sh builds it); dkms builds it and the postinst replaces the
# loaded module (zcnotify-reload), every completion arriving once
# (tests/unload.c upgrade_traffic).
next=$(cat /debs/next/VERSION)
shown() {		# shown <log> <regex>: the log on stdout, its matching lines on the console
	grep -E "$2" "$1" | sed 's/^/ZC: # /' >/dev/console
	cat "$1"
}
upgrade() {
	ZC_UPGRADE_CMD="dpkg -i /debs/next/zcnotify-dkms_${next}_all.deb" \
		/tmp/pkg/zc_test run upgrade_traffic >/tmp/upgrade.log 2>&1
	rc=$?
	shown /tmp/upgrade.log '^#|^zcnotify: '
	[ $rc -eq 0 ]
}
dmesg -C
step deb_upgrade_traffic upgrade
step deb_upgrade_loaded sh -c "grep -qx '$next' /sys/module/zcnotify/version &&
	dmesg | grep -q 'zcnotify: version $next loaded'"
# A swap whose new module cannot load (here modprobe.d forbids it, going
# back to $ver): the package is installed, the old module is gone, and
# the user reads one line saying so (zcnotify-reload's), not a second
# one from the postinst.
failed_swap() {
	echo 'install zcnotify /bin/false' >/etc/modprobe.d/zc-refuse.conf
	dpkg -i /debs/zcnotify-dkms_${ver}_all.deb >/tmp/swap.log 2>&1
	rc=$?
	rm -f /etc/modprobe.d/zc-refuse.conf
	shown /tmp/swap.log 'zcnotify(-dkms)?: '
	[ $rc -eq 0 ] && unloaded &&
		[ "$(grep -c 'not loaded' /tmp/swap.log)" = 1 ] &&
		grep -q "^zcnotify: version $next unloaded; version $ver was not loaded" /tmp/swap.log
}
step deb_downgrade_failed_swap failed_swap
reload() { modprobe zcnotify && loaded; }
step deb_downgrade_load reload
# Removing the package unloads the module (prerm).
step deb_remove dpkg -r zcnotify-dkms libzcnotify-dev ${tools:+zcnotify-tools}
step deb_remove_unloaded unloaded
step deb_removed gone

# Signatures. dkms signed the module with its own MOK key pair, which
# this kernel does not trust (no shim, nothing enrolled): it loads, with
# a "module verification failed" taint, while nothing enforces
# signatures. A copy without the signature is the unsigned case.
dmesg -C
step deb_reinstall dpkg -i /debs/zcnotify-dkms_${ver}_all.deb
ko=$(modinfo -n zcnotify)
unsigned() {		# unsigned <out.ko>: the installed module, signature cut off
	case $ko in
	*.xz) busybox xzcat "$ko" >/tmp/signed.ko ;;
	*) cp "$ko" /tmp/signed.ko ;;
	esac
	size=$(stat -c %s /tmp/signed.ko)
	# struct module_signature (12 bytes, sig_len big-endian at 8) and
	# the 28-byte "~Module signature appended~\n" end the file.
	set -- $(od -An -tu1 -j $((size - 40 + 8)) -N4 /tmp/signed.ko)
	len=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))
	head -c $((size - 40 - len)) /tmp/signed.ko >/tmp/unsigned.ko
	! grep -q 'Module signature appended' /tmp/unsigned.ko
}
step unsigned_copy unsigned
step loaded_untrusted loaded
lk=/sys/kernel/security/lockdown
echo "ZC: # lockdown before: $(cat $lk)"
# Raised at run time with the module loaded: it keeps working, exactly.
step lockdown_raise sh -c "echo integrity >$lk && grep -q '\\[integrity\\]' $lk"
tests pkg dkms_lockdown 'basic_*'
# An upgrade now: the new module could not load (the kernel does not
# trust dkms's key), so zcnotify-reload keeps the loaded one, and says so.
kept() {
	dpkg -i /debs/next/zcnotify-dkms_${next}_all.deb >/tmp/kept.log 2>&1
	shown /tmp/kept.log 'zcnotify: '
	grep -q 'keeps running until the next boot' /tmp/kept.log &&
		grep -qx "$ver" /sys/module/zcnotify/version
}
step lockdown_upgrade_kept kept
step lockdown_unload modprobe -r zcnotify
# Lockdown without enforcement: EPERM, and the lockdown log line.
refused() {		# refused <errno text> <log text> <command...>
	e=$1 l=$2
	shift 2
	dmesg -C
	if "$@" >/tmp/refused.log 2>&1; then echo "loaded: $*"; return 1; fi
	# What the user sees, and the kernel's line, on the console too.
	{ cat /tmp/refused.log; dmesg | grep -i "$l"; } | sed 's/^/ZC: # /' >/dev/console
	grep -q "$e" /tmp/refused.log && dmesg | grep -q "$l" && unloaded
}
step lockdown_refuses_untrusted refused 'Operation not permitted' 'Lockdown: .*unsigned module loading is restricted' \
	modprobe zcnotify
step lockdown_refuses_unsigned refused 'Operation not permitted' 'Lockdown: .*unsigned module loading is restricted' \
	insmod /tmp/unsigned.ko
# module.sig_enforce=1 (what a Secure Boot machine enforces): the error a
# user sees before enrolling dkms's key.
echo 1 >/sys/module/module/parameters/sig_enforce
step enforce_refuses_untrusted refused 'Key was rejected by service' 'Loading of module with unavailable key is rejected' \
	modprobe zcnotify
step enforce_refuses_unsigned refused 'Key was rejected by service' 'Loading of unsigned module is rejected' \
	insmod /tmp/unsigned.ko
echo "ZC: END"
echo o >/proc/sysrq-trigger
sleep 5
