#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Judge one boot of the test bed from its console log (tests/vm/run.sh).

  analyse.py [--why TEXT] [--starved-share F] CONSOLE RUNLIST LOGDIR

CONSOLE is the guest's console log (carriage returns removed), RUNLIST the
run list of the boot, LOGDIR its log directory: vcpu-times.log is read
from it; starved.txt, result.txt and counts ("PASSED FAILED SKIPPED") are
written to it.  Prints the result table on standard output.

Every test of the run list must report PASS or SKIP, and the kernel log
must be free of splats.  A kernel line (one with a printk time stamp)
matching SPLAT_RE is attributed to the test running at that moment; one
outside every test (boot, module load and unload, the final kmemleak
scan) fails the boot as "kernel-log".  The guest's own verdicts
(@@XPMEM-RESULT, @@XPMEM-SPLAT) are read from the same log.

A lockup or stall report (soft lockup, RCU stall) is the guest's or the
emulator's: under TCG every vCPU is a host thread, and a host loaded by
other work can leave one without a CPU for minutes while the guest's
clock, which follows the host's, runs on.  vcpu-times.log holds the host
CPU time of each vCPU thread, sampled every 2 s (seconds since QEMU
started, then "<vcpu>:<clock ticks>" words).  A report whose vCPU got
less than the starved share of a host CPU over the report's window (the
stuck time it states, else 120 s, the limits run.sh sets on the kernel
command line) was the host's doing: it is listed as HOST-STARVED with the
numbers and does not fail the run.  One whose vCPU had the CPU is a real
lockup.
"""
import argparse
import os
import re
import sys



def patterns():
    """The splat and benign regexes of splat.conf (shared with the guest)."""
    conf = {}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           'splat.conf'), encoding='utf-8') as f:
        for line in f:
            key, sep, value = line.rstrip('\n').partition('=')
            if sep and not key.startswith('#'):
                conf[key] = re.compile(value)
    return conf['splat'], conf['benign']


SPLAT_RE, BENIGN_RE = patterns()
STALL_RE = re.compile(r'soft lockup|detected stalls|self-detected stall')
STAMP_RE = re.compile(r'\[ *([0-9]+\.[0-9]+)\]')
STUCK_RE = re.compile(r'CPU#([0-9]+) stuck for ([0-9]+)s')
RCU_CPU_RE = re.compile(r'rcu: *\t? *([0-9]+)-')
# splats of the guest outside any test
OUTSIDE = ('boot', 'module-load', 'module-unload', 'kmemleak', 'end')


def vcpu_samples(path):
    """[(seconds, {vcpu: ticks})] of vcpu-times.log, or [] without one."""
    samples = []
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                w = line.split()
                if not w:
                    continue
                ticks = {}
                for word in w[1:]:
                    cpu, _, t = word.partition(':')
                    ticks[int(cpu)] = int(t)
                samples.append((float(w[0]), ticks))
    except FileNotFoundError:
        pass
    return samples


def judge(samples, hz, share, stamp, cpu, window):
    """The HOST-STARVED line of one stall report, or None."""
    t = float(stamp.strip('[] '))
    lo = hi = None
    for i, (ts, _) in enumerate(samples):
        if ts <= t - window:
            lo = i
        if ts <= t + 4:
            hi = i
    if lo is None or hi is None or hi <= lo:
        return None
    (t_lo, c_lo), (t_hi, c_hi) = samples[lo], samples[hi]
    shares = [(c_hi[c] - c_lo[c]) / hz / (t_hi - t_lo)
              for c in c_hi if c in c_lo and (cpu < 0 or c == cpu)]
    if not shares or max(shares) >= share:
        return None
    return '%s vCPU %s had %.0f%% of a host CPU over the %d s before it' % (
        stamp, cpu if cpu >= 0 else 'any', max(shares) * 100, t_hi - t_lo)


def starved_reports(lines, samples, hz, share):
    """The stall reports of the console that were the host's doing."""
    out, pending = [], None
    if not samples:
        return out
    for line in lines:
        if pending is not None:
            # the CPU of an RCU stall report is on its next line
            m = RCU_CPU_RE.search(line)
            out.append(judge(samples, hz, share, pending,
                             int(m.group(1)) if m else -1, 120))
            pending = None
        m = STAMP_RE.search(line)
        if m and STALL_RE.search(line):
            s = STUCK_RE.search(line)
            if s:
                out.append(judge(samples, hz, share, m.group(0),
                                 int(s.group(1)), int(s.group(2))))
            else:
                pending = m.group(0)
    return [r for r in out if r]


def after(line, marker):
    """The words after the last marker of the line."""
    return line.rsplit(marker, 1)[1].split()


