// SPDX-License-Identifier: GPL-2.0
/*
 * abi_layout: the uapi structures have one layout in every ABI the module
 * serves (x86-64 and i386, arm64 and armhf), because the module reads and
 * writes them from the kernel side for native and 32-bit callers alike.
 * Compiled (not run) by every compiler the tests are built with: a
 * difference fails the build.
 */
#include <stddef.h>
#include <linux/zcnotify.h>

_Static_assert(sizeof(struct zc_info_elem) == 12, "zc_info_elem size");
_Static_assert(_Alignof(struct zc_info_elem) == 4, "zc_info_elem alignment");
_Static_assert(offsetof(struct zc_info_elem, lo) == 0, "zc_info_elem.lo");
_Static_assert(offsetof(struct zc_info_elem, hi) == 4, "zc_info_elem.hi");
_Static_assert(offsetof(struct zc_info_elem, zerocopy) == 8,
	       "zc_info_elem.zerocopy");
_Static_assert(sizeof(struct zc_info) == 4, "zc_info header size");
_Static_assert(offsetof(struct zc_info, arr) == 4, "zc_info.arr");
_Static_assert(ZC_INFO_SIZE(2) == 28, "ZC_INFO_SIZE");
