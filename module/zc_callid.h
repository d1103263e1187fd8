/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - call identity: which sendmsg()/sendmmsg() system call the
 * current task is in, and whether a ____sys_sendmsg() starts a new one.
 *
 * A request is honoured only inside the very system call whose
 * ____sys_sendmsg() entry recorded it (tests/adv_stale.c): the record
 * keeps this identity, and every later use compares it with the current
 * one, read from the task's own pt_regs. The per-architecture part (the
 * system call numbers, the 32-bit ABI, i386 socketcall()) is
 * zc_arch_sendmsg_syscall() in zc_arch_*.h.
 *
 * May use: zc_compat.h, zc_arch_*.h, zc_user.c (the msghdr, nofault),
 * zc_user_pages.c (i386 socketcall()'s arguments, at the parse).
 */
#ifndef _ZC_CALLID_H
#define _ZC_CALLID_H

#include <linux/hardirq.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include "zc_compat.h"
#include "zc_user.h"

/**
 * struct zc_sysid - which sendmsg()/sendmmsg() system call a task is in
 * @nr: the system call number (and socketcall()'s call number)
 * @fd: its socket argument
 * @msg: its user msghdr (sendmsg) or mmsghdr array (sendmmsg) argument
 * @args: i386 socketcall()'s argument block (which holds @fd and @msg),
 *	else 0
 * @mmsg: it is a sendmmsg()
 * @compat: it is a 32-bit call
 * @unread: @fd and @msg are not known (0): socketcall()'s arguments were
 *	not readable without a fault
 */
struct zc_sysid {
	unsigned long nr;
	unsigned long fd;
	unsigned long msg;
	unsigned long args;
	bool mmsg;
	bool compat;
	bool unread;
};

static inline bool zc_sysid_eq(const struct zc_sysid *a,
			       const struct zc_sysid *b)
{
	return a->nr == b->nr && a->fd == b->fd && a->msg == b->msg;
}

/*
 * zc_sysid_recorded - @rec, recorded at a message's entry, is the call
 * @cur. An entry that could not read socketcall()'s arguments (the
 * page dropped since the kernel read them, before the entry: a fault
 * the kernel waited for on the msghdr meanwhile) recorded the call by
 * its registers alone: the call number and the argument block's
 * address; the parse, which may fault, reads the rest (zc_call_claim()).
 */
static inline bool zc_sysid_recorded(const struct zc_sysid *rec,
				     const struct zc_sysid *cur)
{
	if (rec->unread)
		return rec->nr == cur->nr && rec->args == cur->args;
	return zc_sysid_eq(rec, cur);
}

/*
 * Per architecture: zc_arch_sendmsg_syscall() (the system call numbers
 * and argument registers, native and 32-bit), the oldest kernel tested
 * (ZC_ARCH_OLDEST_*) and the restart hook (ZC_RESTART_HOOK*).
 */
#if defined(CONFIG_X86_64)
#include "zc_arch_x86.h"
#elif defined(CONFIG_ARM64)
#include "zc_arch_arm64.h"
#else
#error "zcnotify: no system call identity helper for this architecture"
#endif

/**
 * zc_current_sendmsg_syscall() - identify the current sendmsg() system call
 * @id: set to the system call and its arguments
 * @unread: if not NULL, set where the answer is false only because the
 *	call's arguments could not be read without a fault (i386
 *	socketcall()'s, in user memory): the address to fault in
 *
 * Never faults.
 *
 * Return: true if the current task is a user task inside sendmsg() or
 * sendmmsg() (native or 32-bit); false for any other way into the socket
 * layer (setsockopt(), io_uring, kernel threads).
 */
static inline bool zc_current_sendmsg_syscall(struct zc_sysid *id,
					      void __user **unread)
{
	if (!in_task() || (current->flags & ZC_PF_NOT_A_SYSCALL))
		return false;
	return zc_arch_sendmsg_syscall(current_pt_regs(), id, unread);
}

/*
 * ____sys_sendmsg()'s used_address argument: NULL for sendmsg(), and for
 * sendmmsg() net/socket.c's private struct used_address, whose name_len
 * __sys_sendmmsg() sets to UINT_MAX before the first message and
 * ____sys_sendmsg() to the (much smaller) address length after each
 * message sent. Its layout (a sockaddr_storage, then name_len) has not
 * changed since sendmmsg() was added (3.0 to 7.3).
 */
struct zc_used_address {
	struct sockaddr_storage name;
	unsigned int name_len;
};

/* zc_first_message - this ____sys_sendmsg() starts a new system call */
static inline bool zc_first_message(const void *used_address)
{
	const struct zc_used_address *ua = used_address;

	return !ua || READ_ONCE(ua->name_len) == UINT_MAX;
}

/*
 * A sendmsg() system call sends the message its msghdr argument describes:
 * a message with another control buffer is not that call's, though the
 * task's registers say sendmsg() (io_uring's task work on the way out of
 * it, where a tracer that hooks the function's return, function_graph or
 * a kretprobe, has hidden the io_uring caller). Read without faulting:
 * @readable says whether the msghdr could be read now (the kernel has
 * just copied it, so it nearly always can).
 *
 * Return: false if the msghdr was read and describes another buffer.
 */
static inline bool zc_callid_is_calls(const struct zc_sysid *id,
				      const struct msghdr *msg, bool *readable)
{
	void __user *uctl;
	size_t len;

	if (id->unread) {	/* no msghdr known: the parse reads it */
		*readable = false;
		return true;
	}
	*readable = !zc_user_msg_ctl(id->msg, id->compat, false, &uctl, &len);
	return !*readable || (uctl == msg->msg_control_user &&
			      len == msg->msg_controllen);
}

#endif /* _ZC_CALLID_H */
