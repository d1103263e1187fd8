// SPDX-License-Identifier: GPL-2.0
/*
 * fds: close, close_range, closefrom, dup, dup2, dup3, fcntl(F_DUPFD*)
 * and setsockopt(SO_ZEROCOPY) keep the fd table right: a closed or
 * replaced fd is forgotten (its socket's store goes with its last fd), a
 * duplicate shares its original's socket, and an fd found not served is
 * looked at again once SO_ZEROCOPY is set. Each returns what the real
 * call returned, errno untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include "zcp.h"

/* Does the library know anything of fd? */
static bool known(unsigned int fd)
{
	return fd < ZCP_FD_MAX &&
	       (atomic_load_explicit(&zcp_fd[fd], memory_order_relaxed) ||
		atomic_load_explicit(&zcp_ep_served[fd], memory_order_relaxed) ||
		atomic_load_explicit(&zcp_fd_hasreg[fd], memory_order_relaxed) ||
		(int)fd == zcp_wake_fd);
}

ZCP_VISIBLE int close(int fd)
{
	int ret = REAL(close)(fd), err = errno;

	if (known(fd)) {
		zcp_fd_forget(fd);
		errno = err;
	}
	return ret;
}

ZCP_VISIBLE int close_range(unsigned int first, unsigned int last, int flags)
{
	static int (*real)(unsigned int, unsigned int, int);
	int ret, err;
	unsigned int fd;

	if (!real)
		real = (int (*)(unsigned int, unsigned int, int))
			dlsym(RTLD_NEXT, "close_range");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	ret = real(first, last, flags);
	err = errno;
	if (!ret && !(flags & CLOSE_RANGE_CLOEXEC))
		for (fd = first; fd <= last && fd < ZCP_FD_MAX; fd++)
			if (known(fd))
				zcp_fd_forget(fd);
	errno = err;
	return ret;
}

ZCP_VISIBLE void closefrom(int lowfd)
{
	static void (*real)(int);
	int fd, err = errno;

	if (!real)
		real = (void (*)(int))dlsym(RTLD_NEXT, "closefrom");
	if (real)
		real(lowfd);
	for (fd = lowfd < 0 ? 0 : lowfd; fd < ZCP_FD_MAX; fd++)
		if (known(fd))
			zcp_fd_forget(fd);
	errno = err;
}

static int dup_done(int oldfd, int ret)
{
	int err = errno;

	if (ret >= 0 && ret != oldfd) {
		zcp_fd_dup(oldfd, ret);
		errno = err;
	}
	return ret;
}

ZCP_VISIBLE int dup(int oldfd)
{
	return dup_done(oldfd, REAL(dup)(oldfd));
}

ZCP_VISIBLE int dup2(int oldfd, int newfd)
{
	return dup_done(oldfd, REAL(dup2)(oldfd, newfd));
}

ZCP_VISIBLE int dup3(int oldfd, int newfd, int flags)
{
	return dup_done(oldfd, REAL(dup3)(oldfd, newfd, flags));
}

ZCP_VISIBLE int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return dup_done(fd, REAL(fcntl)(fd, cmd, arg));
	return REAL(fcntl)(fd, cmd, arg);
}

ZCP_VISIBLE int setsockopt(int fd, int level, int name, const void *val,
			   socklen_t len)
{
	int ret = REAL(setsockopt)(fd, level, name, val, len), err = errno;

	if (!ret && level == SOL_SOCKET && name == SO_ZEROCOPY) {
		zcp_fd_reclassify(fd);
		errno = err;
	}
	/* Entries that no send makes may reach its error queue (empty.c). */
	if (!ret && zcp_empty_option(level, name, val, len))
		zcp_no_empty(fd);
	return ret;
}
