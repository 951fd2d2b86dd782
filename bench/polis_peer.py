#!/usr/bin/python3
"""The peer for bench/polis.sh: scikit-learn's PCA and KMeans on the same
column-mean-imputed vote matrix our engine analyses.

usage: polis_peer.py FILE P S   (FILE: int32 triplets row, col, vote from polis_bench gen)
Prints the time of imputation, PCA (2 components) + projection, and KMeans
(k = 100, one start from the first 100 points as Pol.is starts, Lloyd)."""
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

path, P, S = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = np.fromfile(path, dtype=np.int32).reshape(-1, 3)
t0 = time.perf_counter()
X = np.full((P, S), np.nan)
X[t[:, 0], t[:, 1]] = t[:, 2]
mu = np.nanmean(X, axis=0)
X = np.where(np.isnan(X), mu, X)
t1 = time.perf_counter()
xy = PCA(n_components=2, random_state=1).fit_transform(X)
t2 = time.perf_counter()
KMeans(n_clusters=100, init=xy[:100], n_init=1, max_iter=100, algorithm="lloyd").fit(xy)
t3 = time.perf_counter()
print(f"sklearn {sklearn.__version__}: imputation {t1 - t0:.3f} s, PCA+projection {t2 - t1:.3f} s, "
      f"KMeans k=100 {t3 - t2:.3f} s, PCA+KMeans {t3 - t1:.3f} s")
print(f"PEER_SECONDS {t3 - t1:.6f}")
print(f"PEER_SECONDS_WITH_IMPUTATION {t3 - t0:.6f}")
