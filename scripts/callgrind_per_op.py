#!/usr/bin/env python3
"""Instructions per operation of a benchmark's timed loops, counted by callgrind.

usage: scripts/callgrind_per_op.py BENCH [BENCH ARGS...]

Runs BENCH under `valgrind --tool=callgrind --toggle-collect=loop_*`, so that only
instructions executed inside the benchmark's loop_* functions (and what they call)
are counted, user space only. The benchmark's JSON must have a "loop_ops" object:
loop function name -> operations that loop executed over the whole run. Prints a
JSON object: loop name -> {"instructions", "ops", "per_op"}.

Used for bench_shadow (perf_event_open's hardware counters are not available on the
development machine's KVM guest).
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def inclusive_costs(out_file):
    """Inclusive Ir per loop_* function from callgrind_annotate."""
    text = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100', out_file],
                          check=True, stdout=subprocess.PIPE, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r'\s*([\d,]+)\s.*?[:\s](loop_\w+)\b', line)
        if m:
            costs.setdefault(m.group(2), int(m.group(1).replace(',', '')))
    return costs


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, 'callgrind.out')
        run = subprocess.run(['valgrind', '--tool=callgrind', '--toggle-collect=loop_*',
                              '--callgrind-out-file=' + out_file] + sys.argv[1:],
                             check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ops = json.loads(run.stdout)['loop_ops']
        costs = inclusive_costs(out_file)
    result = {}
    for loop, n in ops.items():
        ir = costs.get(loop, 0)
        result[loop] = {'instructions': ir, 'ops': n, 'per_op': round(ir / n, 1) if n else None}
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == '__main__':
    main()
