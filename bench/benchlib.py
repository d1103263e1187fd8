"""benchlib: what bench-report.py and bench-icount-report.py share.

Reading the raw files the harness writes (zc_bench's "ZC:" lines of the
guest console, prefixed with kernel=K, and run=R for instruction-count
boots), the per-send figure, the recovery of the reaping cost and the
markdown tables of an instruction-count run.

Under QEMU -icount shift=0 one guest nanosecond is one executed
instruction, so there zc_bench's secs are instructions / 1e9 (whole guest:
the sender, softirqs, the rest of the system on the one vCPU); in the
plain TCG boots of make bench they are TCG wall clock.
"""
import collections

# errqueue_dyn, preload, preload_counted: the preload method's cells
# (bench/guest-bench-icount.sh): zc_bench's errqueue method dynamically
# linked, without libzcnotify-preload.so, under it, and under it with its
# counters on.
METHODS = ('copy', 'errqueue', 'cmsg', 'cmsg_mixed', 'uring', 'errqueue_dyn', 'preload', 'preload_counted')


def kv(words):
    return dict(w.split('=', 1) for w in words if '=' in w)


def records(path):
    """(kind, key=value dict, words after the kind) per line; kind is the
    first word that is not key=value (BENCH, OVERHEAD, THREADS, ...)."""
    for line in open(path):
        w = line.split()
        kinds = [i for i, x in enumerate(w) if '=' not in x]
        if not kinds or kinds[0] == 0:
            continue
        yield w[kinds[0]], kv(w), w[kinds[0] + 1:]


def per_send(row):
    """secs * 1e9 / sends: ns per send (TCG wall clock), or instructions
    per send under -icount."""
    return float(row['secs']) * 1e9 / int(row['sends'])


def spread(vals):
    vals = [v for v in vals if v > 0]
    return (max(vals) / min(vals) - 1) * 100 if vals else float('nan')


def load_wall(path):
    """A make bench (TCG wall clock) raw file: bench[(k, lane, proto, size,
    interval, method)] = [row per repetition], over[(k, proto, size, cmsg,
    module)] = [ns per call], fails = [BENCHFAIL lines]."""
    bench = collections.defaultdict(list)
    over = collections.defaultdict(list)
    fails = []
    for kind, d, rest in records(path):
        if kind == 'BENCH':
            bench[(d['kernel'], d['lane'], d['proto'], int(d['size']), int(d['interval']),
                   d['method'])].append(d)
        elif kind == 'OVERHEAD':
            over[(d['kernel'], d['proto'], int(d['size']), d['cmsg'], d['module'])].append(
                float(d['ns_per_call']))
        elif kind.startswith('BENCHFAIL'):
            fails.append(f'{d["kernel"]} {kind} {" ".join(rest)}')
    return bench, over, fails


