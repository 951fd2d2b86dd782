#!/usr/bin/python3
"""Generates the benchmark plan of bench/sim.sh: 200 activities, 1,000
edges, 10 yearly periods (2025-2034), every distribution family, lags 0-2,
random deliveries, a counterfactual, two targets and 20 assumptions.
Deterministic (seeded). Usage: sim_plan_gen.py > plan.json"""
import json
import random

rnd = random.Random(20251122)
NA, NO, NC = 200, 100, 50  # activities, outputs, intermediate outcomes
nodes, edges = [], []
for i in range(NA):
    n = {"id": "a%d" % i, "kind": "activity", "cost": rnd.randint(1, 50) * 1e5,
         "start": str(2025 + rnd.randint(0, 3)), "ramp": rnd.randint(0, 3)}
    if i % 2 == 0:
        n["delivery"] = {"dist": "beta", "a": rnd.uniform(4, 12), "b": rnd.uniform(1, 3)}
    elif i % 5 == 1:
        n["delivery"] = round(rnd.uniform(0.5, 0.95), 2)
    nodes.append(n)
nodes += [{"id": "o%d" % i, "kind": "output"} for i in range(NO)]
nodes += [{"id": "c%d" % i, "kind": "outcome"} for i in range(NC)]
nodes.append({"id": "m", "kind": "outcome", "metric": "rate"})


def dist():
    k = rnd.randrange(6)
    m = rnd.uniform(0.05, 0.6)
    if k == 0:
        return {"dist": "normal", "mean": round(m, 3), "sd": round(m / 3, 3)}
    if k == 1:
        return {"dist": "lognormal", "mu": round(-1.5 + rnd.uniform(0, 1), 3), "sigma": 0.3}
    if k == 2:
        return {"dist": "triangular", "min": round(m / 2, 3), "mode": round(m, 3), "max": round(m * 1.8, 3)}
    if k == 3:
        return {"dist": "pert", "min": round(m / 2, 3), "mode": round(m, 3), "max": round(m * 2, 3)}
    if k == 4:
        return {"dist": "uniform", "min": round(m / 2, 3), "max": round(m * 1.5, 3)}
    return {"dist": "beta", "a": 2, "b": 5}


seen = set()


def add(f, t, lag=0):
    if (f, t) in seen:
        return False
    seen.add((f, t))
    e = {"from": f, "to": t, "effect": dist(), "evidence": rnd.randint(1, 5)}
    if lag:
        e["lag"] = lag
    edges.append(e)
    return True


for i in range(NA):  # 2-3 outputs each: ~500
    for _ in range(rnd.choice([2, 3])):
        add("a%d" % i, "o%d" % rnd.randrange(NO), rnd.choice([0, 0, 1]))
for i in range(NO):  # 3 outcomes each: ~300
    for _ in range(3):
        add("o%d" % i, "c%d" % rnd.randrange(NC), rnd.choice([0, 1]))
for i in range(NC):  # every outcome to the metric: 50
    add("c%d" % i, "m", rnd.choice([0, 1, 2]))
while len(edges) < 1000:  # outcome -> later outcome, output -> metric
    if rnd.random() < 0.5:
        a, b = sorted(rnd.sample(range(NC), 2))
        add("c%d" % a, "c%d" % b)
    else:
        add("o%d" % rnd.randrange(NO), "m")
plan = {
    "mission": {"id": "bench", "title": "Benchmark plan", "start": "2025", "horizon": "2034"},
    "metrics": [{"id": "rate", "name": "Rate", "unit": "%", "direction": "higher"}],
    "targets": [
        {"id": "interim", "metric": "rate", "kind": "interim", "baseline": {"period": "2024", "value": 50},
         "target": {"period": "2029", "value": 135}},
        {"id": "final", "metric": "rate", "kind": "committed", "baseline": {"period": "2024", "value": 50},
         "target": {"period": "2034", "value": 210}}],
    "nodes": nodes,
    "edges": edges,
    "counterfactual": {"metric": "rate", "change_per_year": {"dist": "normal", "mean": 0.2, "sd": 0.3}},
    "assumptions": [{"id": "x%d" % i, "text": "assumption %d" % i,
                     "on": ("edge:%s->%s" % (edges[i * 37]["from"], edges[i * 37]["to"])) if i % 2 else "node:a%d" % (i * 7),
                     "importance": rnd.randint(1, 5), "evidence": rnd.randint(1, 5)} for i in range(20)],
}
print(json.dumps(plan, indent=1))
