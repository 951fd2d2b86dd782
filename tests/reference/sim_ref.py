#!/usr/bin/python3
"""NumPy implementation of the game plan simulation contract (PRODUCT.md,
"What the numbers mean"; issue 3), independent of the C engine, vectorised
over draws. Used two ways:

  --mode ref   (reference values for tests/unit/test_sim_ref.c)
      Everything kept in memory. Contributions and "if the assumption fails"
      are computed by brute force: one extra forward pass per activity (only
      that activity switched on) and per assumption (the edge's effect set
      to 0, or the node's value forced to 0) on the same draws — not by the
      engine's adjoint identity. First-order indices use equal-count bins of
      the input's ranks over the whole sample (256 bins), with the ANOVA bias
      correction; their standard errors come from 20 batch means. Writes a C
      header with each value and its Monte Carlo standard error.

        /usr/bin/python3 tests/reference/sim_ref.py --mode ref \
            --plan tests/reference/sim_plan.json --draws 400000 --seed 7 --primary 1 \
            --header tests/reference/sim_values.h

  --mode bench (the benchmark peer for bench/sim.sh)
      Chunked so memory stays bounded: the same outputs as the engine (target
      and trajectory quantiles from stored per-draw values, p_meet, streaming
      binned sensitivity with pilot bin edges, contributions and failed
      assumptions through the adjoint, contribution quantiles from
      histograms). Prints draws per second.

Periods: "YYYY", "YYYY/YY", "YYYY-Qn", "YYYY-MM", "YYYY-MM-DD"; years between
periods are days between their start dates / 365.25, as in the contract.
"""
import argparse
import datetime
import json
import sys
import time

import numpy as np

QL = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]


# ---------------------------------------------------------------- periods
def pstart(s):
    if "/" in s:
        return datetime.date(int(s[:4]), 4, 1)
    if "-Q" in s:
        return datetime.date(int(s[:4]), 3 * (int(s[6]) - 1) + 1, 1)
    parts = s.split("-")
    if len(parts) == 1:
        return datetime.date(int(s), 1, 1)
    if len(parts) == 2:
        return datetime.date(int(parts[0]), int(parts[1]), 1)
    return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))


def years(a, b):
    return (pstart(b) - pstart(a)).days / 365.25


def shift_year(s, k):
    y = int(s[:4]) + k
    if "/" in s:
        return "%d/%02d" % (y, (y + 1) % 100)
    return "%d%s" % (y, s[4:])


