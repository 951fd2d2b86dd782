#!/usr/bin/python3
"""Why our groups for the Scoop Hivemind conversation differ from Pol.is's:
the evidence quoted in docs/methods/deliberation.md ("Agreement with Pol.is's
groups"), computed with numpy and scikit-learn from the export alone (none
of our code). Prints, for Pol.is's four groups: size, median votes cast,
and the best adjusted Rand index that k-means (20 seeds) reaches against
them in the plane of a 2-component PCA of the column-mean-imputed votes of
all 234 participants, with and without Pol.is's sqrt(statements/votes)
projection scaling.

Usage: /usr/bin/python3 tests/reference/scoop_evidence.py [POLIS_DATA_DIR]
"""
import csv
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/polis"
rows = list(csv.reader(open(f"{data}/scoop-hivemind.ubi/participants-votes.csv", newline="")))
head = rows[0]
cols = [i for i, h in enumerate(head) if h.isdigit()]
gi = head.index("group-id")
X = np.array([[float(r[i]) if r[i] != "" else np.nan for i in cols] for r in rows[1:]])
G = np.array([int(r[gi]) for r in rows[1:]])
nv = (~np.isnan(X)).sum(1)
X = X[:, (~np.isnan(X)).sum(0) > 0]
for g in sorted(set(G)):
    print(f"Pol.is group {g}: {np.sum(G == g)} participants, median votes {np.median(nv[G == g]):.0f}")
print(f"participants with fewer than 7 votes: {np.sum(nv < 7)} of {len(G)}")
mu = np.nanmean(X, 0)
Xi = np.where(np.isnan(X), mu, X)
Z0 = PCA(2).fit_transform(Xi)
for scaled in (False, True):
    Z = Z0 * np.sqrt(X.shape[1] / np.maximum(nv, 1))[:, None] if scaled else Z0
    for k in (4, 5):
        aris = [adjusted_rand_score(G, KMeans(k, n_init=1, random_state=s).fit(Z).labels_)
                for s in range(20)]
        print(f"scaled={scaled} k={k}: best ARI {max(aris):.2f}, median {np.median(aris):.2f}")
