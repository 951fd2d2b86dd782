#!/usr/bin/python3
"""Reference values for the deliberation engine (tests/unit/test_polis*.c).

An independent implementation of Pol.is's steps in NumPy / scikit-learn
(Debian python3-numpy, python3-sklearn), written from Pol.is's
math/src/polismath (conversation.clj, pca.clj, clusters.clj, repness.clj,
stats.clj) and from the formulas in docs/methods/deliberation.md -- not from
our C code. Run:

    /usr/bin/python3 tests/reference/polis_ref.py ../shared/data/polis > tests/reference/polis_values.h

and commit the output. Every value in polis_values.h comes from here.
"""
import csv
import sys
from math import sqrt

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_score

DATA = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/polis"


def load(conv):
    """Vote matrix (latest vote wins; NaN = not seen), participant ids, statement ids, groups."""
    d = f"{DATA}/{conv}"
    crows = sorted((int(r["comment-id"]), int(r["moderated"]))
                   for r in csv.DictReader(open(f"{d}/comments.csv", encoding="utf-8")))
    comments = [c for c, _ in crows]
    modout = np.array([m == -1 for _, m in crows])
    latest = {}
    for pos, r in enumerate(csv.DictReader(open(f"{d}/votes.csv", encoding="utf-8"))):
        key = (int(r["voter-id"]), int(r["comment-id"]))
        t = (int(r["timestamp"]), pos)
        if key not in latest or t > latest[key][0]:
            latest[key] = (t, int(r["vote"]))
    groups = {}
    for r in csv.DictReader(open(f"{d}/participants-votes.csv", encoding="utf-8")):
        groups[int(r["participant"])] = int(r["group-id"]) if r["group-id"] != "" else -1
    pids = sorted(set(p for p, _ in latest) | set(groups))
    prow = {p: i for i, p in enumerate(pids)}
    ccol = {c: j for j, c in enumerate(comments)}
    X = np.full((len(pids), len(comments)), np.nan)
    for (p, c), (_, v) in latest.items():
        X[prow[p], ccol[c]] = v
    g = np.array([groups.get(p, -1) for p in pids])
    return X, pids, comments, g, modout


def zero_out(X, modout):
    """Pol.is's rating matrix: moderated-out columns (with a vote) set to 0 for everyone."""
    used = ~np.all(np.isnan(X), axis=0)
    Z = X.copy()
    Z[:, modout & used] = 0.0
    return Z, used


def pca_polis(X, modout):
    """Column-mean imputation, centring, two components (sklearn, exact SVD)."""
    X, used = zero_out(X, modout)
    Xu = X[:, used]
    mu = np.nanmean(Xu, axis=0)
    Xi = np.where(np.isnan(Xu), mu, Xu)
    p = PCA(n_components=2, svd_solver="full").fit(Xi)
    comps = np.zeros((2, X.shape[1]))
    comps[:, used] = p.components_
    # our sign convention: the entry of largest magnitude is positive
    for c in range(2):
        k = np.argmax(np.abs(comps[c]))
        if comps[c, k] < 0:
            comps[c] = -comps[c]
    center = np.zeros(X.shape[1])
    center[used] = mu
    eig = p.explained_variance_ * (Xi.shape[0] - 1)
    return center, comps, eig, used


def project(X, modout, center, comps, used):
    """Pol.is's sparsity-aware projection, sqrt(n_cmnts / n_votes) scaling."""
    X, _ = zero_out(X, modout)
    n_cmnts = used.sum()
    out = np.zeros((X.shape[0], 2))
    for i in range(X.shape[0]):
        m = ~np.isnan(X[i]) & used
        v = (X[i, m] - center[m]) @ comps[:, m].T
        out[i] = sqrt(n_cmnts / max(m.sum(), 1)) * v
    return out


def prop_test(succ, n):
    succ, n = succ + 1, n + 1
    return 2 * sqrt(n) * (succ / n - 0.5)


