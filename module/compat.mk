# SPDX-License-Identifier: GPL-2.0
# Facts about the target kernel for zc_compat.h, read from its headers
# (distributions backport, so the version number alone is not enough).
# Included by every Kbuild file that compiles against zc_compat.h.
ZC_SOCK_H := $(srctree)/include/net/sock.h
ZC_CMSG_MSG_RE := '__sock_cmsg_send(struct sock \*sk, struct msghdr \*msg'
ifneq ($(shell grep -s $(ZC_CMSG_MSG_RE) $(ZC_SOCK_H)),)
ccflags-y += -DZC_HAVE_CMSG_SEND_MSG
endif
ZC_ERR_REPORT_RE := 'void sk_error_report('
ifneq ($(shell grep -s $(ZC_ERR_REPORT_RE) $(ZC_SOCK_H)),)
ccflags-y += -DZC_HAVE_SK_ERROR_REPORT
endif
ZC_KVER := $(shell echo $$(($(VERSION) * 256 + $(PATCHLEVEL))))
ccflags-y += -DZC_KVER=$(ZC_KVER)
# Older kernels lack the interfaces used here: say so instead of failing
# somewhere in the compile. Newer ones build; zc_main refuses to load.
ifeq ($(shell [ $(ZC_KVER) -lt 1290 ] && echo old),old)
$(error zcnotify: kernel $(KERNELRELEASE) is older than 5.10, which is not supported)
endif
# sched_process_exit gained a group_dead argument in 6.16-ish kernels.
ZC_SCHED_H := $(srctree)/include/trace/events/sched.h
ZC_EXIT_RE := 'TRACE_EVENT(sched_process_exit'
ifneq ($(shell grep -s -A3 $(ZC_EXIT_RE) $(ZC_SCHED_H) | grep group_dead),)
ccflags-y += -DZC_HAVE_EXIT_GROUP_DEAD
endif
# 5.11-5.17 (and Debian's 5.10.y) decide on restarting a system call in
# arch_do_signal_or_restart(regs, has_signal), which calls get_signal()
# only for a real signal: an io_uring TIF_NOTIFY_SIGNAL wake-up restarts
# without it. The restart hook goes on that function there.
ZC_ENTRY_COMMON_H := $(srctree)/include/linux/entry-common.h
ZC_HAS_SIGNAL_RE := 'arch_do_signal_or_restart(struct pt_regs \*regs, bool has_signal)'
ifneq ($(shell grep -s $(ZC_HAS_SIGNAL_RE) $(ZC_ENTRY_COMMON_H)),)
ccflags-y += -DZC_HAVE_DO_SIGNAL_HAS_SIGNAL
endif
# arm64 6.12 declares its do_signal() (called from a static
# do_notify_resume()); 6.1 keeps do_signal() static. zc_arch_arm64.h
# checks the choice against the declaration.
ZC_ARM64_EXC_H := $(srctree)/arch/arm64/include/asm/exception.h
ifneq ($(shell grep -s 'void do_signal(struct pt_regs \*regs);' $(ZC_ARM64_EXC_H)),)
ccflags-y += -DZC_HAVE_ARM64_DO_SIGNAL
endif
# The ftrace_regs accessors (ftrace_regs_get_argument() and
# ftrace_regs_set_instruction_pointer()), which arm64 defines as inline
# functions, not macros that #ifdef could see.
ZC_FTRACE_H := $(srctree)/include/linux/ftrace.h
ifneq ($(shell grep -s 'ftrace_regs_set_instruction_pointer' $(ZC_FTRACE_H)),)
ccflags-y += -DZC_HAVE_FREGS_ACCESSORS
endif
