#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The bed's verdicts on made-up console logs (CTest host.vm-analyse).

Each case is a console log of a boot of two tests, a and b, and the
verdict analyse.py must reach: the result of each test, the extra rows
(kernel-log, guest-run, module-load, module-unload) and the counts.
A case that analyse.py gets wrong fails the test.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OK_A = ['@@XPMEM-BEGIN a', 'a says hello', '@@XPMEM-RESULT a PASS 1.0']
OK_B = ['@@XPMEM-BEGIN b', '@@XPMEM-RESULT b PASS 2.0']
BOOT = ['[    0.000000] Linux version 6.1.0', '@@XPMEM-INIT']
DONE = ['@@XPMEM-DONE']
WARN = '[   50.000000] WARNING: CPU: 1 PID: 9 at mm/gup.c:1 x+0x1/0x2'
# vCPU 0 runs all the time, vCPU 1 gets no CPU after 100 s
VCPU = ''.join('%d 0:%d 1:%d\n' % (t, t * 100, min(t, 100) * 100)
               for t in range(0, 400, 2))

CASES = [
    # name, console lines, vcpu-times, {row: verdict}, (P, F, S)
    ('clean', BOOT + OK_A + OK_B + DONE, '',
     {'a': 'PASS', 'b': 'PASS'}, (2, 0, 0)),
    ('skip', BOOT + OK_A + ['@@XPMEM-BEGIN b', '@@XPMEM-RESULT b SKIP 0.1']
     + DONE, '', {'b': 'SKIP'}, (1, 0, 1)),
    ('fail', BOOT + OK_A + ['@@XPMEM-BEGIN b', '@@XPMEM-RESULT b FAIL 0.1']
     + DONE, '', {'b': 'FAIL'}, (1, 1, 0)),
    ('crash', BOOT + OK_A + ['@@XPMEM-BEGIN b', '[   9.0] Kernel panic - x'],
     '', {'b': 'CRASH', 'guest-run': 'FAIL', 'kernel-log': None}, (1, 2, 0)),
    ('not run', BOOT + OK_A + DONE, '', {'b': 'NOTRUN'}, (1, 1, 0)),
    ('kernel splat in a test', BOOT + OK_A[:2] + [WARN] + OK_A[2:] + OK_B
     + DONE, '', {'a': 'SPLAT', 'b': 'PASS'}, (1, 1, 0)),
    ('benign kernel line', BOOT + OK_A[:2]
     + ['[   50.0] xpmem: loading out-of-tree module taints kernel.']
     + OK_A[2:] + OK_B + DONE, '', {'a': 'PASS'}, (2, 0, 0)),
    ('guest saw a splat', BOOT + OK_A
     + ['@@XPMEM-BEGIN b', '@@XPMEM-SPLAT b WARNING: x',
        '@@XPMEM-RESULT b SPLAT 1.0'] + DONE, '', {'b': 'SPLAT'}, (1, 1, 0)),
    ('splat at boot', BOOT + [WARN] + OK_A + OK_B + DONE, '',
     {'a': 'PASS', 'kernel-log': 'SPLAT'}, (2, 1, 0)),
    ('kmemleak at the end', BOOT + OK_A + OK_B
     + ['@@XPMEM-SPLAT kmemleak unreferenced object 0x1'] + DONE, '',
     {'kernel-log': 'SPLAT'}, (2, 1, 0)),
    ('module did not load', BOOT + ['@@XPMEM-MODULE insmod-failed'] + DONE,
     '', {'a': 'NOTRUN', 'module-load': 'FAIL'}, (0, 3, 0)),
    ('module did not unload', BOOT + OK_A + OK_B
     + ['@@XPMEM-RESULT module-unload FAIL 0'] + DONE, '',
     {'module-unload': 'FAIL'}, (2, 1, 0)),
    ('guest never finished', BOOT + OK_A + OK_B, '',
     {'guest-run': 'FAIL'}, (2, 1, 0)),
    # vCPU 1 had no CPU for the 65 s it was stuck: the host's doing
    ('starved soft lockup', BOOT + OK_A[:2]
     + ['[  200.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 65s!']
     + OK_A[2:] + OK_B + DONE, VCPU, {'a': 'PASS'}, (2, 0, 0)),
    # vCPU 0 had the CPU: a real lockup
    ('soft lockup', BOOT + OK_A[:2]
     + ['[  200.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 65s!']
     + OK_A[2:] + OK_B + DONE, VCPU, {'a': 'SPLAT'}, (1, 1, 0)),
    # vCPU 1 ran during most of the 120 s before the report
    ('soft lockup with the CPU for most of the window', BOOT + OK_A[:2]
     + ['[  160.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 120s!']
     + OK_A[2:] + OK_B + DONE, VCPU, {'a': 'SPLAT'}, (1, 1, 0)),
    ('starved RCU stall', BOOT + OK_A[:2]
     + ['[  300.000000] rcu: INFO: rcu_preempt self-detected stall on CPU',
        '[  300.000001] rcu: \t1-....: (21000 ticks this GP)']
     + OK_A[2:] + OK_B + DONE, VCPU, {'a': 'PASS'}, (2, 0, 0)),
    ('RCU stall', BOOT + OK_A[:2]
     + ['[  300.000000] rcu: INFO: rcu_preempt self-detected stall on CPU',
        '[  300.000001] rcu: \t0-....: (21000 ticks this GP)']
     + OK_A[2:] + OK_B + DONE, VCPU, {'a': 'SPLAT'}, (1, 1, 0)),
]


def verdicts(table):
    """{row: verdict} of analyse.py's table."""
    rows = {}
    for line in table.splitlines():
        w = line.split()
        if len(w) >= 2 and line.startswith('  ') and not line.startswith('   '):
            rows.setdefault(w[0], w[1])
    return rows


def main():
    bad = 0
    for name, console, vcpu, want, counts in CASES:
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'console.txt'), 'w') as f:
                f.write('\n'.join(console) + '\n')
            with open(os.path.join(d, 'runlist'), 'w') as f:
                f.write('# test limit\na 60\nb 60\n')
            if vcpu:
                with open(os.path.join(d, 'vcpu-times.log'), 'w') as f:
                    f.write(vcpu)
            r = subprocess.run([sys.executable, os.path.join(HERE, 'analyse.py'),
                                '--why', 'test', os.path.join(d, 'console.txt'),
                                os.path.join(d, 'runlist'), d],
                               capture_output=True, text=True, check=False)
            got = verdicts(r.stdout)
            with open(os.path.join(d, 'counts')) as f:
                got_counts = tuple(int(x) for x in f.read().split())
        wrong = [(row, v, got.get(row)) for row, v in want.items()
                 if got.get(row) != v]
        if r.returncode or wrong or got_counts != counts:
            bad += 1
            print('FAIL %s: rows %s, counts %s (want %s)\n%s%s' % (
                name, wrong, got_counts, counts, r.stdout, r.stderr))
        else:
            print('ok   %s' % name)
    print('%d of %d cases wrong' % (bad, len(CASES)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