def two_prop_test(s1, s2, n1, n2):
    s1, s2, n1, n2 = s1 + 1, s2 + 1, n1 + 1, n2 + 1
    p1, p2, ph = s1 / n1, s2 / n2, (s1 + s2) / (n1 + n2)
    if ph == 1:
        return 0.0
    return (p1 - p2) / sqrt(ph * (1 - ph) * (1 / n1 + 1 / n2))


def counts(X, rows):
    S = X[rows]
    return (np.sum(S == 1, axis=0), np.sum(S == -1, axis=0), np.sum(~np.isnan(S), axis=0))


def select_rep(stats, eligible):
    """repness.clj select-rep-comments for one group: stats[j] a dict of
    na nd ns pa pd pat pdt ra rd rat rdt. Returns [(j, "agree"|"disagree")]."""
    z = 1.2816

    def finalize(j, st):
        if st["rat"] > st["rdt"]:
            return dict(tid=j, dir="agree", p=st["pa"], pt=st["pat"], r=st["ra"], rt=st["rat"])
        return dict(tid=j, dir="disagree", p=st["pd"], pt=st["pdt"], r=st["rd"], rt=st["rdt"])

    def beats_best_agr(st, cur):
        if st["na"] == 0 and st["nd"] == 0:
            return False
        if cur is not None and cur["ra"] > 1.0:
            return st["ra"] * st["rat"] * st["pa"] * st["pat"] > cur["ra"] * cur["rat"] * cur["pa"] * cur["pat"]
        if cur is not None:
            return st["pa"] * st["pat"] > cur["pa"] * cur["pat"]
        return st["pat"] > z or (st["ra"] > 1.0 and st["pa"] > 0.5)

    suff, best, best_agree = [], None, None
    for j, st in enumerate(stats):
        if not eligible[j]:
            continue
        if (st["rat"] > z and st["pat"] > z) or (st["rdt"] > z and st["pdt"] > z):
            suff.append(finalize(j, st))
        if not suff:
            if best is None or max(st["rat"], st["rdt"]) > best["rt"]:
                best = finalize(j, st)
        if beats_best_agr(st, best_agree[1] if best_agree else None):
            best_agree = (j, st)
    ba = finalize(best_agree[0], best_agree[1]) if best_agree else None
    if not suff:
        return [(x["tid"], x["dir"]) for x in ([ba] if ba else [best] if best else [])]
    rest = [x for x in suff if not (ba and x["tid"] == ba["tid"])]
    rest.sort(key=lambda x: -(x["r"] * x["rt"] * x["p"] * x["pt"]))  # stable
    top = ([ba] if ba else []) + rest
    top = top[:5]
    out = [x for x in top if x["dir"] == "agree"] + [x for x in top if x["dir"] == "disagree"]
    return [(x["tid"], x["dir"]) for x in out]


def carr(name, vals, fmt="%.17g", ctype="double"):
    vals = list(vals)
    body = ", ".join(fmt % v for v in vals)
    return f"static const {ctype} {name}[{len(vals)}] = {{{body}}};"


