#!/usr/bin/python3
"""The NumPy/SciPy peer of `gameplan scan` in bench/scan.sh: the same scan
(logistic risk adjustment on x1..x5, additive overdispersion with truncated
z-scores, BH q-values, shrinkage, limits at 95 and 99.8) of every period, newest
first, and persistence over them, with tests/reference/scan_numpy.py.

usage: scan_numpy.py OUT FIRST_YEAR PERIODS
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "reference"))
import scan_numpy  # noqa: E402

out, first, periods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
flags = []
first_result = None
for year in range(first + periods - 1, first - 1, -1):
    d = np.load(os.path.join(out, "scan-data-%d.npz" % year))
    r = scan_numpy.scan("proportion", d["num"], den=d["den"], X=d["X"], od="additive", fdr=0.05)
    flags.append(r["flags"][0.95])
    if first_result is None:
        first_result = r
F = np.array(flags)
now = F[0]
persistence = np.where(now != 0, (F == now).sum(0), 0)
t1 = time.perf_counter()
r = first_result
print("numpy: phi %.6f tau2 %.6g discoveries %d flagged95 %d persistent(all periods) %d  %.2f s"
      % (r["phi"], r["tau2"], r["discoveries"], int((now != 0).sum()),
         int((persistence == periods).sum()), t1 - t0))