def grid_period(start, k, py):
    """The k-th grid period: yearly steps, or quarters / months from start."""
    if py == 1:
        return shift_year(start, k)
    d = pstart(start)
    if py == 4:
        q = d.year * 4 + (d.month - 1) // 3 + k
        return "%d-Q%d" % (q // 4, q % 4 + 1)
    m = d.year * 12 + d.month - 1 + k
    return "%d-%02d" % (m // 12, m % 12 + 1)


# ---------------------------------------------------------------- the plan
class Model:
    def __init__(self, plan, primary=0):
        self.plan = plan
        m = plan["mission"]
        targets = plan["targets"]
        if m.get("start"):
            start = m["start"]
        else:
            start = min((t["baseline"]["period"] for t in targets), key=pstart)
        metrics = {x["id"]: x for x in plan["metrics"]}
        py = 1
        for t in targets:
            f = metrics[t["metric"]].get("frequency")
            py = max(py, {"quarterly": 4, "monthly": 12}.get(f, 1))
        self.py = py
        start = grid_period(start, 0, py)  # as a quarter or month when finer than yearly
        self.start = start
        tl = max([round(years(start, t["target"]["period"]) * py) for t in targets] + [0])
        last = round(years(start, m["horizon"]) * py) if m.get("horizon") else tl
        last = max(last, 0)
        self.T = T = max(tl, last) + 1
        self.grid = [grid_period(start, k, py) for k in range(T)]
        self.nodes = plan.get("nodes", [])
        self.edges = plan.get("edges", [])
        self.idx = {n["id"]: i for i, n in enumerate(self.nodes)}
        N = len(self.nodes)
        # topological order (Kahn, file order among ready nodes)
        indeg = [0] * N
        for e in self.edges:
            indeg[self.idx[e["to"]]] += 1
        done, order = [False] * N, []
        while len(order) < N:
            for i in range(N):
                if not done[i] and indeg[i] == 0:
                    done[i] = True
                    order.append(i)
                    for e in self.edges:
                        if self.idx[e["from"]] == i:
                            indeg[self.idx[e["to"]]] -= 1
        self.order = order
        self.acts = [i for i, n in enumerate(self.nodes) if n["kind"] == "activity"]
        self.ramp = {}
        for a in self.acts:
            n = self.nodes[a]
            r = np.zeros(T)
            if n.get("stage") != "stopped":
                for t in range(T):
                    s = years(n["start"], self.grid[t]) if n.get("start") else t / self.py
                    R = n.get("ramp", 0)
                    r[t] = 0.0 if s < -1e-9 else (1.0 if R <= 0 else min(1.0, s / R))
            self.ramp[a] = r
        self.ins = {i: [] for i in range(N)}
        for k, e in enumerate(self.edges):
            self.ins[self.idx[e["to"]]].append(k)
        cf = plan.get("counterfactual")
        self.cf = cf
        self.metric_node = {n["metric"]: i for i, n in enumerate(self.nodes) if n.get("metric")}
        self.metrics = {x["id"]: x for x in plan["metrics"]}
        self.targets = []
        for t in targets:
            node = self.metric_node.get(t["metric"], -1)
            ti = round(years(start, t["target"]["period"]) * py)
            cfy = years(t["baseline"]["period"], t["target"]["period"]) if cf and cf["metric"] == t["metric"] else 0.0
            self.targets.append(dict(id=t["id"], node=node, t=ti, base=t["baseline"]["value"], cfy=cfy,
                                     value=t["target"]["value"],
                                     higher=self.metrics[t["metric"]]["direction"] == "higher",
                                     metric=t["metric"], baseline_period=t["baseline"]["period"]))
        # trajectory metrics: first target of each metric
        self.traj = []
        seen = set()
        for t in self.targets:
            if t["metric"] in seen:
                continue
            seen.add(t["metric"])
            cfy = np.array([years(t["baseline_period"], g) for g in self.grid]) if cf and cf["metric"] == t["metric"] else np.zeros(T)
            self.traj.append(dict(metric=t["metric"], node=t["node"], base=t["base"], cfy=cfy))
        # contribution points: distinct (node, t) of targets inside the grid
        self.points = []
        for t in self.targets:
            if t["node"] >= 0 and 0 <= t["t"] < T and (t["node"], t["t"]) not in [(p["node"], p["t"]) for p in self.points]:
                self.points.append(dict(node=t["node"], t=t["t"], metric=t["metric"]))
        self.primary = primary
        # uncertain inputs, in the engine's documented order
        self.inputs = []
        for a in self.acts:
            if 0 < dist_mean(self.nodes[a].get("delivery", 1)) < 1:
                self.inputs.append(("delivery", a))
        for k, e in enumerate(self.edges):
            if not isinstance(e["effect"], (int, float)):
                self.inputs.append(("effect", k))
        if cf and not isinstance(cf["change_per_year"], (int, float)):
            self.inputs.append(("counterfactual", 0))
        self.assumptions = plan.get("assumptions", [])


def dist_mean(d):
    if isinstance(d, (int, float)):
        return float(d)
    k = d["dist"]
    if k == "normal":
        return d["mean"]
    if k == "lognormal":
        return np.exp(d["mu"] + d["sigma"] ** 2 / 2)
    if k == "uniform":
        return (d["min"] + d["max"]) / 2
    if k == "triangular":
        return (d["min"] + d["mode"] + d["max"]) / 3
    if k == "pert":
        return (d["min"] + 4 * d["mode"] + d["max"]) / 6
    if k == "beta":
        return d["a"] / (d["a"] + d["b"])
    return d["p"]


def sample(rng, d, n):
    if isinstance(d, (int, float)):
        return np.full(n, float(d))
    k = d["dist"]
    if k == "normal":
        return rng.normal(d["mean"], d["sd"], n)
    if k == "lognormal":
        return rng.lognormal(d["mu"], d["sigma"], n)
    if k == "uniform":
        return rng.uniform(d["min"], d["max"], n)
    if k == "triangular":
        return rng.triangular(d["min"], d["mode"], d["max"], n)
    if k == "pert":
        a, c, b = d["min"], d["mode"], d["max"]
        return a + (b - a) * rng.beta(1 + 4 * (c - a) / (b - a), 1 + 4 * (b - c) / (b - a), n)
    if k == "beta":
        return rng.beta(d["a"], d["b"], n)
    if k == "bernoulli":
        return (rng.random(n) < d["p"]).astype(float)
    raise ValueError(k)


def draw_inputs(M, rng, n):
    D = {}
    for a in M.acts:
        p = sample(rng, M.nodes[a].get("delivery", 1), n)
        D[a] = (rng.random(n) < p).astype(float)
    beta = [sample(rng, e["effect"], n) for e in M.edges]
    cf = sample(rng, M.cf["change_per_year"], n) if M.cf else np.zeros(n)
    x = []
    for kind, i in M.inputs:
        x.append(D[i] if kind == "delivery" else beta[i] if kind == "effect" else cf)
    return D, beta, cf, x


def forward(M, D, beta, n, only=None, zero_edge=None, zero_node=None):
    T = M.T
    val = [None] * len(M.nodes)
    for v in M.order:
        if M.nodes[v]["kind"] == "activity":
            on = only is None or only == v
            val[v] = D[v][:, None] * M.ramp[v][None, :] if on else np.zeros((n, T))
        else:
            acc = np.zeros((n, T))
            for k in M.ins[v]:
                if k == zero_edge:
                    continue
                e = M.edges[k]
                lag = e.get("lag", 0) * M.py
                u = val[M.idx[e["from"]]]
                acc[:, lag:] += beta[k][:, None] * u[:, :T - lag]
            val[v] = acc
        if zero_node == v:
            val[v] = np.zeros((n, T))
    return val


def target_values(M, val, cf, n):
    ys = []
    for t in M.targets:
        eff = val[t["node"]][:, t["t"]] if t["node"] >= 0 and 0 <= t["t"] < M.T else np.zeros(n)
        ys.append(t["base"] + cf * t["cfy"] + eff)
    return ys


def meets(t, y):
    return y >= t["value"] if t["higher"] else y <= t["value"]


def qse(x, p):
    """Quantile and its standard error from order statistics (binomial interval)."""
    xs = np.sort(x)
    n = len(xs)
    q = np.quantile(xs, p)
    h = np.sqrt(n * p * (1 - p))
    lo, hi = int(max(0, np.floor(n * p - h))), int(min(n - 1, np.ceil(n * p + h)))
    return q, (xs[hi] - xs[lo]) / 2


def eta2_ranked(x, y, B):
    n = len(y)
    order = np.argsort(x, kind="stable")
    # equal-count bins by rank; ties (discrete inputs) share a bin via their value
    bins = np.empty(n, dtype=np.int64)
    bins[order] = (np.arange(n) * B) // n
    # make ties consistent: all equal x get the bin of their first occurrence
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    b_sorted = bins[order]
    grp = np.cumsum(first) - 1
    b_first = b_sorted[first][grp]
    bins[order] = b_first
    cnt = np.bincount(bins, minlength=B).astype(float)
    s = np.bincount(bins, weights=y, minlength=B)
    mean = y.mean()
    V = y.var()
    if V <= 0:
        return float("nan")
    nz = cnt > 0
    ssb = np.sum(s[nz] ** 2 / cnt[nz]) - n * mean ** 2
    beff = nz.sum()
    W = (n * V - ssb) / (n - beff)
    return (ssb / n - (beff - 1) * W / n) / V


# ---------------------------------------------------------------- ref mode
def run_ref(M, draws, seed):
    rng = np.random.default_rng(seed)
    n = draws
    D, beta, cf, x = draw_inputs(M, rng, n)
    val = forward(M, D, beta, n)
    ys = target_values(M, val, cf, n)
    out = {"targets": [], "traj": [], "contrib": [], "assumptions": [], "inputs": []}
    for t, y in zip(M.targets, ys):
        p = meets(t, y).mean()
        qs = [qse(y, q) for q in QL]
        out["targets"].append(dict(id=t["id"], p=p, p_se=np.sqrt(p * (1 - p) / n), q=qs, mean=y.mean(),
                                   mean_se=y.std() / np.sqrt(n)))
    for tm in M.traj:
        for t in range(M.T):
            eff = val[tm["node"]][:, t] if tm["node"] >= 0 else 0
            y = tm["base"] + cf * tm["cfy"][t] + eff
            out["traj"].append(qse(y, 0.5))
    # contributions: one forward pass per activity (only it switched on)
    for pt in M.points:
        for a in M.acts:
            c = forward(M, D, beta, n, only=a)[pt["node"]][:, pt["t"]]
            out["contrib"].append(dict(mean=c.mean(), mean_se=c.std() / np.sqrt(n), p10=qse(c, 0.1), p90=qse(c, 0.9)))
    # failed assumptions, for the primary target: a forward pass each
    pt = M.targets[M.primary]
    for a in M.assumptions:
        kind, ref = a["on"].split(":", 1)
        if kind == "edge":
            f, to = ref.split("->")
            k = [i for i, e in enumerate(M.edges) if e["from"] == f and e["to"] == to][0]
            v2 = forward(M, D, beta, n, zero_edge=k)
        else:
            v2 = forward(M, D, beta, n, zero_node=M.idx[ref])
        y2 = target_values(M, v2, cf, n)[M.primary]
        p = meets(pt, y2).mean()
        out["assumptions"].append(dict(p=p, se=np.sqrt(p * (1 - p) / n)))
    # first-order indices
    y = ys[M.primary]
    nb = 20
    for xi in x:
        s = eta2_ranked(xi, y, 256)
        bs = [eta2_ranked(xi[j::nb], y[j::nb], 64) for j in range(nb)]
        out["inputs"].append(dict(s=s, se=np.std(bs, ddof=1) / np.sqrt(nb)))
    return out


def write_header(M, out, path, args):
    L = []
    w = L.append
    w("/* Generated by tests/reference/sim_ref.py --mode ref --plan %s --draws %d --seed %d --primary %d" % (args.plan, args.draws, args.seed, args.primary))
    w(" * (NumPy %s, default_rng/PCG64): reference values of the simulation contract," % np.__version__)
    w(" * each with its Monte Carlo standard error. Do not edit. */")
    w("#define REF_DRAWS %d" % args.draws)
    w("#define REF_PRIMARY %d" % args.primary)
    w("#define REF_NTARGETS %d" % len(out["targets"]))
    w("static const double ref_p_meet[][2] = {%s};" % ", ".join("{%.17g, %.17g}" % (t["p"], t["p_se"]) for t in out["targets"]))
    w("static const double ref_mean[][2] = {%s};" % ", ".join("{%.17g, %.17g}" % (t["mean"], t["mean_se"]) for t in out["targets"]))
    w("static const double ref_q[][7][2] = {%s};" % ", ".join("{" + ", ".join("{%.17g, %.17g}" % q for q in t["q"]) + "}" for t in out["targets"]))
    w("#define REF_NTRAJ %d" % len(out["traj"]))
    w("static const double ref_traj_p50[][2] = {%s};" % ", ".join("{%.17g, %.17g}" % q for q in out["traj"]))
    w("#define REF_NCONTRIB %d" % len(out["contrib"]))
    w("static const double ref_contrib[][6] = {%s};" % ", ".join(
        "{%.17g, %.17g, %.17g, %.17g, %.17g, %.17g}" % (c["mean"], c["mean_se"], c["p10"][0], c["p10"][1], c["p90"][0], c["p90"][1]) for c in out["contrib"]))
    w("#define REF_NASSUMPTIONS %d" % len(out["assumptions"]))
    w("static const double ref_fail[][2] = {%s};" % ", ".join("{%.17g, %.17g}" % (a["p"], a["se"]) for a in out["assumptions"]))
    w("#define REF_NINPUTS %d" % len(out["inputs"]))
    w("static const double ref_share[][2] = {%s};" % ", ".join("{%.17g, %.17g}" % (i["s"], i["se"]) for i in out["inputs"]))
    open(path, "w").write("\n".join(L) + "\n")


# ---------------------------------------------------------------- bench mode
def adjoint(M, beta, node, n):
    T = M.T
    g = [None] * len(M.nodes)
    for v in M.order:
        g[v] = np.zeros((n, T))
    g[node][:, 0] = 1.0
    for v in reversed(M.order):
        for k in M.ins[v]:
            e = M.edges[k]
            lag = e.get("lag", 0) * M.py
            g[M.idx[e["from"]]][:, lag:] += beta[k][:, None] * g[v][:, :T - lag]
    return g


def conv_at(gv, vv, t):
    # sum_L g[:, L] * v[:, t - L]
    return np.einsum("ij,ij->i", gv[:, :t + 1], vv[:, t::-1])


def run_bench(M, draws, seed, chunk):
    rng = np.random.default_rng(seed)
    T = M.T
    K = len(M.targets)
    pk = M.primary
    P = 2048
    B = int(min(128, max(2, np.sqrt(draws))))
    NH = 4096

    def one_chunk(n):
        D, beta, cf, x = draw_inputs(M, rng, n)
        val = forward(M, D, beta, n)
        ys = target_values(M, val, cf, n)
        adjs = {}
        contrib = []
        for pt in M.points:
            if pt["node"] not in adjs:
                adjs[pt["node"]] = adjoint(M, beta, pt["node"], n)
            g = adjs[pt["node"]]
            contrib.append([conv_at(g[a], val[a], pt["t"]) for a in M.acts])
        return D, beta, cf, x, val, ys, adjs, contrib

    # pilot: bin edges and histogram ranges
    _, _, _, x, _, ys, _, contrib = one_chunk(P)
    y0 = ys[pk].mean()
    edges = [np.sort(xi)[(np.arange(1, B) * P) // B] for xi in x]
    hlo, hw = [], []
    for cp in contrib:
        for c in cp:
            lo, hi = min(c.min(), 0.0), max(c.max(), 0.0)
            span = hi - lo if hi > lo else 1.0
            lo, hi = min(lo - 0.25 * span, 0.0), max(hi + 0.25 * span, 0.0)
            w = (hi - lo) / (NH - 1)
            hlo.append(-np.ceil(-lo / w) * w)
            hw.append(w)
    ystore = np.empty((K, draws))
    trstore = np.empty((len(M.traj), T, draws))
    meet = np.zeros(K)
    cnt = np.zeros((len(x), B))
    sm = np.zeros((len(x), B))
    sy = syy = 0.0
    csum = np.zeros(len(hlo))
    hist = np.zeros((len(hlo), NH + 3))
    fmeet = np.zeros(len(M.assumptions))
    done = 0
    t0 = time.time()
    while done < draws:
        n = min(chunk, draws - done)
        D, beta, cf, x, val, ys, adjs, contrib = one_chunk(n)
        for k, y in enumerate(ys):
            ystore[k, done:done + n] = y
            meet[k] += meets(M.targets[k], y).sum()
        for j, tm in enumerate(M.traj):
            eff = val[tm["node"]] if tm["node"] >= 0 else 0
            trstore[j, :, done:done + n] = (tm["base"] + cf[:, None] * tm["cfy"][None, :] + eff).T
        y = ys[pk] - y0
        sy += y.sum()
        syy += (y * y).sum()
        for i, xi in enumerate(x):
            b = np.searchsorted(edges[i], xi, side="left")
            cnt[i] += np.bincount(b, minlength=B)
            sm[i] += np.bincount(b, weights=y, minlength=B)
        h = 0
        for cp in contrib:
            for c in cp:
                csum[h] += c.sum()
                f = (c - hlo[h]) / hw[h]
                idx = np.where(c == 0, NH + 2, np.where(f < 0, 0, np.where(f >= NH, NH + 1, 1 + np.floor(np.clip(f, 0, NH - 1)).astype(np.int64))))
                hist[h] += np.bincount(idx.astype(np.int64), minlength=NH + 3)
                h += 1
        # failed assumptions via the adjoint of the primary target's node
        tp = M.targets[pk]
        if tp["node"] >= 0 and 0 <= tp["t"] < T:
            g = adjs[tp["node"]]
            for ai, a in enumerate(M.assumptions):
                kind, ref = a["on"].split(":", 1)
                if kind == "edge":
                    f_, to = ref.split("->")
                    k = [i for i, e in enumerate(M.edges) if e["from"] == f_ and e["to"] == to][0]
                    e = M.edges[k]
                    lag = e.get("lag", 0) * M.py
                    t = tp["t"]
                    d = beta[k] * (conv_at(g[M.idx[to]][:, :t - lag + 1], val[M.idx[f_]][:, :t - lag + 1], t - lag) if t >= lag else 0)
                else:
                    v = M.idx[ref]
                    d = conv_at(g[v], val[v], tp["t"])
                fmeet[ai] += meets(tp, ys[pk] - d).sum()
        done += n
    # final statistics
    for k in range(K):
        ys_sorted = np.sort(ystore[k])
        np.quantile(ys_sorted, QL)
    for j in range(len(M.traj)):
        for t in range(T):
            np.quantile(trstore[j, t], QL)
    elapsed = time.time() - t0
    p = meet / draws
    return elapsed, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["ref", "bench"], required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--draws", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--chunk", type=int, default=20000)
    ap.add_argument("--primary", type=int, default=0)
    ap.add_argument("--header")
    args = ap.parse_args()
    M = Model(json.load(open(args.plan)), args.primary)
    if args.mode == "ref":
        out = run_ref(M, args.draws, args.seed)
        if args.header:
            write_header(M, out, args.header, args)
        for t in out["targets"]:
            print("target %s p_meet %.5f ± %.5f median %.4f" % (t["id"], t["p"], t["p_se"], t["q"][3][0]))
        for i, s in zip(M.inputs, out["inputs"]):
            print("input %s %s share %.5f ± %.5f" % (i[0], i[1], s["s"], s["se"]))
    else:
        el, p = run_bench(M, args.draws, args.seed, args.chunk)
        print(json.dumps({"draws": args.draws, "seconds": el, "draws_per_second": args.draws / el,
                          "p_meet": [float(v) for v in p]}))


if __name__ == "__main__":
    main()
