# SPDX-License-Identifier: GPL-2.0
# zcnotify top-level Makefile.
#   make [KDIR=...]     build zcnotify.ko (default: the running kernel)
#   make check          full test suite in QEMU on stock Debian kernels
#                       (TESTS=glob,glob: only those; KERNELS="k k": those)
#   make demo           boot a stock kernel and run the demo
#   make preload        build/preload/libzcnotify-preload.so (LD_PRELOAD
#                       library for unmodified programs; zcnotify-run)
#   make lint           checkpatch --strict and sparse
#   make bench          benchmark on stock kernels in QEMU (TCG wall clock
#                       and instruction counts, one CSV and SVG)
#   make bench-icount   the benchmark in executed instructions (QEMU -icount)
#   make bench-where    a send's instructions per function, every one counted
#                       (QEMU -icount and a TCG plugin; amd64 kernels)
#   make bench-latency  how long the callbacks run, worst cases (a measuring
#                       build of the module: ZC_LATENCY=y)
#   make bench-host     what reaping costs on this machine's kernel, real CPU
#   make bench-contention  what the shared module reference costs two CPUs (real CPU)
#   make matrix         the suite on every kernel in harness/kernels.txt
#   make check-dkms     dkms add/build/install + modprobe inside a Debian VM
#   make check-fresh    .ci/run from a fresh clone in a fresh debootstrap
#                       (what a new machine's CI sees; slow, cold caches)
#   make stress         long fuzz and soak with an unload storm
#   make check-debug    the suite on a KASAN/lockdep/KMEMLEAK 6.1 build
#   make check-debug-rt the same on a 6.12 PREEMPT_RT build (+ raw lock nesting)
#   make install        header, helper, pkg-config file, man page, zcstat,
#                       zcnotify-bench (install-dev, install-tools: parts)
#   make dkms-install   the module's sources to /usr/src, dkms install, modprobe,
#                       load at boot (dkms-remove undoes)
#   make deb            zcnotify-dkms, libzcnotify-dev and zcnotify-tools packages
#   make rpm            zcnotify-dkms for Fedora (noarch rpm)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)
PREFIX ?= /usr/local
DESTDIR ?=
# The version, written in VERSION only (make lint checks the files that
# cannot read it).
VERSION := $(shell cat $(dir $(lastword $(MAKEFILE_LIST)))VERSION)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

