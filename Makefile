# SPDX-License-Identifier: GPL-2.0
# zcnotify top-level Makefile.
#   make [KDIR=...]     build zcnotify.ko (default: the running kernel)
#   make check          full test suite in QEMU on stock Debian kernels
#   make demo           boot a stock kernel and run the demo
#   make lint           checkpatch --strict and sparse
#   make bench          benchmark on stock kernels in QEMU
#   make matrix         the suite on every kernel in tools/kernels.txt
#   make check-dkms     dkms add/build/install + modprobe inside a Debian VM
#   make stress         long fuzz and soak with an unload storm
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

# Not kbuild's clean: with M=$(PWD) it would also sweep .cache/.
clean:
	rm -rf build
	rm -f *.ko *.o *.mod *.mod.c .*.cmd Module.symvers modules.order \
		module/*.o module/.*.cmd

check:
	./tools/check.sh

demo:
	./tools/demo.sh

lint:
	./tools/lint.sh

bench:
	./tools/bench.sh

matrix:
	./tools/matrix.sh

check-dkms:
	./tools/check-dkms.sh

stress:
	./tools/stress.sh

.PHONY: all modules clean check demo lint bench matrix check-dkms stress
