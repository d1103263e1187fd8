/* SPDX-License-Identifier: GPL-2.0 */
/* zcnotify - the one version test of the module (zc_compat*.h use it). */
#ifndef _ZC_KERNEL_VERSION_H
#define _ZC_KERNEL_VERSION_H

#include <linux/version.h>

/*
 * ZC_KERNEL_SINCE - the target kernel is @maj.@min or later. The one
 * version test of the module: every gate says which change it follows.
 */
#define ZC_KERNEL_SINCE(maj, min)					\
	(KERNEL_VERSION(maj, min, 0) <= LINUX_VERSION_CODE)

#endif /* _ZC_KERNEL_VERSION_H */