# Not kbuild's clean: with M=$(PWD) it would also sweep .cache/.
clean:
	rm -rf build
	rm -f *.ko *.o *.mod *.mod.c .*.cmd Module.symvers modules.order \
		module/*.o module/.*.cmd

# The LD_PRELOAD library for unmodified MSG_ZEROCOPY programs.
preload:
	$(MAKE) -C preload OUT=$(PWD)/build/preload

# TESTS and KERNELS reach check.sh from the command line or the environment.
check:
	TESTS="$(TESTS)" KERNELS="$(KERNELS)" ARCH="$(ARCH)" ./harness/check.sh

# The lanes: one script each, named after the target.
demo lint matrix check-fresh stress check-debug:
	./harness/$@.sh

bench bench-icount bench-where bench-latency bench-host bench-contention:
	./bench/$@.sh

check-dkms:
	./packaging/check-dkms.sh

check-debug-rt:
	./harness/check-debug.sh 6.12-rt

install: install-dev install-tools

# zcstat, zcnotify-bench, libzcnotify-preload.so with zcnotify-run,
# zcnotify-selftest with the tests it runs (tests/zc_test, dynamically
# linked), and their man pages (what zcnotify-tools ships). zcnotify-bench
# needs liburing (Debian: liburing-dev). CPPFLAGS, CFLAGS and LDFLAGS from
# the environment or the command line are added (dpkg-buildflags' in make deb).
TOOLS_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2
install-tools:
	install -d $(DESTDIR)$(PREFIX)/bin
	$(CC) $(TOOLS_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $(DESTDIR)$(PREFIX)/bin/zcstat tools/zcstat.c
	$(CC) $(TOOLS_CFLAGS) -pthread -Iinclude/uapi -Iinclude $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $(DESTDIR)$(PREFIX)/bin/zcnotify-bench bench/zc_bench.c -luring
	install -D -m 644 docs/zcstat.1 $(DESTDIR)$(PREFIX)/share/man/man1/zcstat.1
	install -D -m 644 docs/zcnotify-bench.1 $(DESTDIR)$(PREFIX)/share/man/man1/zcnotify-bench.1
	$(MAKE) -C preload OUT=$(PWD)/build/preload CC="$(CC)"
	install -D -m 644 build/preload/libzcnotify-preload.so \
		$(DESTDIR)$(PREFIX)/lib/zcnotify/libzcnotify-preload.so
	sed 's#@LIBDIR@#$(PREFIX)/lib/zcnotify#' preload/zcnotify-run \
		>$(DESTDIR)$(PREFIX)/bin/zcnotify-run
	chmod 755 $(DESTDIR)$(PREFIX)/bin/zcnotify-run
	install -D -m 644 docs/zcnotify-run.1 $(DESTDIR)$(PREFIX)/share/man/man1/zcnotify-run.1
	install -d $(DESTDIR)$(PREFIX)/libexec/zcnotify
	$(MAKE) -C tests OUT=$(DESTDIR)$(PREFIX)/libexec/zcnotify CC="$(CC)" \
		CFLAGS_TEST="$(TOOLS_CFLAGS) -pthread -I$(PWD)/include/uapi -I$(PWD)/include $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)" \
		$(DESTDIR)$(PREFIX)/libexec/zcnotify/zc_test
	sed 's#@LIBEXECDIR@#$(PREFIX)/libexec/zcnotify#' tools/zcnotify-selftest \
		>$(DESTDIR)$(PREFIX)/bin/zcnotify-selftest
	chmod 755 $(DESTDIR)$(PREFIX)/bin/zcnotify-selftest
	install -D -m 644 docs/zcnotify-selftest.1 $(DESTDIR)$(PREFIX)/share/man/man1/zcnotify-selftest.1

# Headers, pkg-config file and man page (what libzcnotify-dev ships).
install-dev:
	install -D -m 644 include/uapi/linux/zcnotify.h $(DESTDIR)$(PREFIX)/include/linux/zcnotify.h
	install -D -m 644 include/zcnotify/zcn.h $(DESTDIR)$(PREFIX)/include/zcnotify/zcn.h
	install -d $(DESTDIR)$(PREFIX)/share/pkgconfig
	sed 's#@PREFIX@#$(PREFIX)#; s#@VERSION@#$(VERSION)#' zcnotify.pc.in >$(DESTDIR)$(PREFIX)/share/pkgconfig/zcnotify.pc
	install -D -m 644 docs/zcnotify.7 $(DESTDIR)$(PREFIX)/share/man/man7/zcnotify.7

# What the zcnotify-dkms package does, from this tree: only the files of
# packaging/dkms-files.txt go to /usr/src (the tracked ones in a git
# checkout: never .git, build/ or .cache/), dkms builds and installs the
# module for the running kernel, it is loaded now (replacing an older
# version that is loaded: packaging/zcnotify-reload) and, through
# modules-load.d, at every boot. dkms-remove undoes all of it.
DKMS_SRC := /usr/src/zcnotify-$(VERSION)
DKMS_FILES = $(shell grep -v '^\#' packaging/dkms-files.txt)
MODULES_LOAD := /usr/local/lib/modules-load.d/zcnotify.conf
dkms-install:
	command -v dkms >/dev/null || ./harness/need.sh dkms
	-dkms remove zcnotify/$(VERSION) --all 2>/dev/null
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -- $(DKMS_FILES) | xargs -0 cp --parents -t $(DKMS_SRC); \
	else cp -r --parents $(DKMS_FILES) $(DKMS_SRC)/; fi
	dkms install zcnotify/$(VERSION)
	install -D -m 644 packaging/modules-load.d/zcnotify.conf $(MODULES_LOAD)
	sh packaging/zcnotify-reload
	modprobe zcnotify

dkms-remove:
	-modprobe -r zcnotify
	dkms remove zcnotify/$(VERSION) --all
	rm -rf $(DKMS_SRC) $(MODULES_LOAD)

# build/deb/: zcnotify-dkms and libzcnotify-dev (all), zcnotify-tools (this
# machine's architecture); Build-Depends in debian/control.
deb:
	./packaging/mkdeb.sh

# build/rpm/: the zcnotify-dkms noarch rpm for Fedora (packaging/zcnotify.spec),
# with Debian's rpm tools; rpmlint-checked.
rpm:
	./packaging/mkrpm.sh

.PHONY: install install-dev install-tools dkms-install dkms-remove deb rpm
.PHONY: all modules preload clean check check-fresh demo lint bench bench-icount bench-where bench-latency bench-host bench-contention matrix check-dkms stress check-debug check-debug-rt
