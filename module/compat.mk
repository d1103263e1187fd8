# SPDX-License-Identifier: GPL-2.0
# Facts about the target kernel for zc_compat.h, read from its headers
# (distributions backport, so the version number alone is not enough).
# One probe a fact, each naming the kernel that changed it; every one that
# chooses a prototype is checked at build time against the kernel's own
# declaration (BUILD_BUG_ON(!__same_type(...)) where it is used).
# Included by every Kbuild file that compiles against zc_compat.h.
ZC_SOCK_H := $(srctree)/include/net/sock.h
# 6.2 dropped __sock_cmsg_send()'s msghdr argument (commit 233baf9a1bc4,
# "net: remove useless parameter of __sock_cmsg_send").
# Checked in zc_cmsg_send.c.
ZC_CMSG_MSG_RE := '__sock_cmsg_send(struct sock \*sk, struct msghdr \*msg'
ifneq ($(shell grep -s $(ZC_CMSG_MSG_RE) $(ZC_SOCK_H)),)
ccflags-y += -DZC_HAVE_CMSG_SEND_MSG
endif
# 5.14 added sk_error_report() (commit e3ae2365efc1, "net: sock:
# introduce sk_error_report"); before, the socket's callback is called.
# Not a prototype: a wrong answer fails the compile.
ZC_ERR_REPORT_RE := 'void sk_error_report('
ifneq ($(shell grep -s $(ZC_ERR_REPORT_RE) $(ZC_SOCK_H)),)
ccflags-y += -DZC_HAVE_SK_ERROR_REPORT
endif
# 6.6 made GUP follow a NUMA hinting (PROT_NONE) entry unless asked not
# to ("mm/gup: reintroduce FOLL_NUMA as FOLL_HONOR_NUMA_FAULT"); before,
# it always took the fault. An enum, so it cannot be tested with #ifdef:
# a wrong answer fails the compile (zc_compat.h ZC_FOLL_HONOR_NUMA).
ZC_MM_TYPES_H := $(srctree)/include/linux/mm_types.h
ifneq ($(shell grep -s 'FOLL_HONOR_NUMA_FAULT' $(ZC_MM_TYPES_H)),)
ccflags-y += -DZC_HAVE_FOLL_HONOR_NUMA_FAULT
endif
# Older kernels than 5.10 lack the interfaces used here: say so instead
# of failing somewhere in the compile. Newer ones build; zc_main.c
# refuses to load on kernels it was not tested on.
ifeq ($(shell [ $(VERSION) -lt 5 ] || { [ $(VERSION) -eq 5 ] && [ $(PATCHLEVEL) -lt 10 ]; } && echo old),old)
$(error zcnotify: kernel $(KERNELRELEASE) is older than 5.10, which is not supported)
endif
# sched_process_exit gained a group_dead argument in 6.16 (commit
# 3e816361e94a, "sched/tracepoints: Move and extend the
# sched_process_exit() tracepoint"). Checked in zc_records.c
# (ZC_EXIT_PROBE_TYPECHECK).
ZC_SCHED_H := $(srctree)/include/trace/events/sched.h
ZC_EXIT_RE := 'TRACE_EVENT(sched_process_exit'
ifneq ($(shell grep -s -A3 $(ZC_EXIT_RE) $(ZC_SCHED_H) | grep group_dead),)
ccflags-y += -DZC_HAVE_EXIT_GROUP_DEAD
endif
# 6.4 put UNWIND_HINT()'s type first and named its last field signal
# (before: sp_reg, sp_offset, type, end).
# Used in zc_direct_x86.c; a wrong order fails objtool's check.
ZC_OBJTOOL_H := $(srctree)/include/linux/objtool.h
ZC_UNWIND_HINT_RE := 'define UNWIND_HINT(type, sp_reg'
ifneq ($(shell grep -s $(ZC_UNWIND_HINT_RE) $(ZC_OBJTOOL_H)),)
ccflags-y += -DZC_HAVE_UNWIND_HINT_TYPE_FIRST
endif
# 5.11-5.17 (and Debian's 5.10.y, which backports it) decide on
# restarting a system call in arch_do_signal_or_restart(regs, has_signal)
# (5.11, commit 12db8b690010, "entry: Add support for TIF_NOTIFY_SIGNAL"),
# which calls get_signal() only for a real signal: an io_uring
# TIF_NOTIFY_SIGNAL wake-up restarts without it. The restart hook goes on
# that function there; 5.18 dropped has_signal and calls get_signal()
# for both (commit 8ba62d37949e, "task_work: Call tracehook_notify_signal
# from get_signal on all architectures"). Checked in zc_restart.c.
ZC_ENTRY_COMMON_H := $(srctree)/include/linux/entry-common.h
ZC_HAS_SIGNAL_RE := 'arch_do_signal_or_restart(struct pt_regs \*regs, bool has_signal)'
ifneq ($(shell grep -s $(ZC_HAS_SIGNAL_RE) $(ZC_ENTRY_COMMON_H)),)
ccflags-y += -DZC_HAVE_DO_SIGNAL_HAS_SIGNAL
endif
# arm64 6.9 declares its do_signal() in asm/exception.h, called from a
# now static do_notify_resume() (commit 997d79eb938e, "arm64: Move
# do_notify_resume() to entry-common.c"); 6.1 keeps do_signal() static. Checked in
# zc_restart.c against the declaration.
ZC_ARM64_EXC_H := $(srctree)/arch/arm64/include/asm/exception.h
ifneq ($(shell grep -s 'void do_signal(struct pt_regs \*regs);' $(ZC_ARM64_EXC_H)),)
ccflags-y += -DZC_HAVE_ARM64_DO_SIGNAL
endif
# The ftrace_regs accessors (ftrace_regs_get_argument() and
# ftrace_regs_set_instruction_pointer()), named so in 6.2 (commit
# 0ef86097f127, a rename of 5.11's ftrace_instruction_pointer_set());
# arm64 has them since 6.2 (commit 26299b3f6ba2, "ftrace: arm64: move
# from REGS to ARGS") as inline functions, which #ifdef cannot see. Not a
# prototype: a wrong answer fails the compile.
ZC_FTRACE_H := $(srctree)/include/linux/ftrace.h
ifneq ($(shell grep -s 'ftrace_regs_set_instruction_pointer' $(ZC_FTRACE_H)),)
ccflags-y += -DZC_HAVE_FREGS_ACCESSORS
endif
# ftrace direct calls with a trampoline per ftrace_ops: 5.16 added
# register_ftrace_direct_multi() (commit f64dd4627ec6, "ftrace: Add multi
# direct register/unregister interface"); 6.6 renamed it
# register_ftrace_direct() and gave the unregister a free_filters argument
# (commit da8bdfbd4231, "ftrace: Rename _ftrace_direct_multi APIs to
# _ftrace_direct APIs"). Any other form: the hooks stay ftrace callbacks.
# Checked in zc_hook.c (ZC_FTRACE_DIRECT_TYPECHECK).
ZC_DIRECT_OPS_RE := 'int unregister_ftrace_direct(struct ftrace_ops \*ops, unsigned long addr,$$'
ZC_DIRECT_MULTI_RE := 'int unregister_ftrace_direct_multi(struct ftrace_ops \*ops, unsigned long addr);'
ifneq ($(shell grep -s $(ZC_DIRECT_OPS_RE) $(ZC_FTRACE_H)),)
ccflags-y += -DZC_HAVE_FTRACE_DIRECT_OPS
else ifneq ($(shell grep -s $(ZC_DIRECT_MULTI_RE) $(ZC_FTRACE_H)),)
ccflags-y += -DZC_HAVE_FTRACE_DIRECT_MULTI
endif
