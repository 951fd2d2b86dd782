#!/usr/bin/python3
"""The NumPy/SciPy peer of `gameplan scan` in bench/scan.sh: the same scan
(logistic risk adjustment on x1..x5, additive overdispersion with truncated
z-scores, BH q-values, shrinkage, limits at 95 and 99.8) of every period, newest
first, and persistence over them, with tests/reference/scan_numpy.py.

usage: scan_numpy.py OUT FIRST_YEAR PERIODS [--lean]

Default: the full scan of every period (as this peer has always been run).
--lean: the same shortcuts gameplan takes for the earlier periods, so that
both sides do the same work: the full scan of the newest period only; each
earlier period's IRLS starts from the newest period's coefficients, and only
what persistence needs is computed (phi and tau2 from the truncated z-scores,
the 95% limits and flags; no p-values, q-values, shrinkage or second level).
Both modes print the same numbers.
"""
import os
import sys
import time

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "reference"))
import scan_numpy  # noqa: E402


def fit_logistic_from(y, X, trials, start, tol=1e-10, maxit=100):
    """scan_numpy.fit_glm (logistic) started from coefficients `start` (original
    scale, intercept first), as gameplan starts earlier periods; fitted means."""
    A = scan_numpy._design(X)
    mu_x = A[:, 1:].mean(0)
    sd_x = A[:, 1:].std(0)
    As = A.copy()
    As[:, 1:] = (A[:, 1:] - mu_x) / sd_x
    b = np.empty(A.shape[1])
    b[1:] = start[1:] * sd_x
    b[0] = start[0] + (start[1:] * mu_x).sum()
    for _ in range(maxit):
        eta = As @ b
        p = 1 / (1 + np.exp(-eta))
        var = p * (1 - p)
        w = trials * var
        z = eta + (y / trials - p) / var
        Aw = As * w[:, None]
        bn = np.linalg.solve(As.T @ Aw, Aw.T @ z)
        delta = np.max(np.abs(bn - b) / (1 + np.abs(bn)))
        b = bn
        if delta <= tol:
            break
    return trials / (1 + np.exp(-(As @ b)))


def flags_lean(obs, den, X, start, trim=0.1, level=0.95):
    """First-level flags of the adjusted additive scan (scan_numpy.scan's
    formulas, only what persistence uses)."""
    e = fit_logistic_from(obs, X, den, start)
    Y = np.log(np.where(obs > 0, obs, 0.5) / e)
    S = 1 / np.sqrt(e)
    z0 = Y / S
    n = len(z0)
    k = 1 / trim
    sp = np.floor(stats.rankdata(z0) * k / (n + 1))
    keep = (sp > 0) & (sp < k - 1)
    nk = keep.sum()
    phi = np.mean(z0[keep] ** 2)
    wk = 1 / S[keep] ** 2
    tau2 = 0.0 if nk * phi < nk - 1 else max(
        0.0, (nk * phi - (nk - 1)) / (wk.sum() - (wk ** 2).sum() / wk.sum()))
    v = S ** 2 + tau2 if phi > 1 else None
    zq = stats.norm.ppf((1 + level) / 2)
    ind = obs / e
    if v is None:
        lo, hi = scan_numpy.poisson_limits(e, level)
    else:
        eh = np.exp(zq * np.sqrt(v))
        lo, hi = 1 / eh, eh
    return np.where(ind > hi, 1, np.where(ind < lo, -1, 0)).astype(np.int8)


out, first, periods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lean = "--lean" in sys.argv[4:]
t0 = time.perf_counter()
flags = []
first_result = None
for year in range(first + periods - 1, first - 1, -1):
    d = np.load(os.path.join(out, "scan-data-%d.npz" % year))
    if lean and first_result is not None:
        flags.append(flags_lean(d["num"], d["den"], d["X"], first_result["beta"]))
        continue
    r = scan_numpy.scan("proportion", d["num"], den=d["den"], X=d["X"], od="additive", fdr=0.05)
    flags.append(r["flags"][0.95])
    if first_result is None:
        first_result = r
F = np.array(flags)
now = F[0]
persistence = np.where(now != 0, (F == now).sum(0), 0)
t1 = time.perf_counter()
r = first_result
print("numpy%s: phi %.6f tau2 %.6g discoveries %d flagged95 %d persistent(all periods) %d  %.2f s"
      % (" (lean)" if lean else "", r["phi"], r["tau2"], r["discoveries"], int((now != 0).sum()),
         int((persistence == periods).sum()), t1 - t0))
