// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - counters, read-only in /sys/module/zcnotify/stats/.
 *
 * Per-CPU, so counting costs a local increment; a read sums the CPUs.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>
#include "zc_stats.h"

DEFINE_PER_CPU(struct zc_stats, zc_stats);

static struct kobject *zc_stats_kobj;

static u64 zc_stats_sum(size_t off)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((char *)per_cpu_ptr(&zc_stats, cpu) + off);
	return sum;
}

struct zc_stat_attr {
	struct kobj_attribute attr;
	size_t off;
};

static ssize_t zc_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct zc_stat_attr *sa = container_of(attr, struct zc_stat_attr, attr);

	return sysfs_emit(buf, "%llu\n", zc_stats_sum(sa->off));
}

static struct zc_stat_attr zc_stat_attrs[] = {
	{ __ATTR(requests, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, requests) },
	{ __ATTR(ranges, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, ranges) },
	{ __ATTR(completions, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, completions) },
	{ __ATTR(full, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, full) },
	{ __ATTR(einval, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, einval) },
	{ __ATTR(efault, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, efault) },
	{ __ATTR(norecord, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, norecord) },
	{ __ATTR(eintr, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, eintr) },
	{ __ATTR(returned, 0444, zc_stat_show, NULL),
	  offsetof(struct zc_stats, returned) },
};

static struct attribute *zc_stats_attrs[ARRAY_SIZE(zc_stat_attrs) + 1];

static const struct attribute_group zc_stats_group = {
	.attrs = zc_stats_attrs,
};

/**
 * zc_stats_init() - create /sys/module/zcnotify/stats/
 *
 * Return: 0 or a negative errno (one line logged).
 */
int zc_stats_init(void)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(zc_stat_attrs); i++)
		zc_stats_attrs[i] = &zc_stat_attrs[i].attr.attr;
	zc_stats_kobj = kobject_create_and_add("stats", &THIS_MODULE->mkobj.kobj);
	if (!zc_stats_kobj)
		return -ENOMEM;
	err = sysfs_create_group(zc_stats_kobj, &zc_stats_group);
	if (err) {
		pr_err("zcnotify: cannot create stats: error %d\n", err);
		kobject_put(zc_stats_kobj);
	}
	return err;
}

/**
 * zc_stats_exit() - remove /sys/module/zcnotify/stats/
 */
void zc_stats_exit(void)
{
	sysfs_remove_group(zc_stats_kobj, &zc_stats_group);
	kobject_put(zc_stats_kobj);
}
