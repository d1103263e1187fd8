// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the security module's say on an answer.
 *
 * An answer moves completions off the socket's error queue into the
 * caller's buffer: it is a recvmsg(MSG_ERRQUEUE) done inside a sendmsg().
 * So it is given only to a caller the security modules (SELinux,
 * AppArmor, Smack, ...) let both send on the socket and receive from it,
 * asked through the same hooks the stock calls ask. At the parse the
 * kernel has already asked security_socket_sendmsg() (sock_sendmsg()
 * calls it before the protocol parses control messages); at
 * ____sys_sendmsg() entry it has not, so both are asked there.
 *
 * The two hooks are not exported: they are resolved by name at load,
 * their prototypes checked at build time against the kernel's own
 * declarations. A kernel with CONFIG_SECURITY_NETWORK whose hooks cannot
 * be found is refused at load: answering without asking would bypass the
 * policy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/security.h>
#include <linux/socket.h>
#include <net/sock.h>
#include "zcnotify.h"

typedef int (*zc_lsm_sendmsg_t)(struct socket *, struct msghdr *, int);
typedef int (*zc_lsm_recvmsg_t)(struct socket *, struct msghdr *, int, int);

static zc_lsm_sendmsg_t zc_lsm_sendmsg;
static zc_lsm_recvmsg_t zc_lsm_recvmsg;

/* The start of a kernel function, to call it (not its ftrace site). */
static void *zc_lsm_resolve(const char *name)
{
	unsigned long start, end;

	if (zc_symbol_range(name, &start, &end)) {
		pr_err("cannot resolve %s: the security policy could not be asked\n",
		       name);
		return NULL;
	}
	return (void *)start;
}

/**
 * zc_lsm_init() - find the socket send and receive security hooks
 *
 * Return: 0, or -ENOENT (one line logged).
 */
int zc_lsm_init(void)
{
	if (!IS_ENABLED(CONFIG_SECURITY_NETWORK))
		return 0;	/* no security module mediates sockets */
	BUILD_BUG_ON(!__same_type(&security_socket_sendmsg,
				  (zc_lsm_sendmsg_t)NULL));
	BUILD_BUG_ON(!__same_type(&security_socket_recvmsg,
				  (zc_lsm_recvmsg_t)NULL));
	zc_lsm_sendmsg = zc_lsm_resolve("security_socket_sendmsg");
	zc_lsm_recvmsg = zc_lsm_resolve("security_socket_recvmsg");
	return zc_lsm_sendmsg && zc_lsm_recvmsg ? 0 : -ENOENT;
}

/**
 * zc_lsm_may_answer() - may the current task be given @sk's completions?
 * @sk: the socket
 * @entry_msg: the message, when asked at ____sys_sendmsg() entry (send
 *	permission is asked too); NULL at the parse (already asked)
 *
 * Return: 0, or the security module's error (-EACCES, -EPERM, ...).
 */
int zc_lsm_may_answer(struct sock *sk, struct msghdr *entry_msg)
{
	struct socket *sock = sk->sk_socket;
	struct msghdr none = {};	/* what the error queue read would fill */
	int err;

	if (!IS_ENABLED(CONFIG_SECURITY_NETWORK))
		return 0;
	if (!sock)
		return -EINVAL;
	if (entry_msg) {
		err = zc_lsm_sendmsg(sock, entry_msg, msg_data_left(entry_msg));
		if (err)
			return err;
	}
	return zc_lsm_recvmsg(sock, &none, 0, MSG_ERRQUEUE | MSG_DONTWAIT);
}
