#!/usr/bin/env python3
"""bench-report.py RAW OUTDIR [ICOUNT_RAW]: tables, CSV and an SVG chart
from make bench's two lanes.

RAW: the TCG wall-clock lane. Ratios are taken between runs of the same
repetition (interleaved in one boot), then summarised as median and
min..max over the repetitions.
ICOUNT_RAW: the instruction-count lane (QEMU -icount shift=0: executed
instructions of the whole guest, deterministic), as make bench-icount
writes it; its tables are bench-icount-report.py's (benchlib.py).

OUTDIR/bench.csv has one figure a row:
  kernel,clock,lane,proto,size,interval,method,run,unit,value
clock is tcg_wall_clock or icount (instructions); see docs/bench.md for the
units. OUTDIR/ratios.svg has three panels: TCG wall-clock throughput
relative to errqueue, instructions per send relative to errqueue, and the
recovery of the reaping cost.
"""
import os
import statistics
import sys

# The accelerator the wall-clock lane ran under (bench.sh: harness/kvm-probe.sh).
ACCEL = os.environ.get('WALL_ACCEL', 'tcg')
CLOCK = f'{ACCEL}_wall_clock'
WALL = f'{ACCEL.upper()} wall clock'

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import METHODS, Icount, load_wall, per_send  # noqa: E402

raw, outdir = sys.argv[1], sys.argv[2]
bench, over, fails = load_wall(raw)
ic = Icount(sys.argv[3]) if len(sys.argv) > 3 and os.path.exists(sys.argv[3]) else None
configs = sorted({k[:5] for k in bench})
kernels = sorted({k[0] for k in bench} | {k[0] for k in over})
csv = ['kernel,clock,lane,proto,size,interval,method,run,unit,value']
wall_chart = []   # (group label, method, median ratio, text)


def row(kern, clock, lane, proto, size, iv, m, run, unit, value):
    csv.append(','.join(str(x) for x in (kern, clock, lane, proto, size, iv, m, run, unit, value)))


for kern in kernels:
    print(f'\n## {kern}: MSG_ZEROCOPY completion methods, {WALL} (median of repetitions; '
          'ratio = MB/s over errqueue, same repetition)')
    print(f'{"lane":5} {"proto":5} {"size":>5} {"every":>5} {"method":8} {"MB/s":>8} {"sends/s":>9} {"CPU s/GB":>9} {"compl/reap":>10} {"sys/send":>8} {"ratio":>6} {"(min..max)":>13}')
    for cfg in configs:
        if cfg[0] != kern:
            continue
        base = bench.get(cfg + ('errqueue',), [])
        for m in METHODS:
            rows = bench.get(cfg + (m,), [])
            if not rows:
                continue
            ratios = []
            for i, r in enumerate(rows):
                cell = (kern, CLOCK) + cfg[1:] + (m, i + 1)
                for unit, value in (('ns_per_send', f'{per_send(r):.1f}'), ('mbps', r['mbps']),
                                    ('sends_per_s', r['sends_per_s']),
                                    ('cpu_s_per_gb', r['cpu_s_per_gb']),
                                    ('completions_per_reap', r['ids_per_reap']),
                                    ('syscalls_per_send', r['syscalls_per_send'])):
                    row(*cell, unit, value)
                if i < len(base) and float(base[i]['mbps']) > 0:
                    ratio = float(r['mbps']) / float(base[i]['mbps'])
                    ratios.append(ratio)
                    row(*cell, 'ratio_to_errqueue', f'{ratio:.4f}')

            def med(f):
                return statistics.median(float(r[f]) for r in rows)
            rr = f'{statistics.median(ratios):6.2f} {min(ratios):6.2f}..{max(ratios):<5.2f}' if ratios else ''
            print(f'{cfg[1]:5} {cfg[2]:5} {cfg[3]:5} {cfg[4]:5} {m:8} {med("mbps"):8.1f} {med("sends_per_s"):9.0f} '
                  f'{med("cpu_s_per_gb"):9.3f} {med("ids_per_reap"):10.2f} {med("syscalls_per_send"):8.3f} {rr}')
            if ratios and m != 'errqueue':
                r = statistics.median(ratios)
                wall_chart.append((f'{kern.split("-amd64")[0]} {cfg[1]} {cfg[2]} every {cfg[4]}',
                                   m, r, f'{m} {r:.2f}'))

    keys = sorted({k[1:4] for k in over if k[0] == kern})
    if keys:
        print(f'\n## {kern}: plain sendmsg() cost, {WALL}, module loaded vs not (interleaved repetitions)')
        print(f'{"proto":5} {"size":>5} {"cmsg":8} {"off ns":>8} {"on ns":>8} {"on/off":>7} {"(min..max)":>13}')
        for proto, size, cm in keys:
            off = over.get((kern, proto, size, cm, 'off'), [])
            on = over.get((kern, proto, size, cm, 'on'), [])
            for state, vals in (('off', off), ('on', on)):
                for i, v in enumerate(vals):
                    row(kern, CLOCK, 'plain-sendmsg', proto, size, '', cm, i + 1,
                        f'ns_per_call_module_{state}', f'{v:.1f}')
            pairs = [b / a for a, b in zip(off, on) if a > 0]
            if not pairs:
                continue
            print(f'{proto:5} {size:5} {cm:8} {statistics.median(off):8.1f} {statistics.median(on):8.1f} '
                  f'{statistics.median(pairs):7.3f} {min(pairs):6.3f}..{max(pairs):<6.3f}')
            row(kern, CLOCK, 'plain-sendmsg', proto, size, '', cm, 'median',
                'on_off_ratio', f'{statistics.median(pairs):.4f}')

