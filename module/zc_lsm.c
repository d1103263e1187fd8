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
 * ____sys_sendmsg() entry it has not, so both are asked there, except
 * for a request left for the call's return (zc_answer.c), whose send the
 * kernel asks before sending, and the module again at the return where
 * that answer might not be the whole story.
 *
 * The two hooks are neither exported nor callable through a pointer: the
 * kernel calls them only directly, so on IBT kernels objtool seals them
 * and their endbr64 is gone at boot (an indirect call would fault on an
 * IBT CPU). They are reached the way __sock_cmsg_send() reaches
 * zc_cmsg_send(): the module calls a gate of its own with the hook's
 * prototype (checked at build time against the kernel's declaration),
 * and an ftrace callback on the gate changes where it returns to: the
 * hook's first instruction, with the gate's arguments and return address.
 * A return is not an indirect call (IBT checks calls and jumps, not
 * returns; arm64's BTI neither). Were the redirect ever gone, the gate
 * itself answers -EACCES: closed, never open. Where the kernel takes
 * direct calls (zc_direct.c), the gates' trampolines return into the
 * hooks in the same way.
 *
 * A kernel with CONFIG_SECURITY_NETWORK whose hooks cannot be found is
 * refused at load: answering without asking would bypass the policy.
 *
 * Whether a refused send always says so with a negative errno (so that a
 * send that returned a count was allowed) is read off the send hook's
 * ftrace sites: zc_lsm_send_refusal_is_negative(). A refusal with a count
 * is EACCES to the module's callers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/security.h>
#include <linux/socket.h>
#include <net/sock.h>
#include "zc_compat.h"
#include "zc_hook.h"
#include "zc_symbols.h"
#include "zc_lsm.h"

static ZC_NOIPA int zc_lsm_sendmsg_gate(struct socket *sock,
					struct msghdr *msg, int size)
{
	return -EACCES;		/* only if not redirected: refuse */
}

static ZC_NOIPA int zc_lsm_recvmsg_gate(struct socket *sock,
					struct msghdr *msg, int size, int flags)
{
	return -EACCES;		/* only if not redirected: refuse */
}

/* The security hooks' first instructions: where the gates go. */
unsigned long zc_lsm_sendmsg_at __ro_after_init;
unsigned long zc_lsm_recvmsg_at __ro_after_init;

/* The send hooks' ftrace sites, and an untraced one's text (zc_lsm.h). */
unsigned long zc_lsm_send_sites[2] __ro_after_init;
u64 zc_lsm_untraced_insn __ro_after_init;

static __used ZC_NOIPA void zc_lsm_untraced(void)
{
}

static void notrace zc_lsm_sendmsg_entry(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *ops,
					 struct zc_fregs *fregs)
{
	zc_fregs_set_ip(fregs, zc_lsm_sendmsg_at);
}

static void notrace zc_lsm_recvmsg_entry(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *ops,
					 struct zc_fregs *fregs)
{
	zc_fregs_set_ip(fregs, zc_lsm_recvmsg_at);
}

static struct zc_hook zc_lsm_hooks[] = {
	{
		.name = "security_socket_sendmsg (gate)",
		.func = zc_lsm_sendmsg_entry,
		.flags = ZC_FTRACE_ARGS_FLAGS | FTRACE_OPS_FL_IPMODIFY,
	}, {
		.name = "security_socket_recvmsg (gate)",
		.func = zc_lsm_recvmsg_entry,
		.flags = ZC_FTRACE_ARGS_FLAGS | FTRACE_OPS_FL_IPMODIFY,
	},
};

/**
 * zc_lsm_set_direct() - let the gates be direct calls (zc_direct.c)
 * @sendmsg_tramp: the trampoline for the security_socket_sendmsg() gate
 * @recvmsg_tramp: the one for the security_socket_recvmsg() gate
 *
 * Call before zc_lsm_init(). Each trampoline returns into its gate's
 * security hook, as the callback makes ftrace do; where the kernel takes
 * no direct call, the callback serves.
 */
void zc_lsm_set_direct(unsigned long sendmsg_tramp, unsigned long recvmsg_tramp)
{
	zc_lsm_hooks[0].direct = sendmsg_tramp;
	zc_lsm_hooks[1].direct = recvmsg_tramp;
}

/* Where a kernel function starts (its first instruction, not its ftrace site). */
static int zc_lsm_resolve(const char *name, unsigned long *at)
{
	unsigned long end;

	if (zc_symbol_range(name, at, &end)) {
		pr_err("cannot resolve %s: the security policy could not be asked\n",
		       name);
		return -ENOENT;
	}
	return 0;
}

/* Where an ftrace site cannot be found, every send is asked. */
static void zc_lsm_send_sites_init(void)
{
	unsigned long send, bpf = 0, untraced;

	BUILD_BUG_ON(sizeof(u64) <= MCOUNT_INSN_SIZE);
	if (zc_symbol_resolve("security_socket_sendmsg", &send) ||
	    (IS_ENABLED(CONFIG_BPF_LSM) &&
	     zc_symbol_resolve("bpf_lsm_socket_sendmsg", &bpf)) ||
	    zc_symbol_resolve("zc_lsm_untraced", &untraced))
		return;
	zc_lsm_untraced_insn = zc_site_insn(untraced);
	zc_lsm_send_sites[1] = bpf;
	zc_lsm_send_sites[0] = send;
}

/**
 * zc_lsm_init() - route the gates to the socket send and receive hooks
 *
 * Return: 0, or a negative errno (one line logged).
 */
int zc_lsm_init(void)
{
	int err;

	if (!IS_ENABLED(CONFIG_SECURITY_NETWORK))
		return 0;	/* no security module mediates sockets */
	/* The gates must have the kernel's own prototypes. */
	BUILD_BUG_ON(!__same_type(&security_socket_sendmsg, &zc_lsm_sendmsg_gate));
	BUILD_BUG_ON(!__same_type(&security_socket_recvmsg, &zc_lsm_recvmsg_gate));
	err = zc_lsm_resolve("security_socket_sendmsg", &zc_lsm_sendmsg_at);
	if (!err)
		err = zc_lsm_resolve("security_socket_recvmsg", &zc_lsm_recvmsg_at);
	if (err)
		return err;
	zc_lsm_send_sites_init();
	zc_lsm_hooks[0].addr = (unsigned long)zc_lsm_sendmsg_gate;
	zc_lsm_hooks[1].addr = (unsigned long)zc_lsm_recvmsg_gate;
	err = zc_hook_attach(&zc_lsm_hooks[0]);
	if (err)
		return err;
	err = zc_hook_attach(&zc_lsm_hooks[1]);
	if (err)
		zc_hook_remove(&zc_lsm_hooks[0]);
	return err;
}

/**
 * zc_lsm_exit() - detach the gates
 *
 * Call once no task can be answering any more (every answer holds a
 * module reference).
 */
void zc_lsm_exit(void)
{
	if (!IS_ENABLED(CONFIG_SECURITY_NETWORK))
		return;
	zc_hook_remove(&zc_lsm_hooks[1]);
	zc_hook_remove(&zc_lsm_hooks[0]);
}

/*
 * A hook's answer as the module's: a refusal with a count (a BPF program's,
 * above), which the stock call would return as if so many bytes had
 * passed, is EACCES here, never a positive value the kernel's control
 * message parse would take for "go on".
 */
static int zc_lsm_refusal(int err)
{
	return err > 0 ? -EACCES : err;
}

/**
 * zc_lsm_may_send() - may the current task send @msg on @sk?
 * @sk: the socket
 * @msg: the kernel's msghdr of the message
 * @size: its data length, as sock_sendmsg() asks
 *
 * The question sock_sendmsg() asks before a send. Call with the call held
 * (zc_call_hold()): the hook may sleep.
 *
 * Return: 0, or the security module's error (-EACCES, -EPERM, ...;
 * -EACCES for a refusal with a count).
 */
int zc_lsm_may_send(struct sock *sk, struct msghdr *msg, int size)
{
	if (!IS_ENABLED(CONFIG_SECURITY_NETWORK))
		return 0;
	if (!sk->sk_socket)
		return -EINVAL;
	return zc_lsm_refusal(zc_lsm_sendmsg_gate(sk->sk_socket, msg, size));
}

/**
 * zc_lsm_may_answer() - may the current task be given @sk's completions?
 * @sk: the socket
 * @entry_msg: the message, when asked at ____sys_sendmsg() entry of a
 *	request answered there (send permission is asked too); NULL at the
 *	parse (already asked) and for a request left for the return while a
 *	refusal would be negative (zc_lsm_send_refusal_is_negative(): the
 *	kernel asks before the send, zc_answer_returned() again where the
 *	send failed or that no longer holds)
 *
 * Call with the call held (zc_call_hold()): the hooks may sleep.
 *
 * Return: 0, or the security module's error (-EACCES, -EPERM, ...;
 * -EACCES for a refusal with a count).
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
		err = zc_lsm_may_send(sk, entry_msg, msg_data_left(entry_msg));
		if (err)
			return err;
	}
	err = zc_lsm_recvmsg_gate(sock, &none, 0, MSG_ERRQUEUE | MSG_DONTWAIT);
	return zc_lsm_refusal(err);
}
