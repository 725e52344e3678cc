#!/usr/bin/env python3
"""Summarise `perf script` output for one function.

For the samples whose call stack has a frame matching the regular expression ROOT, print the
share of each leaf (self) symbol, and the share of each frame called from ROOT down to DEPTH
levels (inclusive). docs/PERFORMANCE.md shows how the profiles there were taken with it:

    perf record -F 999 --call-graph dwarf,32768 -o perf.data \
        target/release/coalition-bench --scenario storage --storage-n 30000
    perf script -i perf.data > perf.txt
    scripts/perf-stacks.py 'Store>::log$' 2 < perf.txt
"""
import sys, re, collections
root = re.compile(sys.argv[1]); depth = int(sys.argv[2]) if len(sys.argv) > 2 else 1
samples = []; cur = []
def short(sym):
    sym = re.sub(r'\+0x[0-9a-f]+$', '', sym)
    return sym[:150]
for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        if cur: samples.append(cur); cur = []
        continue
    if line.startswith((' ', '\t')):
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            cur.append(short(parts[1].rsplit(' (', 1)[0]))
if cur: samples.append(cur)
hit = [s for s in samples if any(root.search(f) for f in s)]
print(f"{len(hit)} of {len(samples)} samples under /{sys.argv[1]}/")
leaf = collections.Counter(s[0] for s in hit)
child = collections.Counter()
for s in hit:
    idx = max(i for i, f in enumerate(s) if root.search(f))
    seen = set()
    for d in range(1, depth + 1):
        if idx - d >= 0:
            f = s[idx - d]
            if f not in seen:
                child[(d, f)] += 1; seen.add(f)
print("-- leaf (self) --")
for f, c in leaf.most_common(18): print(f"{100*c/len(hit):5.1f}%  {f}")
print("-- called from root (inclusive) --")
for (d, f), c in child.most_common(25): print(f"{100*c/len(hit):5.1f}%  d{d} {f}")
