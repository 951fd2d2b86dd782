#!/usr/bin/python3
"""Synthetic national unit data for bench/scan.sh: UNITS units x PERIODS periods,
5 context covariates, a count with a denominator per unit and period (a
proportion, overdispersed by a persistent unit effect), written twice:

  OUT/scan-data-P.csv   for `gameplan import unit-data` (unit,num,den,x1..x5)
  OUT/scan-data-P.npz   the same arrays for the NumPy/SciPy peer

usage: scan_data.py UNITS PERIODS OUT   (fixed seed: the same files every time)
"""
import os
import sys

import numpy as np

units, periods, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261122)
ids = np.array(["u%07d" % i for i in range(units)])
base = np.column_stack([
    rng.uniform(0, 60, units),          # x1: % disadvantaged
    rng.normal(0, 1, units),            # x2: a standardised deprivation index
    rng.uniform(0, 1, units),           # x3: share with English as an additional language
    rng.normal(20, 5, units),           # x4: prior attainment
    rng.lognormal(5, 0.5, units),       # x5: size of the catchment
])
effect = rng.normal(0, 0.3, units)      # persistent unit effect: what a scan should find
for p in range(periods):
    year = 2015 + p
    X = base + rng.normal(0, 1, base.shape) * np.array([1.0, 0.05, 0.01, 0.3, 5.0])
    m = rng.integers(20, 400, units)
    lin = (-0.4 + 0.02 * X[:, 0] - 0.3 * X[:, 1] + 0.5 * X[:, 2] - 0.03 * X[:, 3]
           + 0.1 * np.log(X[:, 4]) + effect + rng.normal(0, 0.15, units))
    O = rng.binomial(m, 1 / (1 + np.exp(-lin)))
    np.savez(os.path.join(out, "scan-data-%d.npz" % year), num=O.astype(float),
             den=m.astype(float), X=X)
    with open(os.path.join(out, "scan-data-%d.csv" % year), "w") as f:
        f.write("unit,num,den,x1,x2,x3,x4,x5\n")
        cols = [ids, O.astype(str), m.astype(str)] + [np.char.mod("%.6g", X[:, j]) for j in range(5)]
        f.write("\n".join(",".join(r) for r in zip(*cols)))
        f.write("\n")
    print("period %d: %d units" % (year, units), flush=True)
