// SPDX-License-Identifier: GPL-2.0
/*
 * real: the definitions the library's functions stand in front of, found
 * once with dlsym(RTLD_NEXT) (at load time; again lazily if a call comes
 * in before the library's constructor ran, from another library's).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "zcp.h"

struct zcp_real zcp_real;

#define R(f) (zcp_real.f = (__typeof__(zcp_real.f))dlsym(RTLD_NEXT, #f))

void zcp_resolve(void)
{
	R(send); R(sendto); R(sendmsg); R(sendmmsg);
	R(recvmsg); R(recvmmsg);
	R(poll); R(ppoll); R(select); R(pselect);
	R(epoll_ctl); R(epoll_wait); R(epoll_pwait); R(epoll_pwait2);
	R(close); R(dup); R(dup2); R(dup3); R(fcntl); R(setsockopt);
}
