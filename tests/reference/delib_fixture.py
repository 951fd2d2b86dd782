#!/usr/bin/python3
"""Writes tests/reference/data/delib_small/: a small Pol.is open-data export
(the format of github.com/compdemocracy/openData) for tests/unit/test_delib_store.c
and tests/api/delib.test.mjs. Made up, deterministic: 20 participants in two
opinion blocs on statements 0-5; participant 3 changes their vote on
statement 1 (the later vote counts); statement 5 is moderated out (-1),
statement 6 is unmoderated (0) and has no votes. The expected counts quoted in
the tests are computed here, independently of gameplan, and printed."""
import csv, os

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "delib_small")
os.makedirs(out, exist_ok=True)
T0 = 1700000000000
statements = [
    (0, "Buses should run every ten minutes in the centre.", 1),
    (1, "Fares should be free for under-18s.", 1),
    (2, "The city should build more cycle lanes.", 1),
    (3, "Car parking in the centre should stay free.", 1),
    (4, "Road maintenance matters more than new routes.", 1),
    (5, "Off-topic advert.", -1),
    (6, "Night buses should run at weekends.", 0),
]
votes = []  # (timestamp, statement, voter, vote)
t = T0
for p in range(20):
    bloc = 1 if p < 10 else -1
    for j in range(6):
        if (p + j) % 7 == 6:
            v = 0  # a pass now and then
        elif j < 3:
            v = bloc
        elif j < 5:
            v = -bloc
        else:
            v = -1
        t += 1000
        votes.append((t, j, p, v))
t += 1000
votes.append((t, 1, 3, -1))  # participant 3 changes their mind on statement 1

latest = {}
for (ts, j, p, v) in votes:
    latest[(p, j)] = v
agrees = {j: sum(1 for (p, jj), v in latest.items() if jj == j and v == 1) for j, _, _ in statements}
disagrees = {j: sum(1 for (p, jj), v in latest.items() if jj == j and v == -1) for j, _, _ in statements}

with open(os.path.join(out, "comments.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                "moderated", "comment-body"])
    for j, body, mod in sorted(statements, reverse=True):
        w.writerow([T0 + j, "", j, j % 3, agrees[j], disagrees[j], mod, body])
with open(os.path.join(out, "votes.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
    for (ts, j, p, v) in votes:
        w.writerow([ts, "", j, p, v])
with open(os.path.join(out, "participants-votes.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    ids = [j for j, _, _ in statements]
    w.writerow(["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"] +
               [str(j) for j in ids])
    for p in range(20):
        row = [latest.get((p, j), "") for j in ids]
        vs = [v for v in row if v != ""]
        w.writerow([p, 0 if p < 10 else 1, sum(1 for j, _, _ in statements if j % 3 == p),
                    len(vs), vs.count(1), vs.count(-1)] + row)
with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["topic", "Buses in the city centre"])
    w.writerow(["conversation-description", "How should the city's buses change?"])
    w.writerow(["voters", 20])
    w.writerow(["comments", 7])
print("vote events", len(votes), "participants 20 statements", len(statements))
print("agrees", agrees)
print("disagrees", disagrees)
