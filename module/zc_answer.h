/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the answer to a request (zc_answer.c).
 */
#ifndef _ZC_ANSWER_H
#define _ZC_ANSWER_H

#include <linux/in.h>
#include <linux/socket.h>
#include <net/sock.h>
#include "zc_records.h"

/**
 * zc_sock_inet() - a TCP or UDP socket over IPv4/IPv6
 * @sk: socket
 *
 * Inline: the ____sys_sendmsg() hook asks it for every message with
 * control data on a zerocopy socket.
 *
 * Return: true if @sk could carry a request once SO_ZEROCOPY is set.
 */
static inline bool zc_sock_inet(const struct sock *sk)
{
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return false;
	return (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) ||
	       (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP);
}

/**
 * zc_sock_ok() - the socket can carry a request
 * @sk: socket
 *
 * Return: true for TCP and UDP over IPv4/IPv6 with SO_ZEROCOPY set.
 */
static inline bool zc_sock_ok(const struct sock *sk)
{
	return sock_flag(sk, SOCK_ZEROCOPY) && zc_sock_inet(sk);
}

int zc_answer(struct sock *sk, struct zc_call *call, u32 n,
	      struct msghdr *entry_msg);
void zc_answer_returned(struct zc_call *call, int ret);

#endif /* _ZC_ANSWER_H */
