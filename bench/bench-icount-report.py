#!/usr/bin/env python3
"""bench-icount-report.py RAW: tables from an instruction-count run.

Under QEMU -icount shift=0 one guest nanosecond is one executed
instruction, so zc_bench's secs are instructions / 1e9 (whole guest: the
sender, softirqs, the rest of the system on the one vCPU). Every figure is
printed per run, with the spread between runs (max/min - 1).
"""
import collections
import sys


def kv(words):
    return dict(w.split('=', 1) for w in words if '=' in w)


bench = collections.defaultdict(dict)    # (k, size, iv, method) -> {run: row}
bysize = collections.defaultdict(dict)   # (k, n) -> {run: row}, the NS study
over = collections.defaultdict(dict)     # (k, proto, size, cmsg, module) -> {run: ns}
threads = collections.defaultdict(dict)  # k -> {run: row}
norec = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) < 3:
        continue
    d = kv(w)
    k, run = d.get('kernel'), d.get('run')
    if w[2] == 'BENCH':
        key = (k, d['lane'] + ' ' + d['proto'], int(d['size']), int(d['interval']), d['method'])
        if run in bench[key]:		# the NS study repeats cmsg at interval 1
            bysize[(k, int(d['n']))][run] = d
        else:
            bench[key][run] = d
    elif w[2] == 'OVERHEAD':
        # Two rounds per state in one boot: run r, rounds a and b.
        key = (k, d['proto'], int(d['size']), d['cmsg'], d['module'])
        sub = run + ('a' if run + 'a' not in over[key] else 'b')
        over[key][sub] = float(d['ns_per_call'])
    elif w[2] == 'THREADS':
        threads[k][run + ('' if d.get('module', 'on') == 'on' else ' (module not loaded)')] = d
    elif w[2] == 'NORECORD':
        norec[k][run] = w[3]


def spread(vals):
    vals = [v for v in vals if v > 0]
    return (max(vals) / min(vals) - 1) * 100 if vals else float('nan')


worst = 0.0
for k in sorted({key[0] for key in bench} | set(threads)):
    print(f'## {k}: instructions per send (QEMU -icount: executed instructions of the whole guest, not wall clock)\n')
    cfgs = sorted({key[1:4] for key in bench if key[0] == k})
    rs = sorted({r for key in bench if key[0] == k for r in bench[key]})
    print(f'| lane | size | every | method | {" | ".join("instr/send run " + r for r in rs)} | spread | over copy | syscalls/send | completions/reap |')
    print('|---|---|---|---|' + '---|' * len(rs) + '---|---|---|---|')
    for lane, size, iv in cfgs:
        copy = bench.get((k, lane, size, iv, 'copy'), {})
        for m in ('copy', 'errqueue', 'cmsg', 'uring'):
            rows = bench.get((k, lane, size, iv, m))
            if not rows:
                continue
            per = [float(rows[r]['secs']) * 1e9 / int(rows[r]['sends']) for r in rs if r in rows]
            base = [float(copy[r]['secs']) * 1e9 / int(copy[r]['sends']) for r in rs if r in copy]
            sp = spread(per)
            if lane.startswith('dummy'):
                worst = max(worst, sp)
            extra = f'{per[0] - base[0]:+,.0f}' if base and m != 'copy' else ''
            r0 = rows[rs[0]]
            print(f'| {lane} | {size} | {iv} | {m} | ' + ' | '.join(f'{p:,.0f}' for p in per) +
                  f' | {sp:.2f}% | {extra} | {float(r0["syscalls_per_send"]):.3f} | {float(r0["ids_per_reap"]):.2f} |')
    print()
    print(f'## {k}: recovery of the reaping cost at interval 1, (I_errq - I_cmsg) / (I_errq - I_end), I_end = reaping every 512 sends\n')
    print('| lane | size | ' + ' | '.join('run ' + r for r in rs) + ' | target |')
    print('|---|---|' + '---|' * len(rs) + '---|')
    for lane, size in sorted({c[:2] for c in cfgs}):
        vals = []
        for r in rs:
            def ips(iv, m):
                row = bench.get((k, lane, size, iv, m), {}).get(r)
                return float(row['secs']) * 1e9 / int(row['sends']) if row else None
            e1, c1, e512 = ips(1, 'errqueue'), ips(1, 'cmsg'), ips(512, 'errqueue')
            vals.append(f'{(e1 - c1) / (e1 - e512) * 100:.1f}%' if None not in (e1, c1, e512) and e1 != e512 else 'n/a')
        print(f'| {lane} | {size} | ' + ' | '.join(vals) + ' | >= 70% |')
    print()
    ns = sorted(n for (kk, n) in bysize if kk == k)
    if ns:
        print(f'## {k}: a request of n elements at interval 1 (cmsg method), instructions per send\n')
        print(f'| n | control buffer bytes | {" | ".join("run " + r for r in rs)} | spread |')
        print('|---|---|' + '---|' * len(rs) + '---|')
        for n in ns:
            rows = bysize[(k, n)]
            per = [float(rows[r]['secs']) * 1e9 / int(rows[r]['sends']) for r in rs if r in rows]
            cb = 16 + ((4 + 12 * n + 7) // 8) * 8
            print(f'| {n} | {cb} | ' + ' | '.join(f'{p:,.0f}' for p in per) + f' | {spread(per):.2f}% |')
        print()
    print(f'## {k}: plain sendmsg(), instructions per call, module off vs on\n')
    subs = [r + x for r in rs for x in 'ab']
    print(f'| call | cmsg | {" | ".join("off " + r for r in subs)} | {" | ".join("on " + r for r in subs)} | on/off ({subs[0]}) | spread |')
    print('|---|---|' + '---|' * (2 * len(subs)) + '---|---|')
    for key in sorted({x[1:4] for x in over if x[0] == k}):
        off = over.get((k,) + key + ('off',), {})
        on = over.get((k,) + key + ('on',), {})
        offv = [off[r] for r in subs if r in off]
        onv = [on[r] for r in subs if r in on]
        ratio = (onv[0] / offv[0] - 1) * 100 if offv and onv else float('nan')
        # Spread between boots, round by round (a with a, b with b).
        sp = max((spread([d[r + x] for r in rs if r + x in d])
                  for d in (off, on) for x in 'ab'), default=float('nan'))
        worst = max(worst, sp) if key[0].startswith('udp') else worst
        print(f'| {key[0]} {key[1]} B | {key[2]} | ' + ' | '.join(f'{v:,.0f}' for v in offv) + ' | ' +
              ' | '.join(f'{v:,.0f}' for v in onv) + f' | {ratio:+.2f}% | {sp:.2f}% |')
    print()
    for r in sorted(threads.get(k, {})):
        d = threads[k][r]
        print(f'{k} run {r}: {d["threads"]} threads each sent one request and stayed '
              f'(stats/norecord {norec.get(k, {}).get(r.split()[0], "?")}): unrelated sendmsg() '
              f'(UDP 64 B, IP_PKTINFO, no SO_ZEROCOPY) {float(d["unrelated_before"]):,.0f} -> '
              f'{float(d["unrelated_after"]):,.0f} instructions '
              f'({(float(d["unrelated_after"]) / float(d["unrelated_before"]) - 1) * 100:+.2f}%); '
              f'request-only sendmsg() on a zerocopy socket {float(d["request_before"]):,.0f} -> '
              f'{float(d["request_after"]):,.0f}')
    print()
print(f'largest spread between boots (UDP figures; "a"/"b" are two rounds in one boot, compared across boots): {worst:.2f}%')
