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



def served(d):
    """Did the library answer any of the program's reads or waits itself?
    'no' means every request went out and came back empty, every
    error-queue read and wait was passed to the kernel: the preload figure
    is then what the library costs a program it cannot help."""
    if 'errq_served' not in d:
        return 'no counters'
    if int(d['errq_served']) or int(d['wait_served']):
        return f'yes ({int(d["errq_served"])} reads, {int(d["wait_served"])} waits)'
    return 'no'


def preload_table(k):
    """The preload method: zc_bench's errqueue program, unmodified, under
    libzcnotify-preload.so, next to errqueue and cmsg (same boot), and the
    counters that say whether the library served it."""
    cells = sorted(c for c in ic.pcheck if c[0] == k)
    if not cells:
        return
    print(f'## {k}: an unmodified errqueue program under libzcnotify-preload.so, '
          'instructions per send (QEMU -icount, not wall clock)\n')
    print('errqueue: zc_bench (static), recvmsg(MSG_ERRQUEUE) until EAGAIN after every '
          'INTERVAL sends; errqueue_dyn: the same, dynamically linked; preload: errqueue_dyn '
          'under the library (counters off); cmsg: the module\'s control message. '
          'saved: (errqueue - preload) / (errqueue - cmsg), the share of what the cmsg '
          'method saves that the library gets for the program (n/a where cmsg saves nothing).\n')
    print('| lane | size | every | run | errqueue | errqueue_dyn | preload | cmsg '
          '| preload / errqueue | preload - errqueue | saved |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for _, lane, size, iv in cells:
        for r in sorted(ic.pcheck[(k, lane, size, iv)]):
            e, d, p, c = (ic.ips(k, lane, size, iv, m, r)
                          for m in ('errqueue', 'errqueue_dyn', 'preload', 'cmsg'))
            f = (lambda v: 'n/a' if v is None else f'{v:,.0f}')
            ratio = f'{p / e:.3f}' if p and e else 'n/a'
            diff = f'{p - e:+,.0f}' if p and e else 'n/a'
            # Only where the cmsg method saves anything at all.
            saved = f'{(e - p) / (e - c) * 100:.1f}%' if p and e and c and e > c else 'n/a'
            print(f'| {lane} | {size} | {iv} | {r} | {f(e)} | {f(d)} | {f(p)} | {f(c)} '
                  f'| {ratio} | {diff} | {saved} |')
    print()
    print('Whether the library served the run: the module\'s stats/ growth over the preload '
          'run; the library\'s counters (ZCNOTIFY_PRELOAD_STATS) of the same run once more '
          '(preload_counted); system calls per send without the library (zc_bench\'s count) '
          'and with it (the library\'s: sends, error-queue reads and waits made for the '
          'program, plus its own).\n')
    print('| lane | size | every | run | sends | module requests / ranges / completions '
          '| answered | ranges in | errqueue reads served / passed | waits served / passed '
          '| syscalls/send errqueue | syscalls/send preload | preload_counted instr/send | served |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for _, lane, size, iv in cells:
        for r, d in sorted(ic.pcheck[(k, lane, size, iv)].items()):
            g = (lambda n: d.get(n, '?'))
            e = ic.bench.get((k, lane, size, iv, 'errqueue'), {}).get(r)
            sp = ic.preload_syscalls(k, lane, size, iv, r)
            pc = ic.ips(k, lane, size, iv, 'preload_counted', r)
            print(f'| {lane} | {size} | {iv} | {r} | {g("sends")} '
                  f'| {g("module_requests")} / {g("module_ranges")} / {g("module_completions")} '
                  f'| {g("send_answered")} | {g("ranges_in")} | {g("errq_served")} / {g("errq_passed")} '
                  f'| {g("wait_served")} / {g("wait_passed")} '
                  f'| {e["syscalls_per_send"] if e else "n/a"} | {"n/a" if sp is None else f"{sp:.3f}"} '
                  f'| {"n/a" if pc is None else f"{pc:,.0f}"} | {served(d)} |')
    print()


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
    preload_table(k)
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