icount_chart = []     # (group label, method, instructions relative to errqueue, text)
recovery_chart = []   # (group label, '', recovery, text)
for kern in ic.kernels() if ic else []:
    text, _ = ic.tables(kern)
    print('\n' + text)
    rs = ic.runs(kern)
    for lane, size, iv in ic.configs(kern):
        for m in METHODS:
            rows = ic.bench.get((kern, lane, size, iv, m), {})
            for r in rs:
                if r not in rows:
                    continue
                cell = (kern, 'icount') + tuple(lane.split()) + (size, iv, m, r)
                ips = per_send(rows[r])
                row(*cell, 'instr_per_send', f'{ips:.1f}')
                copy = ic.ips(kern, lane, size, iv, 'copy', r)
                if copy is not None and m != 'copy':
                    row(*cell, 'instr_over_copy', f'{ips - copy:.1f}')
                row(*cell, 'syscalls_per_send', rows[r]['syscalls_per_send'])
                row(*cell, 'completions_per_reap', rows[r]['ids_per_reap'])
            errq = [ic.ips(kern, lane, size, iv, 'errqueue', r) for r in rs]
            mine = [ic.ips(kern, lane, size, iv, m, r) for r in rs]
            rel = [a / b for a, b in zip(mine, errq) if a and b]
            if rel and m != 'errqueue':
                v = statistics.median(rel)
                ips = statistics.median(x for x in mine if x)
                icount_chart.append((f'{kern.split("-amd64")[0]} {lane} {size} every {iv}', m, v,
                                     f'{m} {v:.3f} ({ips:,.0f})'))
    for lane, size in sorted({c[:2] for c in ic.configs(kern)}):
        vals = []
        for r in rs:
            v = ic.recovery(kern, lane, size, r)
            if v is not None:
                vals.append(v)
                row(kern, 'icount', *lane.split(), size, 1, 'cmsg', r, 'recovery', f'{v:.4f}')
        if vals:
            v = statistics.median(vals)
            recovery_chart.append((f'{kern.split("-amd64")[0]} {lane} {size}', 'cmsg', v,
                                   f'{v * 100:.1f}%'))
    for (k, proto, size, cm, state), vals in sorted(ic.over.items()):
        if k == kern:
            for sub, v in sorted(vals.items()):
                row(kern, 'icount', 'plain-sendmsg', proto, size, '', cm, sub,
                    f'instr_per_call_module_{state}', f'{v:.1f}')
fails += ic.fails if ic else []

for f in fails:
    print('FAILED:', f)

with open(f'{outdir}/bench.csv', 'w') as fh:
    fh.write('\n'.join(csv) + '\n')

# SVG: one panel after the other, one horizontal bar per value, grouped.
colors = {'copy': '#999999', 'cmsg': '#1f77b4', 'uring': '#ff7f0e'}
bar, gap, left, width = 14, 6, 300, 520
svg = []


def panel(y, title, bars, ref, ref_label):
    """Bars (group, method, value, text) scaled to max(values, 1.5 * ref);
    a dashed line at ref. Returns the y below the panel."""
    if not bars:
        return y
    vmax = max([b[2] for b in bars] + [1.5 * ref])
    svg.append(f'<text x="10" y="{y + 20}" font-size="14">{title}</text>')
    y += 45
    top, last = y, None
    for group, m, v, text in bars:
        if group != last:
            y += gap
            svg.append(f'<text x="10" y="{y + bar - 3}">{group}</text>')
            last = group
        w = max(v, 0) / vmax * width
        svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colors[m]}"/>')
        svg.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 3}">{text}</text>')
        y += bar + 2
    x1 = left + ref / vmax * width
    svg.append(f'<line x1="{x1:.1f}" y1="{top - 5}" x2="{x1:.1f}" y2="{y}" stroke="black" stroke-dasharray="4"/>')
    svg.append(f'<text x="{x1 + 4:.1f}" y="{top - 8}" font-size="10">{ref_label}</text>')
    return y + 20


y = panel(0, f'{WALL}: throughput relative to poll+recvmsg(MSG_ERRQUEUE) (1.0 = same, longer = faster)',
          wall_chart, 1.0, '1.0 = errqueue')
y = panel(y, 'Instructions per send (QEMU -icount), relative to errqueue at the same interval '
          '(shorter = fewer; in brackets: instructions per send)', icount_chart, 1.0, '1.0 = errqueue')
y = panel(y, 'Recovery of the reaping cost at interval 1, (I_errq - I_cmsg) / (I_errq - I_end), '
          'I_end = errqueue every 512 sends (instructions)', recovery_chart, 0.85, 'target 85%')
svg.insert(0, f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 160}" height="{y + 20}" '
           'font-family="sans-serif" font-size="11">')
svg.append('</svg>')
with open(f'{outdir}/ratios.svg', 'w') as fh:
    fh.write('\n'.join(svg) + '\n')
print(f'\nwrote {outdir}/bench.csv and {outdir}/ratios.svg')
sys.exit(1 if fails else 0)
