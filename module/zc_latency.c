// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the callbacks timed: a measuring build (`make ZC_LATENCY=y`)
 * keeps, per timed point, the number of calls, their total and their
 * longest duration in nanoseconds (n, sum, max), also for the calls that
 * ran with preemption disabled (off_n, off_sum, off_max: ftrace's list
 * function where the kernel takes no direct call; off_known 0 where the
 * kernel has no PREEMPT_COUNT to tell), in
 * /sys/module/zcnotify/latency/<point>; a write to the file resets it.
 * make bench-latency drives the worst cases and reports them.
 *
 * Durations are local_clock() differences: nanoseconds of the guest's
 * clock, which under QEMU -icount shift=0 counts executed instructions.
 * The counters are shared atomics: this build measures, it is not the
 * module's cost (that is make bench-icount's, on the shipped build).
 *
 * Owns: zc_latency_start(), zc_latency_end(), the latency/ files.
 * May use: nothing else in the module.
 */
#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched/clock.h>
#include <linux/sysfs.h>
#include "zc_latency.h"

struct zc_latency {
	atomic64_t calls, sum, max;
	atomic64_t off_calls, off_sum, off_max;	/* preemption disabled */
};

static struct zc_latency zc_latency[ZC_LAT_POINTS];
static struct kobject *zc_latency_kobj;

static __always_inline void zc_latency_max(atomic64_t *max, s64 d)
{
	s64 old = atomic64_read(max);

	while (d > old) {
		s64 seen = atomic64_cmpxchg(max, old, d);

		if (seen == old)
			break;
		old = seen;
	}
}

/**
 * zc_latency_start() - a timed callback begins
 *
 * Return: the time to pass to zc_latency_end().
 */
u64 notrace zc_latency_start(void)
{
	return local_clock();
}

/**
 * zc_latency_end() - a timed callback ends
 * @p: which callback
 * @t0: what zc_latency_start() returned at its start
 *
 * Counts the call. Whether preemption was disabled is read here: the
 * callbacks do not change it between the two.
 */
void notrace zc_latency_end(enum zc_latency_point p, u64 t0)
{
	struct zc_latency *l = &zc_latency[p];
	s64 d = local_clock() - t0;

	if (d < 0)		/* migrated to a CPU whose clock is behind */
		d = 0;
	atomic64_inc(&l->calls);
	atomic64_add(d, &l->sum);
	zc_latency_max(&l->max, d);
	/* Without PREEMPT_COUNT (5.10, arm64) preemptible() cannot tell. */
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT) && !preemptible()) {
		atomic64_inc(&l->off_calls);
		atomic64_add(d, &l->off_sum);
		zc_latency_max(&l->off_max, d);
	}
}

static ssize_t zc_latency_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf);
static ssize_t zc_latency_store(struct kobject *kobj, struct kobj_attribute *attr,
				const char *buf, size_t len);

static struct kobj_attribute zc_latency_attrs[ZC_LAT_POINTS] = {
	[ZC_LAT_ENTRY] = __ATTR(entry, 0600, zc_latency_show, zc_latency_store),
	[ZC_LAT_RESTART] = __ATTR(restart, 0600, zc_latency_show, zc_latency_store),
};

static ssize_t zc_latency_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	struct zc_latency *l = &zc_latency[attr - zc_latency_attrs];

	return sysfs_emit(buf,
			  "n=%lld sum=%lld max=%lld off_n=%lld off_sum=%lld off_max=%lld off_known=%d\n",
			  atomic64_read(&l->calls), atomic64_read(&l->sum),
			  atomic64_read(&l->max), atomic64_read(&l->off_calls),
			  atomic64_read(&l->off_sum), atomic64_read(&l->off_max),
			  IS_ENABLED(CONFIG_PREEMPT_COUNT));
}

/* Any write starts the point's counts again (racing callbacks may land). */
static ssize_t zc_latency_store(struct kobject *kobj, struct kobj_attribute *attr,
				const char *buf, size_t len)
{
	struct zc_latency *l = &zc_latency[attr - zc_latency_attrs];

	atomic64_set(&l->calls, 0);
	atomic64_set(&l->sum, 0);
	atomic64_set(&l->max, 0);
	atomic64_set(&l->off_calls, 0);
	atomic64_set(&l->off_sum, 0);
	atomic64_set(&l->off_max, 0);
	return len;
}

static struct attribute *zc_latency_list[ZC_LAT_POINTS + 1];

static const struct attribute_group zc_latency_group = {
	.attrs = zc_latency_list,
};

/**
 * zc_latency_init() - create /sys/module/zcnotify/latency/
 *
 * Return: 0 or a negative errno (one line logged).
 */
int zc_latency_init(void)
{
	int err, i;

	for (i = 0; i < ZC_LAT_POINTS; i++)
		zc_latency_list[i] = &zc_latency_attrs[i].attr;
	zc_latency_kobj = kobject_create_and_add("latency", &THIS_MODULE->mkobj.kobj);
	if (!zc_latency_kobj)
		return -ENOMEM;
	err = sysfs_create_group(zc_latency_kobj, &zc_latency_group);
	if (err) {
		pr_err("zcnotify: cannot create latency: error %d\n", err);
		kobject_put(zc_latency_kobj);
		return err;
	}
	pr_info("zcnotify: a measuring build (ZC_LATENCY): callbacks are timed\n");
	return 0;
}

/**
 * zc_latency_exit() - remove /sys/module/zcnotify/latency/
 */
void zc_latency_exit(void)
{
	sysfs_remove_group(zc_latency_kobj, &zc_latency_group);
	kobject_put(zc_latency_kobj);
}
