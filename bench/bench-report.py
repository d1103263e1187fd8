#!/usr/bin/env python3
"""bench-report.py RAW OUTDIR: tables, CSV and an SVG chart from zc_bench output.

Ratios are taken between runs of the same repetition (interleaved in one
boot), then summarised as median and min..max over the repetitions.
"""
import collections
import statistics
import sys

raw, outdir = sys.argv[1], sys.argv[2]
bench = collections.defaultdict(list)      # (k, lane, proto, size, iv, method) -> [rows]
over = collections.defaultdict(list)       # (k, proto, size, cmsg, module) -> [ns]
fails = []


def kv(words):
    return dict(w.split('=', 1) for w in words if '=' in w)


for line in open(raw):
    w = line.split()
    if len(w) < 2:
        continue
    if w[1] == 'BENCH':
        d = kv(w)
        key = (d['kernel'], d['lane'], d['proto'], int(d['size']), int(d['interval']), d['method'])
        bench[key].append(d)
    elif w[1] == 'OVERHEAD':
        d = kv(w)
        over[(d['kernel'], d['proto'], int(d['size']), d['cmsg'], d['module'])].append(float(d['ns_per_call']))
    elif w[1].startswith('BENCHFAIL'):
        fails.append(line.strip())

methods = ['copy', 'errqueue', 'cmsg', 'uring']
configs = sorted({k[:5] for k in bench})
kernels = sorted({k[0] for k in bench} | {k[0] for k in over})
csv = ['kernel,lane,proto,size,interval,method,rep,mbps,sends_per_s,cpu_s_per_gb,ids_per_reap,syscalls_per_send,ratio_to_errqueue']
chart = []   # (kernel, label, method, median ratio)

for kern in kernels:
    print(f'\n## {kern}: MSG_ZEROCOPY completion methods (median of repetitions; ratio = MB/s over errqueue, same repetition)')
    print(f'{"lane":5} {"proto":5} {"size":>5} {"every":>5} {"method":8} {"MB/s":>8} {"sends/s":>9} {"CPU s/GB":>9} {"compl/reap":>10} {"sys/send":>8} {"ratio":>6} {"(min..max)":>13}')
    for cfg in configs:
        if cfg[0] != kern:
            continue
        base = bench.get(cfg + ('errqueue',), [])
        for m in methods:
            rows = bench.get(cfg + (m,), [])
            if not rows:
                continue
            ratios = []
            for i, r in enumerate(rows):
                ratio = ''
                if i < len(base) and float(base[i]['mbps']) > 0:
                    ratio = float(r['mbps']) / float(base[i]['mbps'])
                    ratios.append(ratio)
                csv.append(','.join(str(x) for x in (kern, cfg[1], cfg[2], cfg[3], cfg[4], m, i + 1,
                           r['mbps'], r['sends_per_s'], r['cpu_s_per_gb'], r['ids_per_reap'],
                           r['syscalls_per_send'], f'{ratio:.4f}' if ratio != '' else '')))

            def med(f):
                return statistics.median(float(r[f]) for r in rows)
            rr = f'{statistics.median(ratios):6.2f} {min(ratios):6.2f}..{max(ratios):<5.2f}' if ratios else ''
            print(f'{cfg[1]:5} {cfg[2]:5} {cfg[3]:5} {cfg[4]:5} {m:8} {med("mbps"):8.1f} {med("sends_per_s"):9.0f} '
                  f'{med("cpu_s_per_gb"):9.3f} {med("ids_per_reap"):10.2f} {med("syscalls_per_send"):8.3f} {rr}')
            if ratios and m != 'errqueue':
                chart.append((kern, f'{cfg[1]} {cfg[2]} every {cfg[4]}', m, statistics.median(ratios)))

    keys = sorted({k[1:4] for k in over if k[0] == kern})
    if keys:
        print(f'\n## {kern}: plain sendmsg() cost, module loaded vs not (interleaved repetitions)')
        print(f'{"proto":5} {"size":>5} {"cmsg":8} {"off ns":>8} {"on ns":>8} {"on/off":>7} {"(min..max)":>13}')
        for proto, size, cm in keys:
            off = over.get((kern, proto, size, cm, 'off'), [])
            on = over.get((kern, proto, size, cm, 'on'), [])
            pairs = [b / a for a, b in zip(off, on) if a > 0]
            if not pairs:
                continue
            print(f'{proto:5} {size:5} {cm:8} {statistics.median(off):8.1f} {statistics.median(on):8.1f} '
                  f'{statistics.median(pairs):7.3f} {min(pairs):6.3f}..{max(pairs):<6.3f}')
            csv.append(f'{kern},overhead,{proto},{size},,{cm},,,,,,,{statistics.median(pairs):.4f}')

for f in fails:
    print('FAILED:', f)

with open(f'{outdir}/bench.csv', 'w') as fh:
    fh.write('\n'.join(csv) + '\n')

# SVG: one horizontal bar per (kernel, config, method), ratio to errqueue.
colors = {'copy': '#999999', 'cmsg': '#1f77b4', 'uring': '#ff7f0e'}
bar, gap, left, width = 14, 6, 260, 520
rmax = max([c[3] for c in chart] + [1.5])
h = 40 + len(chart) * (bar + 2) + len({(c[0], c[1]) for c in chart}) * gap + 40
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{h}" font-family="sans-serif" font-size="11">',
       f'<text x="10" y="20" font-size="14">Throughput relative to poll+recvmsg(MSG_ERRQUEUE) (1.0 = same)</text>']
y, last = 40, None
for kern, label, m, r in chart:
    if (kern, label) != last:
        y += gap
        svg.append(f'<text x="10" y="{y + bar - 3}">{kern.split("-amd64")[0]} {label}</text>')
        last = (kern, label)
    w = r / rmax * width
    svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colors[m]}"/>')
    svg.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 3}">{m} {r:.2f}</text>')
    y += bar + 2
x1 = left + width / rmax
svg.append(f'<line x1="{x1:.1f}" y1="35" x2="{x1:.1f}" y2="{y}" stroke="black" stroke-dasharray="4"/>')
svg.append('</svg>')
with open(f'{outdir}/ratios.svg', 'w') as fh:
    fh.write('\n'.join(svg) + '\n')
print(f'\nwrote {outdir}/bench.csv and {outdir}/ratios.svg')
sys.exit(1 if fails else 0)