def scan(lines, starved):
    """The events of the console: (kind, test, ...) tuples.

    R test result seconds (the guest's verdict), K test (a kernel splat
    line while test ran, '-' outside any test), G test (the guest saw a
    splat), E test (a stall report of a starved vCPU), D (the guest
    finished), I (the module did not load).
    """
    stamps = {s[1:].split(']', 1)[0].strip() for s in starved}
    ev, cur = [], '-'
    for line in lines:
        m = STAMP_RE.search(line)
        if m and m.group(1) in stamps:
            ev.append(('E', cur))
            continue
        if '@@XPMEM-BEGIN ' in line:
            w = after(line, '@@XPMEM-BEGIN ')
            cur = w[0] if w else '-'
        elif '@@XPMEM-RESULT ' in line:
            w = after(line, '@@XPMEM-RESULT ') + ['', '', '']
            ev.append(('R', w[0], w[1], w[2]))
            cur = '-'
        elif '@@XPMEM-SPLAT ' in line:
            w = after(line, '@@XPMEM-SPLAT ') + ['']
            ev.append(('G', w[0]))
        elif '@@XPMEM-DONE' in line:
            ev.append(('D',))
        elif '@@XPMEM-MODULE insmod-failed' in line:
            ev.append(('I',))
        elif m and SPLAT_RE.search(line) and not BENIGN_RE.search(line):
            ev.append(('K', cur))
    return ev


def began(lines, name):
    """The index after the line that starts test name, or None."""
    for i, line in enumerate(lines):
        if line.endswith('@@XPMEM-BEGIN ' + name):
            return i + 1
    return None


def output_of(lines, name):
    """The console lines of test name, from its start to its result."""
    i = began(lines, name)
    out = []
    for line in lines[i:]:
        if '@@XPMEM-RESULT ' + name + ' ' in line:
            break
        out.append(line)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--why', default='')
    ap.add_argument('--starved-share', type=float, default=0.25)
    ap.add_argument('console')
    ap.add_argument('runlist')
    ap.add_argument('logdir')
    a = ap.parse_args()

    with open(a.console, encoding='utf-8', errors='replace') as f:
        lines = f.read().replace('\r', '').split('\n')
    if lines[-1] == '':
        lines.pop()
    hz = os.sysconf('SC_CLK_TCK')
    samples = vcpu_samples(os.path.join(a.logdir, 'vcpu-times.log'))
    starved = starved_reports(lines, samples, hz, a.starved_share)
    with open(os.path.join(a.logdir, 'starved.txt'), 'w') as f:
        f.writelines(s + '\n' for s in starved)
    ev = scan(lines, starved)
    with open(os.path.join(a.logdir, 'result.txt'), 'w') as f:
        f.writelines(' '.join(e) + '\n' for e in ev)

    def has(kinds, name):
        return any(e[0] in kinds and e[1] == name for e in ev)

    results = {e[1]: e for e in ev if e[0] == 'R'}
    npass = nfail = nskip = 0
    bad = []
    row = '  %-34s %-8s %s'
    print(row % ('TEST', 'RESULT', 'SECONDS'))
    with open(a.runlist, encoding='utf-8') as f:
        names = [w[0] for w in (line.split() for line in f)
                 if w and not w[0].startswith('#')]
    for name in names:
        if name in results:
            st, secs = results[name][2], results[name][3]
        else:
            secs = '-'
            st = 'CRASH' if began(lines, name) is not None else 'NOTRUN'
        # The guest's own SPLAT verdict stands unless every splat of the
        # test was a starved vCPU's stall report.
        if st == 'SPLAT' and has('E', name) and not has('KG', name):
            st = 'PASS'
        if st in ('PASS', 'SKIP') and has('KG', name):
            st = 'SPLAT'
        if st == 'PASS':
            npass += 1
        elif st == 'SKIP':
            nskip += 1
        else:
            nfail += 1
            bad.append(name)
        print(row % (name, st, secs))
    # The output of the tests that did not pass, from the console.
    for name in bad:
        if began(lines, name) is None:
            continue
        print('  --- output of %s (last 25 lines; all of it in the console log):'
              % name)
        for line in output_of(lines, name)[-25:]:
            print('    | ' + line)
    # module-unload is reported by the guest as an extra result
    if 'module-unload' in results:
        nfail += 1
        print('  %-34s %-8s' % ('module-unload', 'FAIL'))
    if any(e[0] == 'I' for e in ev):
        nfail += 1
        print('  %-34s %-8s' % ('module-load', 'FAIL'))
    # Splats outside any test (boot, module load/unload, kmemleak, end).
    others = sum(1 for e in ev if (e[0] == 'K' and e[1] == '-') or
                 (e[0] == 'G' and e[1] in OUTSIDE))
    if others:
        nfail += 1
        print('  %-34s %-8s (%d lines)' % ('kernel-log', 'SPLAT', others))
    if not any(e[0] == 'D' for e in ev):
        nfail += 1
        print(row % ('guest-run', 'FAIL', 'did not finish: ' + a.why))
    if starved:
        print('  HOST-STARVED (stall reports of a vCPU the host gave no CPU;'
              ' not failures):')
        for s in starved:
            print('    ' + s)
    if any(e[0] in 'KG' for e in ev):
        print('  kernel log splats (first 20):')
        splat = [line for line in lines
                 if '@@XPMEM-SPLAT' in line or
                 (STAMP_RE.search(line) and
                  re.search(r'\[ *[0-9]+\.[0-9]+\].*(' + SPLAT_RE.pattern + ')',
                            line))]
        for line in [s for s in splat if not BENIGN_RE.search(s)][:20]:
            print('    ' + line)
    with open(os.path.join(a.logdir, 'counts'), 'w') as f:
        f.write('%d %d %d\n' % (npass, nfail, nskip))
    return 0


if __name__ == '__main__':
    sys.exit(main())
