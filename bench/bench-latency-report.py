#!/usr/bin/env python3
"""bench-latency-report.py RAW: make bench-latency's tables.

RAW holds the VM lines of bench/bench-latency.sh, each prefixed
"kernel=K mode=M": LAT lines (one scenario, one timed callback), LATSUM
lines (its accounting), LATFAIL and DMESG lines. Prints, per mode, the
entry callback's calls, mean and longest duration per kernel, scenario
and tracer, the longest with preemption disabled, the restart callback's
longest, and whether every completion came back exactly once.
"""
import collections
import re
import sys

UNIT = {'tcg': 'ns, TCG wall clock (emulated CPU)',
        'icount': 'instructions (QEMU -icount shift=0: 1 guest ns each)'}


def unknown(v):
    """-1: the kernel has no PREEMPT_COUNT, preemption state unknown."""
    return 'n/a' if v == '-1' else v


def fields(text):
    return dict(re.findall(r'(\w+)=(\S+)', text))


def main():
    lat = collections.OrderedDict()
    sums, notes = {}, []
    for line in open(sys.argv[1], errors='replace'):
        f = fields(line)
        if ' LAT ' in line:
            key = (f['mode'], f['kernel'], f['scenario'], f['tracer'])
            lat.setdefault(key, {})[f['point']] = f
        elif ' LATSUM ' in line:
            sums[(f['mode'], f['kernel'], f['scenario'], f['tracer'])] = f
        elif ' LATFAIL ' in line or ' DMESG ' in line or ' LOAD ' in line:
            notes.append(line.strip())
    bad = 0
    for mode in sorted({k[0] for k in lat}, key=lambda m: m != 'tcg'):
        print('## callback durations, %s\n' % UNIT.get(mode, mode))
        print('| kernel | scenario | tracer | entry calls | mean | max '
              '| preempt-off calls | preempt-off max | restart calls | restart max '
              '| ranges per answer | completions |')
        print('|---' * 12 + '|')
        for key, pts in lat.items():
            if key[0] != mode:
                continue
            e, r = pts.get('entry', {}), pts.get('restart', {})
            s = sums.get(key)
            ok = (s and s['missing'] == '0' and s['duplicated'] == '0' and
                  s['completions'] == s['sends'])
            bad += not ok
            acc = ('%s of %s, once each' % (s['completions'], s['sends'])
                   if ok else 'FAILED %s' % (s or 'no LATSUM line'))
            per = ('%.1f' % (int(s['ranges']) / int(s['answered']))
                   if s and 'ranges' in s and int(s['answered']) else '-')
            print('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
                key[1], key[2], key[3], e.get('calls'), e.get('mean_ns'),
                e.get('max_ns'), unknown(e.get('off_calls')),
                unknown(e.get('off_max_ns')),
                r.get('calls'), r.get('max_ns'), per, acc))
        print()
    if notes:
        print('## notes from the VMs\n')
        for n in notes:
            print('    ' + n)
    if not lat:
        print('bench-latency: no LAT lines in %s' % sys.argv[1])
        bad += 1
    sys.exit(1 if bad else 0)


main()
