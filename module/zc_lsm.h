/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the security module's say on an answer (zc_lsm.c).
 */
#ifndef _ZC_LSM_H
#define _ZC_LSM_H

#include <linux/ftrace.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/sock.h>

int zc_lsm_init(void);
void zc_lsm_set_direct(unsigned long sendmsg_tramp, unsigned long recvmsg_tramp);
/* The security hooks' first instructions, where the gates go. */
extern unsigned long zc_lsm_sendmsg_at, zc_lsm_recvmsg_at;
void zc_lsm_exit(void);
int zc_lsm_may_answer(struct sock *sk, struct msghdr *entry_msg);
int zc_lsm_may_send(struct sock *sk, struct msghdr *msg, int size);

/*
 * The ftrace sites where a BPF program that may refuse a send with a count
 * would be called from (zc_lsm_send_refusal_is_negative()), and what the
 * site of a function of zc_lsm.c nobody traces holds: its first
 * MCOUNT_INSN_SIZE bytes (fewer than 8 on every architecture), in the
 * low bits of a u64. Set once at load (zc_lsm_init()); 0 if not found.
 */
extern unsigned long zc_lsm_send_sites[2];
extern u64 zc_lsm_untraced_insn;

static __always_inline u64 zc_site_insn(unsigned long site)
{
	__le64 v;

	/* One load: a site is followed by more of its function's text. */
	memcpy(&v, (const void *)site, sizeof(v));
	return le64_to_cpu(v) & (BIT_ULL(BITS_PER_BYTE * MCOUNT_INSN_SIZE) - 1);
}

/**
 * zc_lsm_send_refusal_is_negative() - would a refused send say so with a
 * negative errno now?
 *
 * The in-tree security modules refuse with a negative errno, so a
 * sock_sendmsg() that returned a count (or 0) was allowed. A BPF program
 * may return a positive value instead, which sock_sendmsg() returns
 * without sending and ____sys_sendmsg() as if so many bytes were sent: an
 * fmod_ret program on security_socket_sendmsg() (any kernel), a BPF LSM
 * program on bpf_lsm_socket_sendmsg() before 6.12 (whose verifier came to
 * keep it to [-MAX_ERRNO, 0], commit 5d99e198be27), and a cgroup one
 * there that sets its return value (6.0+). Each is called from a BPF
 * trampoline that a call at the function's ftrace site reaches. So this
 * is true while those sites hold what an untraced function's does: any
 * tracer there, or a site being patched, makes it false and the send is
 * asked. A program attached after it said true is seen at the call's
 * return (zc_answer_returned() asks again).
 *
 * Return: true if the sites are untraced.
 */
static inline bool zc_lsm_send_refusal_is_negative(void)
{
	return zc_lsm_send_sites[0] &&
	       zc_site_insn(zc_lsm_send_sites[0]) == zc_lsm_untraced_insn &&
	       (!IS_ENABLED(CONFIG_BPF_LSM) ||
		zc_site_insn(zc_lsm_send_sites[1]) == zc_lsm_untraced_insn);
}

#endif /* _ZC_LSM_H */