class Icount:
    """An instruction-count raw file (make bench-icount, or the -icount lane
    of make bench).

    bench[(k, 'lane proto', size, interval, method)] = {run: row}
    bysize[(k, n)] = {run: row}: the request-size study (cmsg at interval 1
        once more, ZC_N=n)
    over[(k, proto, size, cmsg, module)] = {run + 'a'|'b': instructions per
        call}: two rounds per module state in one boot
    threads[k] = {run label: row}, norec[k] = {run: stats/norecord}
    pcheck[(k, 'lane proto', size, interval)] = {run: row}: the preload
        method's PRELOADCHECK line (the module's stats/ growth over the
        preload run, the library's counters of the counted run)
    """

    def __init__(self, path):
        self.bench = collections.defaultdict(dict)
        self.bysize = collections.defaultdict(dict)
        self.over = collections.defaultdict(dict)
        self.threads = collections.defaultdict(dict)
        self.norec = collections.defaultdict(dict)
        self.pcheck = collections.defaultdict(dict)
        self.fails = []
        for kind, d, rest in records(path):
            k, run = d.get('kernel'), d.get('run')
            if kind == 'BENCH':
                key = (k, d['lane'] + ' ' + d['proto'], int(d['size']), int(d['interval']),
                       d['method'])
                if run in self.bench[key]:	# the NS study repeats cmsg at interval 1
                    self.bysize[(k, int(d['n']))][run] = d
                else:
                    self.bench[key][run] = d
            elif kind == 'OVERHEAD':
                key = (k, d['proto'], int(d['size']), d['cmsg'], d['module'])
                sub = run + ('a' if run + 'a' not in self.over[key] else 'b')
                self.over[key][sub] = float(d['ns_per_call'])
            elif kind == 'THREADS':
                label = run + ('' if d.get('module', 'on') == 'on' else ' (module not loaded)')
                self.threads[k][label] = d
            elif kind == 'PRELOADCHECK':
                self.pcheck[(k, d['lane'] + ' ' + d['proto'], int(d['size']),
                             int(d['interval']))][run] = d
            elif kind == 'NORECORD':
                self.norec[k][run] = rest[0]
            elif kind.startswith('BENCHFAIL'):
                self.fails.append(f'{k} run {run}: {kind} {" ".join(rest)}')

    def kernels(self):
        return sorted({key[0] for key in self.bench} | set(self.threads))

    def configs(self, k):
        """(lane, size, interval) of a kernel, sorted."""
        return sorted({key[1:4] for key in self.bench if key[0] == k})

    def runs(self, k):
        return sorted({r for key in self.bench if key[0] == k for r in self.bench[key]})

    def ips(self, k, lane, size, iv, m, run):
        """Instructions per send of one cell and run, or None."""
        row = self.bench.get((k, lane, size, iv, m), {}).get(run)
        return per_send(row) if row else None

    def preload_syscalls(self, k, lane, size, iv, run):
        """System calls per send under the library, by its own counters
        (the counted run): those made for the program's MSG_ZEROCOPY sends,
        MSG_ERRQUEUE reads and waits, plus the library's own; None without
        them. zc_bench's syscalls_per_send counts its calls into libc,
        which under the library are not all system calls."""
        d = self.pcheck.get((k, lane, size, iv), {}).get(run)
        if not d or 'kernel_calls' not in d or not int(d['sends']):
            return None
        return (int(d['kernel_calls']) + int(d['lib_syscalls'])) / int(d['sends'])

    def recovery(self, k, lane, size, run):
        """(I_errq - I_cmsg) / (I_errq - I_end) at interval 1, I_end =
        errqueue reaping every 512 sends; None where a cell is missing."""
        e1, c1, e512 = (self.ips(k, lane, size, iv, m, run)
                        for iv, m in ((1, 'errqueue'), (1, 'cmsg'), (512, 'errqueue')))
        if None in (e1, c1, e512) or e1 == e512:
            return None
        return (e1 - c1) / (e1 - e512)

    def tables(self, k):
        """The markdown tables of instructions per send and of the recovery
        for kernel k, and the largest spread between boots of a UDP figure."""
        out, worst = [], 0.0
        rs = self.runs(k)
        out.append(f'## {k}: instructions per send (QEMU -icount: executed instructions of the '
                   'whole guest, not wall clock)\n')
        out.append(f'| lane | size | every | method | {" | ".join("instr/send run " + r for r in rs)} '
                   '| spread | over copy | syscalls/send | completions/reap |')
        out.append('|---|---|---|---|' + '---|' * len(rs) + '---|---|---|---|')
        for lane, size, iv in self.configs(k):
            copy = self.bench.get((k, lane, size, iv, 'copy'), {})
            for m in METHODS:
                rows = self.bench.get((k, lane, size, iv, m))
                if not rows:
                    continue
                per = [per_send(rows[r]) for r in rs if r in rows]
                base = [per_send(copy[r]) for r in rs if r in copy]
                sp = spread(per)
                if lane.startswith('dummy'):
                    worst = max(worst, sp)
                extra = f'{per[0] - base[0]:+,.0f}' if base and m != 'copy' else ''
                r0 = rows[min(rows)]
                sc = f'{float(r0["syscalls_per_send"]):.3f}'
                if m.startswith('preload'):
                    v = self.preload_syscalls(k, lane, size, iv, min(rows))
                    sc = 'n/a' if v is None else f'{v:.3f} (library\'s count)'
                out.append(f'| {lane} | {size} | {iv} | {m} | ' + ' | '.join(f'{p:,.0f}' for p in per) +
                           f' | {sp:.2f}% | {extra} | {sc} '
                           f'| {float(r0["ids_per_reap"]):.2f} |')
        out.append('')
        out.append(f'## {k}: recovery of the reaping cost at interval 1, (I_errq - I_cmsg) / '
                   '(I_errq - I_end), I_end = reaping every 512 sends\n')
        out.append('| lane | size | ' + ' | '.join('run ' + r for r in rs) + ' | target |')
        out.append('|---|---|' + '---|' * len(rs) + '---|')
        for lane, size in sorted({c[:2] for c in self.configs(k)}):
            vals = [self.recovery(k, lane, size, r) for r in rs]
            out.append(f'| {lane} | {size} | ' +
                       ' | '.join('n/a' if v is None else f'{v * 100:.1f}%' for v in vals) +
                       ' | >= 85% |')
        out.append('')
        return '\n'.join(out), worst
