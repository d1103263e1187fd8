/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcnotify: MSG_ZEROCOPY completions returned inside sendmsg()'s own
 * control buffer, as an SCM_ZC_NOTIFICATION control message.
 *
 * This header is the only definition of the ABI shared by the zcnotify
 * kernel module and applications.
 *
 * Usage
 * -----
 * On a socket with SO_ZEROCOPY enabled (TCP or UDP, IPv4 or IPv6), add one
 * control message (SOL_SOCKET, SCM_ZC_NOTIFICATION) whose payload is a
 * struct zc_info with @size set to the capacity n of its @arr (1 ..
 * ZC_NOTIFICATION_MAX) and cmsg_len == CMSG_LEN(ZC_INFO_SIZE(n)). While
 * processing the control messages of that call, the kernel moves up to n
 * MSG_ZEROCOPY completions off the socket's error queue into @arr, in
 * error-queue order, and stores their number in @size. Elements past @size
 * are left untouched. The call may or may not itself use MSG_ZEROCOPY.
 * Other control messages of the same call are processed as usual.
 *
 * 32-bit programs on a 64-bit kernel use the same structures: they have
 * the same layout in both ABIs (4-byte alignment, 12-byte elements).
 *
 * Every completion is delivered exactly once: either here or by
 * recvmsg(MSG_ERRQUEUE), which keeps working, also concurrently from
 * another thread. Error-queue entries that are not zerocopy completions
 * (timestamps, ICMP errors) are never taken and keep their order.
 *
 * Errors and how to tell whether the message was processed
 * --------------------------------------------------------
 * The notification is processed when the socket layer parses the call's
 * control messages, before any data is queued. Consequences:
 *
 * - Invalid requests fail with EINVAL and consume nothing: socket without
 *   SO_ZEROCOPY or of another protocol, cmsg_len not matching @size, @size
 *   zero or above ZC_NOTIFICATION_MAX, or more than one SCM_ZC_NOTIFICATION
 *   in the call. A kernel without the zcnotify module also answers EINVAL
 *   (unknown SOL_SOCKET control message): that is how an application
 *   detects that the module is absent and falls back to MSG_ERRQUEUE.
 * - The kernel checks that the payload is writable (by writing back bytes
 *   it read, so nothing changes) before it takes anything. If it is not,
 *   nothing is consumed and the call fails with EFAULT (TCP on kernels
 *   before 7.x reports every control message error as EINVAL). The buffer
 *   must stay mapped and writable during the call; unmapping it from
 *   another thread meanwhile is undefined.
 * - Once processed, the entries are the caller's even if the send itself
 *   then fails (EAGAIN on a full non-blocking socket, EPIPE, ...): read
 *   @size and @arr whether sendmsg() returned -1 or not.
 * - A blocking send that is interrupted by a signal after its request was
 *   processed and then restarted by the kernel (SA_RESTART handlers, or a
 *   stop/continue) parses the buffer again, which then holds the results:
 *   with @size 0 the restarted call fails with EINVAL; otherwise it is
 *   taken as a new request and overwrites them, and those completions are
 *   lost to the caller. Likewise an io_uring IORING_OP_SENDMSG that is
 *   retried internally. Use non-blocking sockets (or block signals around
 *   blocking sends) with SCM_ZC_NOTIFICATION.
 * - Some failures happen before the control messages are parsed (for
 *   example EPIPE on a reset TCP socket, EMSGSIZE for an oversized UDP
 *   datagram), and a UDP send appended to corked data skips control
 *   messages even on success. Then nothing is consumed and nothing is
 *   written. To tell the cases apart, set arr[0].zerocopy to
 *   ZC_ELEM_UNWRITTEN before the call: the request was processed if and
 *   only if afterwards @size differs from n or arr[0].zerocopy differs from
 *   ZC_ELEM_UNWRITTEN (the kernel writes 0 or 1 there).
 */
#ifndef _UAPI_LINUX_ZCNOTIFY_H
#define _UAPI_LINUX_ZCNOTIFY_H

#include <linux/types.h>

/*
 * SCM_ZC_NOTIFICATION - the SOL_SOCKET control message type.
 *
 * The upstream series used 78, which Linux 6.12 assigned to
 * SCM_DEVMEM_LINEAR; 79..85 are taken or proposed, and upstream allocates
 * SOL_SOCKET numbers sequentially from there (about 90 in total after 25
 * years). 0x5a43 ("ZC") is far from that range, outside the alternative
 * ranges some architectures use (parisc: 0x4000..0x40ff, sparc: below
 * 0x0100), and no upstream kernel defines it, so a stock kernel rejects it
 * with EINVAL. The running module reports the value it handles in
 * /sys/module/zcnotify/parameters/scm_zc_notification.
 */
#define SCM_ZC_NOTIFICATION	0x5a43

/*
 * ZC_NOTIFICATION_MAX - the largest @size accepted in one request.
 *
 * Entries are taken off the error queue while holding its spinlock with
 * interrupts disabled, so the work there is bounded by this constant, not
 * by user input (at most ZC_NOTIFICATION_MAX entries taken and at most
 * ZC_NOTIFICATION_MAX other entries skipped per call). The kernel merges
 * consecutive completions into one range, so one element usually covers
 * many sends; 64 elements (772 bytes of payload) amortise the call when
 * completions are fragmented (many sockets, out-of-order or copied
 * completions) while keeping the locked section short. Exposed at run
 * time in /sys/module/zcnotify/parameters/zc_notification_max.
 */
#define ZC_NOTIFICATION_MAX	64

/* Value of zc_info_elem.zerocopy the kernel never writes (see above). */
#define ZC_ELEM_UNWRITTEN	0xff

/**
 * struct zc_info_elem - one MSG_ZEROCOPY completion
 * @lo: first send counter of the range (the errqueue message's ee_info).
 *	Each MSG_ZEROCOPY send on a socket takes the next value of a 32-bit
 *	per-socket counter starting at 0; it wraps around.
 * @hi: last send counter of the range, inclusive (ee_data). The range may
 *	wrap, so it holds hi - lo + 1 sends, computed modulo 2^32.
 * @zerocopy: 1 if the data of every send in the range was sent without a
 *	copy, 0 if the kernel fell back to copying for any of them (the
 *	errqueue message's ee_code had SO_EE_CODE_ZEROCOPY_COPIED). The
 *	buffers may be reused in both cases.
 * @reserved: written as zero.
 */
struct zc_info_elem {
	__u32 lo;
	__u32 hi;
	__u8 zerocopy;
	__u8 reserved[3];
};

/**
 * struct zc_info - payload of the SCM_ZC_NOTIFICATION control message
 * @size: on input, the capacity of @arr, 1..ZC_NOTIFICATION_MAX; on
 *	output, the number of elements written to @arr, 0..input size.
 * @arr: completions in error-queue order (oldest first).
 */
struct zc_info {
	__u32 size;
	struct zc_info_elem arr[];
};

/*
 * Payload size, in bytes, of a struct zc_info with room for n elements:
 * the 4-byte @size, then the 12-byte elements.
 */
#define ZC_INFO_SIZE(n)	(sizeof(__u32) + (n) * sizeof(struct zc_info_elem))

#endif /* _UAPI_LINUX_ZCNOTIFY_H */
