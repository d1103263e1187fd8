#!/usr/bin/env python3
"""bench-icount-report.py RAW: tables from an instruction-count run.

Under QEMU -icount shift=0 one guest nanosecond is one executed
instruction, so zc_bench's secs are instructions / 1e9 (whole guest: the
sender, softirqs, the rest of the system on the one vCPU). Every figure is
printed per run, with the spread between runs (max/min - 1). Parsing and
the per-send and recovery tables are in benchlib.py (make bench prints
them too).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Icount, per_send, spread  # noqa: E402

ic = Icount(sys.argv[1])
worst = 0.0
for k in ic.kernels():
    text, w = ic.tables(k)
    worst = max(worst, w)
    print(text)
    rs = ic.runs(k)
    ns = sorted(n for (kk, n) in ic.bysize if kk == k)
    if ns:
        print(f'## {k}: a request of n elements at interval 1 (cmsg method), instructions per send\n')
        print(f'| n | control buffer bytes | {" | ".join("run " + r for r in rs)} | spread |')
        print('|---|---|' + '---|' * len(rs) + '---|')
        for n in ns:
            rows = ic.bysize[(k, n)]
            per = [per_send(rows[r]) for r in rs if r in rows]
            cb = 16 + ((4 + 12 * n + 7) // 8) * 8
            print(f'| {n} | {cb} | ' + ' | '.join(f'{p:,.0f}' for p in per) + f' | {spread(per):.2f}% |')
        print()
    print(f'## {k}: plain sendmsg(), instructions per call, module off vs on\n')
    subs = [r + x for r in rs for x in 'ab']
    print(f'| call | cmsg | {" | ".join("off " + r for r in subs)} | {" | ".join("on " + r for r in subs)} | on/off ({subs[0]}) | spread |')
    print('|---|---|' + '---|' * (2 * len(subs)) + '---|---|')
    for key in sorted({x[1:4] for x in ic.over if x[0] == k}):
        off = ic.over.get((k,) + key + ('off',), {})
        on = ic.over.get((k,) + key + ('on',), {})
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
    for r in sorted(ic.threads.get(k, {})):
        d = ic.threads[k][r]
        print(f'{k} run {r}: {d["threads"]} threads each sent one request and stayed '
              f'(stats/norecord {ic.norec.get(k, {}).get(r.split()[0], "?")}): unrelated sendmsg() '
              f'(UDP 64 B, IP_PKTINFO, no SO_ZEROCOPY) {float(d["unrelated_before"]):,.0f} -> '
              f'{float(d["unrelated_after"]):,.0f} instructions '
              f'({(float(d["unrelated_after"]) / float(d["unrelated_before"]) - 1) * 100:+.2f}%); '
              f'request-only sendmsg() on a zerocopy socket {float(d["request_before"]):,.0f} -> '
              f'{float(d["request_after"]):,.0f}')
    print()
for f in ic.fails:
    print('FAILED:', f)
print(f'largest spread between boots (UDP figures; "a"/"b" are two rounds in one boot, compared across boots): {worst:.2f}%')
