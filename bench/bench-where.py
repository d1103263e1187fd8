#!/usr/bin/env python3
"""bench-where.py LOG COUNT_PREFIX [TOP]: instructions per send, per function.

LOG is the counted VM's console (SYM lines: the guest's text symbols;
CELL lines; the BENCH line of each cell); COUNT_PREFIX.N are the plugin's
counts (N = 1 is the first cell). Prints, for each function, the
instructions per send of every cell and the difference of each cell to
the first, largest first.
"""
import bisect
import collections
import re
import sys


def main():
    log, prefix = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    syms, cells, sends = [], [], []
    for line in open(log, errors='replace'):
        line = line.replace('\r', '').strip()
        if not line.startswith('ZC: '):
            continue
        line = line[4:]
        m = re.match(r'SYM ([0-9a-f]+) \S (\S+)(?:\s+\[(\S+)\])?', line)
        if m:
            name = m.group(2) + ('[%s]' % m.group(3) if m.group(3) else '')
            syms.append((int(m.group(1), 16), name))
        m = re.match(r'BENCH .* sends=(\d+) ', line)
        if m:
            sends.append(int(m.group(1)))
        if line.startswith('CELL '):
            cells.append(line[5:])
    if not syms or not cells or len(sends) != len(cells):
        sys.exit('bench-where.py: no symbols, cells or BENCH lines in %s' % log)
    syms.sort()
    addrs = [a for a, _ in syms]
    per = []
    for i, cell in enumerate(cells):
        tot = collections.Counter()
        for line in open('%s.%d' % (prefix, i + 1)):
            a, n = line.split()
            a = int(a, 16)
            j = bisect.bisect_right(addrs, a) - 1
            name = syms[j][1] if j >= 0 and a >= 1 << 63 else '(user)'
            tot[name] += int(n)
        per.append({k: v / sends[i] for k, v in tot.items()})
    names = sorted(set().union(*per),
                   key=lambda k: -abs(per[0].get(k, 0) - per[1].get(k, 0)
                                      if len(per) > 1 else per[0].get(k, 0)))
    print('## instructions per send, per function (QEMU plugin, every instruction counted)\n')
    print('| function | ' + ' | '.join(cells) + ' | ' +
          ' | '.join('%s - %s' % (cells[0], c) for c in cells[1:]) + ' |')
    print('|---' * (2 * len(cells)) + '|')
    print('| **total** | ' + ' | '.join('%.0f' % sum(p.values()) for p in per) +
          ' | ' + ' | '.join('%+.0f' % (sum(per[0].values()) - sum(p.values()))
                             for p in per[1:]) + ' |')
    for k in names[:top]:
        v = [p.get(k, 0) for p in per]
        print('| %s | ' % k + ' | '.join('%.1f' % x for x in v) + ' | ' +
              ' | '.join('%+.1f' % (v[0] - x) for x in v[1:]) + ' |')


main()
