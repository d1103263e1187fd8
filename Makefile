# SPDX-License-Identifier: GPL-2.0
# zcnotify top-level Makefile.
#   make [KDIR=...]     build zcnotify.ko (default: the running kernel)
#   make check          full test suite in QEMU on stock Debian kernels
#   make demo           boot a stock kernel and run the demo
#   make lint           checkpatch --strict and sparse
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	rm -rf build

check:
	./tools/check.sh

demo:
	./tools/demo.sh

lint:
	./tools/lint.sh

.PHONY: all modules clean check demo lint
