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
 * Which calls are served
 * ----------------------
 * A request is honoured only inside the sendmsg() or sendmmsg() system
 * call (native, 32-bit, or i386 socketcall()) that carries it. Any other
 * way into the socket layer's control-message parser gets the stock
 * EINVAL: setsockopt(IPV6_2292PKTOPTIONS / IPV6_FLOWLABEL_MGR) with this
 * message, io_uring's IORING_OP_SENDMSG (use IORING_OP_SEND_ZC, which
 * reports completions in its own CQEs), x32 programs, kernel senders.
 *
 * Errors and how to tell whether the message was processed
 * --------------------------------------------------------
 * A request that is the message's only control message is processed when
 * sendmsg() is entered, before anything else of the call (the kernel then
 * sees a message without control messages, and UDP keeps using the
 * connected socket's cached route). A request that shares the buffer
 * with other control messages, or that could not be answered right away
 * (below), is processed when the socket layer parses the control
 * messages. On x86-64 kernels from 5.18 on, where the module hooks
 * sendmsg() with a direct call, a lone request of a sendmsg() that finds
 * the error queue empty at the entry is processed when the call returns
 * instead, the same way, so that it gets the send's own completion where
 * that came at once (over loopback, or through a device that frees its
 * buffers at once; TCP's usually come later, with the ACK). If the kernel
 * restarts such a call, the restarted call processes it. Elsewhere
 * (sendmmsg(), arm64, 5.10) a send's completion waits for the next
 * request or recvmsg(MSG_ERRQUEUE). To tell whether a request was processed, set
 * arr[0].zerocopy to ZC_ELEM_UNWRITTEN before the call: the request was
 * processed if and only if afterwards @size differs from n or
 * arr[0].zerocopy differs from ZC_ELEM_UNWRITTEN (the kernel writes 0 or
 * 1 there). Check this after every call, whatever sendmsg() returned:
 *
 * - Processed: the entries are the caller's even if the call then fails
 *   (EAGAIN on a full non-blocking socket, EINVAL for a later invalid
 *   control message, EPIPE, ...).
 * - Invalid requests fail with EINVAL and consume nothing: socket without
 *   SO_ZEROCOPY or of another protocol, cmsg_len not matching @size, @size
 *   zero or above ZC_NOTIFICATION_MAX, more than one SCM_ZC_NOTIFICATION
 *   in the message, or a call that is not served (above). A kernel without
 *   the zcnotify module also answers EINVAL (unknown SOL_SOCKET control
 *   message): that is how an application detects that the module is absent
 *   and falls back to MSG_ERRQUEUE. The module also answers EINVAL,
 *   untouched, when it could not record the call (more than 65536 threads
 *   holding a record; counted in /sys/module/zcnotify/stats/norecord).
 * - Not processed although the call succeeded: some senders never parse
 *   SOL_SOCKET control messages, so a request that shares the buffer with
 *   other control messages is silently ignored and nothing is taken: kTLS
 *   sockets (they parse SOL_TLS only), sockets in a BPF sockmap
 *   (tcp_bpf_sendmsg), a UDP send appended to corked data (UDP_CORK or
 *   MSG_MORE), and on kernels up to 6.15 TCP Fast Open sends that carry
 *   SYN data (MSG_FASTOPEN, TCP_FASTOPEN_CONNECT) and TCP_REPAIR sends. A
 *   request alone in its buffer is answered in all these cases (at entry,
 *   or when the call returns: above). One left for the return whose page
 *   cannot be made writable by then (another thread unmapped it,
 *   writeback write-protected a shared file page) is left untouched
 *   although the call succeeded, nothing taken.
 *   SCTP and RDS sockets are not served at all and never parse it either.
 *   Read the error queue then (the helper does).
 * - Failures before parsing consume and write nothing for a request that
 *   is not alone: EMSGSIZE for an oversized UDP datagram, ENOBUFS for
 *   msg_controllen above INT_MAX or a control buffer above the optmem
 *   limit, EFAULT for an unreadable one. A request alone in its buffer
 *   was answered before them, or, left for the return, after them
 *   (ENOBUFS for msg_controllen above INT_MAX excepted: such a call is
 *   never answered).
 *   TCP on kernels up to 6.15 waits for the connection before parsing, so
 *   its connection errors (EPIPE or ECONNRESET on a reset or shut-down
 *   socket, a connect still in progress on a non-blocking socket) come
 *   before parsing, and every control-message error is reported as EINVAL.
 *   From 6.16 (the 7.x kernels) TCP parses control messages first, before
 *   Fast Open and before waiting for the connection, and reports the
 *   request's own error (EFAULT below) as such.
 * - A request is answered at entry only when that needs no page fault and
 *   nothing that may sleep where sleeping is not allowed (another tracer
 *   of the function); otherwise (a page not present or not writable yet,
 *   more than 8 control messages before it) it is answered at the parse,
 *   with the same result.
 * - Where the buffer is does not matter: a request in valid, readable and
 *   writable memory is processed whether or not its page is present (after
 *   MADV_DONTNEED, swap-out, migration, in a fork() child that has not
 *   touched its parent's shared buffer yet). Private memory (heap,
 *   stack, a program's data, MAP_PRIVATE file mappings: copy-on-write
 *   after fork() or of a page only read so far) and shared memory
 *   without a filesystem behind its writes (MAP_SHARED|MAP_ANONYMOUS,
 *   memfd, tmpfs) is faulted in and made writable as any system call
 *   would; a userfaultfd-registered page that is not writable yet is
 *   refused (EFAULT), never waited for. A page of a shared file mapping
 *   whose writes need the filesystem (page_mkwrite: ext4, FUSE, ...) is
 *   not written unless it is writable already: the call fails with
 *   EFAULT (TCP up to 6.15: EINVAL) and nothing is consumed.
 *   The buffer must stay mapped and writable during the call; if another
 *   thread unmaps it meanwhile, the call fails with EFAULT and nothing is
 *   taken. The answer is made visible last, by one single store: @size
 *   when fewer than n elements were written (arr[0].zerocopy follows
 *   as the next store, with interrupts off; should its page be unmapped
 *   in that instant, as on arm64 another CPU can without an interrupt,
 *   the byte is stored before the call returns to user space, faulting
 *   the page in), arr[0].zerocopy when n were.
 * - The security module decides as for recvmsg(): a request is answered
 *   only if the caller may both send on the socket and read its error
 *   queue (security_socket_sendmsg() and security_socket_recvmsg(): SELinux,
 *   AppArmor, Smack). A refused read fails the call with the security
 *   module's error (EACCES) and consumes nothing.
 * - A blocking call that processed its request and is then interrupted
 *   (a signal, even with SA_RESTART; a stop and continue; a ptrace attach;
 *   the cgroup freezer; io_uring task work) is not restarted: it fails
 *   with EINTR, the answer in the buffer (a restarted call would parse the
 *   answer as a new request). Send the data again; the request can be
 *   sent along. Only that call: a call that answered nothing is restarted
 *   as usual. Resetting the request (@size n, arr[0].zerocopy
 *   ZC_ELEM_UNWRITTEN) before every call remains the way to tell whether
 *   it was processed.
 * - While a call that processed a request is still in the kernel (blocked
 *   on a full socket, say), the module is in use: rmmod and modprobe -r
 *   are refused (EAGAIN, "in use") until that call returns. A reloaded
 *   module could not know the call was answered.
 * - The same payload is never parsed twice in one system call, whatever
 *   address reaches it (two mappings of one page, tagged aliases): in a
 *   sendmmsg() batch whose messages share one control buffer, the first
 *   message's request is processed and the next message using that buffer
 *   fails with EINVAL, so sendmmsg() returns the number sent before it. At
 *   most 16 messages of one sendmmsg() call may carry requests; a further
 *   one fails with EINVAL the same way.
 * - sendmmsg() returns the number of messages sent and drops the error of
 *   the first message that failed. That message's request may have been
 *   processed: after sendmmsg() returns k < vlen, check message k's request
 *   too.
 * - Do not share one request buffer between calls that run at the same
 *   time (threads): each call writes its answer there.
 *
 * Was the error queue left empty?
 * -------------------------------
 * A request may also ask whether its answer left the socket's error queue
 * empty: set all three arr[0].reserved[] bytes to ZC_ASK_QUEUE_EMPTY
 * before the call (with @size n and, as always, arr[0].zerocopy
 * ZC_ELEM_UNWRITTEN; set them again before every call). A request
 * answered when its call returns (above: x86-64 from 5.18) then gets
 * ZC_QUEUE_EMPTY in arr[0].reserved[0] if, once the call had sent its
 * data, the answer took everything the error queue held (no completion,
 * timestamp or ICMP error left), and 0 otherwise; an answer of @size 0
 * writes that byte too (and leaves reserved[1] and [2] as they were).
 * Every other answer writes 0 there (with @size 0: leaves it as it was),
 * and so do modules built before the question was added: read anything
 * but ZC_QUEUE_EMPTY, in a request that was processed, as "not known
 * empty". ZC_QUEUE_EMPTY says what the queue held at that instant only:
 * an entry queued later (the ACK's completion of a TCP send, an ICMP
 * error, another thread's send) is there for the next reader, and
 * reported to the socket's waiters as usual. Without the question, the
 * reserved bytes of every element written are 0.
 *
 * What @zerocopy means
 * --------------------
 * The kernel merges a completion into the previous one on the error queue
 * when their send counters are consecutive, without looking at whether
 * the data was copied. So arr[i].zerocopy == 0 means: the completion that
 * started the range reported a copy (SO_EE_CODE_ZEROCOPY_COPIED); sends
 * merged into it may have been copied or not. Use it as a hint that
 * MSG_ZEROCOPY is not paying off on this path (the kernel's msg_zerocopy
 * selftest does the same), never as a per-send fact.
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

/* arr[0].reserved[0..2] of a request: was the error queue left empty? */
#define ZC_ASK_QUEUE_EMPTY	0x45
/* ... answered: yes (see "Was the error queue left empty?" above) */
#define ZC_QUEUE_EMPTY		1

/**
 * struct zc_info_elem - one MSG_ZEROCOPY completion
 * @lo: first send counter of the range (the errqueue message's ee_info).
 *	Each MSG_ZEROCOPY send on a socket takes the next value of a 32-bit
 *	per-socket counter starting at 0; it wraps around.
 * @hi: last send counter of the range, inclusive (ee_data). The range may
 *	wrap, so it holds hi - lo + 1 sends, computed modulo 2^32.
 * @zerocopy: 0 if the errqueue message for the range had
 *	SO_EE_CODE_ZEROCOPY_COPIED in ee_code, else 1. The kernel merges
 *	consecutive completions without comparing that flag, so it describes
 *	the first send of the range only (see "What @zerocopy means"). The
 *	buffers may be reused in both cases.
 * @reserved: written as zero; in arr[0] of a request that asks whether
 *	the error queue was left empty (all three ZC_ASK_QUEUE_EMPTY),
 *	reserved[0] holds the answer (see above: ZC_QUEUE_EMPTY).
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