def main():
    out = []
    out.append("/* Generated by tests/reference/polis_ref.py with NumPy %s and scikit-learn %s"
               % (np.__version__, sklearn.__version__))
    out.append(" * from the Pol.is exports in ../shared/data/polis. Do not edit by hand. */")
    out.append("#ifndef POLIS_VALUES_H\n#define POLIS_VALUES_H\n")

    # ---- vTaiwan: matrix, PCA, projection, Pol.is-group statistics, GIC ----
    X, pids, comments, g, modout = load("vtaiwan.uberx")
    n_votes = int(np.sum(~np.isnan(X)))
    out.append(f"#define REF_VT_PARTICIPANTS {len(pids)}")
    out.append(f"#define REF_VT_STATEMENTS {len(comments)}")
    out.append(f"#define REF_VT_VOTES {n_votes}")
    a, d, s = counts(X, np.ones(len(pids), bool))
    out.append(carr("ref_vt_agree", a, "%d", "long"))
    out.append(carr("ref_vt_disagree", d, "%d", "long"))
    out.append(carr("ref_vt_seen", s, "%d", "long"))
    center, comps, eig, used = pca_polis(X, modout)
    out.append(carr("ref_vt_center", center))
    out.append(carr("ref_vt_comp1", comps[0]))
    out.append(carr("ref_vt_comp2", comps[1]))
    out.append(carr("ref_vt_eig", eig))
    xy = project(X, modout, center, comps, used)
    out.append(carr("ref_vt_x", xy[:, 0]))
    out.append(carr("ref_vt_y", xy[:, 1]))
    # group-informed consensus from Pol.is's own group ids: prod_g (A_g+1)/(S_g+2)
    G = g.max() + 1
    gic = np.ones(len(comments))
    for k in range(G):
        ak, _, sk = counts(X, g == k)
        gic *= (ak + 1) / (sk + 2)
    out.append(f"#define REF_VT_GROUPS {G}")
    out.append(carr("ref_vt_gic", gic))
    # repness statistics of every (group, statement) under Pol.is's groups
    for k in range(G):
        ak, dk, sk = counts(X, g == k)
        ar, dr, sr = counts(X, (g >= 0) & (g != k))
        pa = (1 + ak) / (2 + sk)
        ra = pa / ((1 + ar) / (2 + sr))
        pat = [prop_test(x, n) for x, n in zip(ak, sk)]
        rat = [two_prop_test(x, y, n, m) for x, y, n, m in zip(ak, ar, sk, sr)]
        pd = (1 + dk) / (2 + sk)
        rdt = [two_prop_test(x, y, n, m) for x, y, n, m in zip(dk, dr, sk, sr)]
        out.append(carr(f"ref_vt_g{k}_pa", pa))
        out.append(carr(f"ref_vt_g{k}_pat", pat))
        out.append(carr(f"ref_vt_g{k}_ra", ra))
        out.append(carr(f"ref_vt_g{k}_rat", rat))
        out.append(carr(f"ref_vt_g{k}_pd", pd))
        out.append(carr(f"ref_vt_g{k}_rdt", rdt))
    # representative statements under Pol.is's groups (repness.clj select-rep-comments)
    eligible = used & ~modout
    for k in range(G):
        ak, dk, sk = counts(X, g == k)
        ar, dr, sr = counts(X, (g >= 0) & (g != k))
        stats = []
        for j in range(len(comments)):
            st = dict(na=ak[j], nd=dk[j], ns=sk[j], pa=(1 + ak[j]) / (2 + sk[j]), pd=(1 + dk[j]) / (2 + sk[j]),
                      pat=prop_test(ak[j], sk[j]), pdt=prop_test(dk[j], sk[j]))
            st["ra"] = st["pa"] / ((1 + ar[j]) / (2 + sr[j]))
            st["rd"] = st["pd"] / ((1 + dr[j]) / (2 + sr[j]))
            st["rat"] = two_prop_test(ak[j], ar[j], sk[j], sr[j])
            st["rdt"] = two_prop_test(dk[j], dr[j], sk[j], sr[j])
            stats.append(st)
        rep = select_rep(stats, eligible)
        out.append(carr(f"ref_vt_g{k}_rep", [comments[j] for j, _ in rep], "%d", "long"))
        out.append(carr(f"ref_vt_g{k}_rep_dir", [1 if d == "agree" else -1 for _, d in rep], "%d", "int"))
    # comment extremity: |projection of a lone agree vote| = sqrt(n_cmnts) |1 - mu_j| |(c1_j, c2_j)|
    ext = np.where(eligible, np.sqrt(used.sum()) * np.abs(1 - center) * np.hypot(comps[0], comps[1]), 0.0)
    out.append(carr("ref_vt_extremity", ext))
    # participants in the conversation: >= min(7, statements with a vote) votes (no top-up needed)
    nv = np.sum(~np.isnan(X), axis=1)
    out.append(f"#define REF_VT_IN_CONV_RULE {int(np.sum(nv >= min(7, used.sum())))}")
    # consensus over everyone (moderated-out statements excluded): top 5 agree by pa*pat among pa > .5 and pat > 1.2816
    pa = (1 + a) / (2 + s)
    pat = np.array([prop_test(x, n) for x, n in zip(a, s)])
    order = [j for j in np.argsort(-(pa * pat), kind="stable") if pa[j] > 0.5 and pat[j] > 1.2816 and not modout[j]]
    out.append(carr("ref_vt_consensus_agree", [comments[j] for j in order[:5]], "%d", "long"))
    pd = (1 + d) / (2 + s)
    pdt = np.array([prop_test(x, n) for x, n in zip(d, s)])
    order = [j for j in np.argsort(-(pd * pdt), kind="stable") if pd[j] > 0.5 and pdt[j] > 1.2816 and not modout[j]]
    out.append(carr("ref_vt_consensus_disagree", [comments[j] for j in order[:5]], "%d", "long"))

    # ---- Scoop Hivemind: GIC from Pol.is's 4 groups ----
    X2, pids2, comments2, g2, _ = load("scoop-hivemind.ubi")
    G2 = g2.max() + 1
    gic2 = np.ones(len(comments2))
    for k in range(G2):
        ak, _, sk = counts(X2, g2 == k)
        gic2 *= (ak + 1) / (sk + 2)
    out.append(f"#define REF_SC_PARTICIPANTS {len(pids2)}")
    out.append(f"#define REF_SC_STATEMENTS {len(comments2)}")
    out.append(f"#define REF_SC_GROUPS {G2}")
    out.append(carr("ref_sc_gic", gic2))

    # ---- k-means and silhouette on fixed 2-d points ----
    rng = np.random.default_rng(20240601)
    pts = np.vstack([rng.normal(c, 0.6, size=(40, 2)) for c in [(-3, 0), (2, 2), (2, -2.5)]])
    rng.shuffle(pts)
    out.append(f"#define REF_KM_N {len(pts)}")
    out.append(carr("ref_km_points", pts.ravel()))
    for k in (2, 3, 4):
        # Pol.is's start: the first k distinct points; then Lloyd to convergence
        km = KMeans(n_clusters=k, init=pts[:k], n_init=1, max_iter=1000, tol=0,
                    algorithm="lloyd").fit(pts)
        out.append(carr(f"ref_km{k}_centers", km.cluster_centers_.ravel()))
        out.append(carr(f"ref_km{k}_labels", km.labels_, "%d", "int"))
        out.append(f"static const double ref_km{k}_silhouette = {silhouette_score(pts, km.labels_):.17g};")
    # ARI between the k=3 clustering and a perturbed labelling
    lab = KMeans(n_clusters=3, init=pts[:3], n_init=1, max_iter=1000, tol=0, algorithm="lloyd").fit(pts).labels_
    other = lab.copy()
    other[:10] = (other[:10] + 1) % 3
    out.append(carr("ref_ari_other", other, "%d", "int"))
    out.append(f"static const double ref_ari = {adjusted_rand_score(lab, other):.17g};")

    # ---- priority (conversation.clj priority-metric) on fixed counts ----
    cases = [(False, 1, 0, 1, 0.0), (False, 20, 3, 20, 0.0), (False, 18, 3, 20, 1.0),
             (False, 0, 0, 0, 0.0), (True, 5, 1, 9, 2.0), (False, 40, 10, 100, 3.5)]
    vals = []
    for meta, A, P, S, E in cases:
        if meta:
            vals.append(49.0)
            continue
        p = (P + 1) / (S + 2)
        aa = (A + 1) / (S + 2)
        imp = (1 - p) * (E + 1) * aa
        vals.append((imp * (1 + 8 * 2 ** (S / -5))) ** 2)
    out.append(carr("ref_priority", vals))
    out.append("\n#endif")
    print("\n".join(out))


main()
