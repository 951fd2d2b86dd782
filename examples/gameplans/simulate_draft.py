#!/usr/bin/python3
"""simulate_draft.py — a small, independent Monte Carlo of a draft theory of change.

Reads the JSON block of a draft in this folder (e.g. poverty-graph.md), joins it to the mission's
plan file (examples/missions/<mission>.json) and simulates it by PRODUCT.md's simulation
contract ("What the numbers mean"): yearly periods from mission.start to mission.horizon;
an activity's value is D x ramp(t) with D ~ Bernoulli(p), p drawn from "delivery"; every
other node is the sum over its incoming edges of effect x value(from, t - lag); the metric is
its baseline + change_per_year x years since the baseline + the value of the node carrying it.
Each distribution is drawn once per draw.

It is written without reference to gameplan's code, with numpy (Debian's /usr/bin/python3), so
it can serve as a rough cross-check of `gameplan simulate` (its own random numbers differ, so
compare within Monte Carlo error). Usage:

  /usr/bin/python3 examples/gameplans/simulate_draft.py examples/gameplans/poverty-graph.md \
      [--draws 20000] [--seed 1]
"""
import argparse
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def draw(rng, d, n):
    """n draws of a plan-file distribution (a number is fixed)."""
    if not isinstance(d, dict):
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
    if k == "pert":  # beta-PERT with lambda = 4
        a, c, b = d["min"], d["mode"], d["max"]
        al, be = 1 + 4 * (c - a) / (b - a), 1 + 4 * (b - c) / (b - a)
        return a + (b - a) * rng.beta(al, be, n)
    if k == "beta":
        return rng.beta(d["a"], d["b"], n)
    if k == "bernoulli":
        return (rng.random(n) < d["p"]).astype(float)
    raise ValueError(f"unknown distribution {k}")


def topo(nodes, edges):
    """Node ids in an order where every edge goes forward."""
    ids = [n["id"] for n in nodes]
    indeg = {i: 0 for i in ids}
    for e in edges:
        indeg[e["to"]] += 1
    order, ready = [], [i for i in ids if indeg[i] == 0]
    while ready:
        i = ready.pop(0)
        order.append(i)
        for e in edges:
            if e["from"] == i:
                indeg[e["to"]] -= 1
                if indeg[e["to"]] == 0:
                    ready.append(e["to"])
    if len(order) != len(ids):
        raise ValueError("the edges form a cycle")
    return order


def simulate(plan, draws, seed):
    """(years, {metric: array draws x years}) for the plan."""
    rng = np.random.default_rng(seed)
    m = plan["mission"]
    y0, y1 = int(m["start"]), int(m["horizon"])
    years = np.arange(y0, y1 + 1)
    nodes, edges = plan["nodes"], plan["edges"]
    byid = {n["id"]: n for n in nodes}
    val = {}
    for n in nodes:
        if n["kind"] != "activity":
            continue
        p = draw(rng, n.get("delivery", 1.0), draws)
        d = (rng.random(draws) < p).astype(float)
        s = int(n.get("start", y0))
        r = float(n.get("ramp", 0))
        since = years - s
        if n.get("stage") == "stopped":
            ramp = np.zeros(len(years))
        elif r == 0:
            ramp = (since >= 0).astype(float)
        else:
            ramp = np.clip(since / r, 0, 1) * (since >= 0)
        val[n["id"]] = d[:, None] * ramp[None, :]
    eff = {(e["from"], e["to"]): draw(rng, e["effect"], draws) for e in edges}
    for i in topo(nodes, edges):
        if byid[i]["kind"] == "activity":
            continue
        acc = np.zeros((draws, len(years)))
        for e in edges:
            if e["to"] != i:
                continue
            lag = int(e.get("lag", 0))
            src = val[e["from"]]
            if lag:
                src = np.concatenate([np.zeros((draws, lag)), src[:, :-lag]], axis=1)
            acc += eff[(e["from"], e["to"])][:, None] * src
        val[i] = acc
    cf = plan.get("counterfactual")
    out = {}
    for t in plan["targets"]:
        metric = t["metric"]
        if metric in out:
            continue
        by = int(t["baseline"]["period"])
        slope = draw(rng, cf["change_per_year"], draws) if cf and cf["metric"] == metric else 0
        carrier = [n["id"] for n in nodes if n.get("metric") == metric]
        node_val = val[carrier[0]] if carrier else 0
        trend = np.asarray(slope).reshape(-1, 1) * (years - by)[None, :]
        out[metric] = t["baseline"]["value"] + trend + node_val
    return years, out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("draft")
    ap.add_argument("--mission", help="mission id (default: from the draft's file name)")
    ap.add_argument("--draws", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    text = open(args.draft, encoding="utf-8").read()
    block = re.search(r"```json\n(.*?)\n```", text, re.S)
    if not block:
        print(f"{args.draft}: no ```json block", file=sys.stderr)
        return 1
    graph = json.loads(block.group(1))
    mission = args.mission or os.path.basename(args.draft).split("-graph")[0]
    plan = json.load(open(os.path.join(HERE, "..", "missions", f"{mission}.json"), encoding="utf-8"))
    plan.update(graph)
    years, out = simulate(plan, args.draws, args.seed)
    for t in plan["targets"]:
        if t["kind"] == "floor":
            continue  # a floor applies to every place; this sketch simulates the national series
        x = out[t["metric"]]
        k = int(np.searchsorted(years, int(t["target"]["period"])))
        v = x[:, k]
        met = v <= t["target"]["value"] if plan["metrics"][0]["direction"] == "lower" \
            else v >= t["target"]["value"]
        p = met.mean()
        print(f"target {t['id']}: {t['metric']} in {t['target']['period']}: mean {v.mean():.2f}, "
              f"80% [{np.percentile(v, 10):.2f}, {np.percentile(v, 90):.2f}], "
              f"95% [{np.percentile(v, 2.5):.2f}, {np.percentile(v, 97.5):.2f}]; "
              f"P(meet {t['target']['value']}) = {p:.3f} "
              f"(MC se {np.sqrt(p * (1 - p) / len(v)):.3f})")
    for metric, x in out.items():
        for y in years:
            k = int(y - years[0])
            v = x[:, k]
            print(f"  {metric} {y}: mean {v.mean():6.2f}  80% [{np.percentile(v, 10):6.2f}, "
                  f"{np.percentile(v, 90):6.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
