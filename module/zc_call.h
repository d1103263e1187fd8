/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - what a task's record holds: the sendmsg() call in progress,
 * as the ____sys_sendmsg() hook saw it. zc_records.c keeps one per task.
 */
#ifndef _ZC_CALL_H
#define _ZC_CALL_H

#include <linux/task_work.h>
#include <linux/types.h>
#include <uapi/linux/zcnotify.h>
#include "zc_callid.h"
#include "zc_user_pages.h"

struct msghdr;

/* Requests one sendmmsg() call may carry (each in its own buffer). */
#define ZC_CALL_WRITTEN_MAX	16

/**
 * struct zc_call - what the ____sys_sendmsg() hook saw of the current call
 * @id: the system call that recorded it (zc_current_sendmsg_syscall())
 * @uctl: the caller's control buffer of the message being sent
 * @ctl_len: its length (msg_controllen at entry, at most INT_MAX)
 * @payload: the payload of its first SCM_ZC_NOTIFICATION, found at entry
 *	by walking the user's own headers
 * @plen: that payload's length
 * @nreq: the number of SCM_ZC_NOTIFICATION messages in it, or
 *	ZC_WALK_LATER if the entry could not walk the whole buffer
 * @sk: the socket of the message; compared, and followed only at the
 *	return of the very call that recorded it (@until_return, @later:
 *	zc_answer_returned(); the system call holds the socket's file)
 * @armed: the message fields above describe the message now being sent,
 *	which carries a request, and no request of it was handled yet
 * @processed: a request was processed since the task last left the
 *	kernel, i.e. during this system call (zc_call_hold()); under
 *	@until_return, during this message's ____sys_sendmsg()
 * @held: the call holds a module reference, released by task work
 *	(zc_call_hold()) or when ____sys_sendmsg() returns (@until_return)
 * @until_return: the direct-call trampoline runs the rest of this
 *	message's ____sys_sendmsg() and tells zc_call_returned() its return
 * @later: under @until_return, the message's lone request met an empty
 *	error queue at the entry: it is answered when ____sys_sendmsg()
 *	returns (zc_answer_returned()), with what the send completed
 * @later_unasked: the entry left the send's security check to the kernel
 *	(zc_answer(): no BPF program that could refuse with a count was
 *	attached to it); the return asks where that is not enough
 * @later_zc: its arr[0].zerocopy as the entry read it
 * @later_msg: the kernel's msghdr of that message, followed only at that
 *	call's return, where it is still the caller's (the system call's
 *	frames hold it): asked of the security module there if the send
 *	failed (zc_answer_returned())
 * @later_len: its msg_data_left() at the entry
 * @hold: that task work
 * @requeued: times it was queued again behind other task work
 * @nwritten: number of entries in @written
 * @written: user addresses of the payloads written during this system
 *	call; no payload overlapping one of them is parsed again in the
 *	same call
 * @written_len: their lengths
 * @written_at: their physical extents (sendmmsg() only)
 *
 * Nothing in here is a kernel pointer that is followed outside the call
 * that recorded it (@sk and @later_msg, above): a record may be stale (an earlier call
 * of the task), so every use checks it against the current system call
 * and the arguments of the current hook.
 */
struct zc_call {
	struct zc_sysid id;
	void __user *uctl;
	size_t ctl_len;
	struct zc_info __user *payload;
	size_t plen;
	int nreq;
	unsigned long sk;
	bool armed;
	bool processed;
	bool held;
	bool until_return;
	bool later;
	bool later_unasked;
	u8 later_zc;
	struct msghdr *later_msg;
	int later_len;
	struct callback_head hold;
	u8 requeued;
	u8 late_zc;
	u8 __user *late;
	unsigned int nwritten;
	unsigned long written[ZC_CALL_WRITTEN_MAX];
	u16 written_len[ZC_CALL_WRITTEN_MAX];
	struct zc_extent written_at[ZC_CALL_WRITTEN_MAX];
};

/**
 * zc_call_reset() - a system call starts: forget what an earlier one left
 * @c: the current task's record
 * @id: the new call
 */
static inline void zc_call_reset(struct zc_call *c, const struct zc_sysid *id)
{
	c->id = *id;
	c->armed = false;
	c->processed = false;
	c->later = false;
	c->nwritten = 0;
}

/*
 * A message that starts system call @id: what an earlier call left in @c
 * is forgotten, unless that call is held (answered, or held before a
 * fault at the parse) and the task has not left the kernel since (its
 * hold is still queued, zc_hold.c). A message met then is not a new
 * system call's, whatever the registers say: io_uring's task work on the
 * way out of the held call, which must not undo
 * what keeps that call from being restarted (tests/adv_io_uring.c;
 * zc_sendmsg.c asks).
 *
 * Return: true if @c now belongs to @id; false if the message is not a
 * new call's (@c disarmed).
 */
static inline bool zc_call_new(struct zc_call *c, const struct zc_sysid *id)
{
	if (c->held) {
		c->armed = false;
		return false;
	}
	zc_call_reset(c, id);
	return true;
}

#endif /* _ZC_CALL_H */
