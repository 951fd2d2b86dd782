#!/usr/bin/python3
"""convert.py — turn the Canadian Indicator Framework (CIF) files into gameplan's example data.

Reads the CIF files copied into /work/shared/data/canada-cif (indicator_N.csv and meta_N.md,
unchanged from sdg-data-canada-odd-donnees/cif-data-donnees-cic at commit d38e8053) and writes,
under the examples/ folder:

  observations/<metric-id>.csv   one file per metric, header `period,value,place`:
                                 rows with an empty place are the national headline series
                                 (the CIF rows whose breakdown columns are all empty); the other
                                 rows are one per province or territory at the breakdown's total.
  demo.json                      the manifest `gameplan demo` reads: plan files in order, and for
                                 each metric its CSV and the source text to record with it.

It also checks the hand-written plan files in examples/missions/ against the data: each
target's baseline and each metric's source must agree with what this script derives, so the
plans and the CSVs cannot drift apart silently.

Standard library only. Run from anywhere:

  /usr/bin/python3 examples/canada-cif/convert.py [CIF_DIR] [--out EXAMPLES_DIR]

CIF_DIR defaults to /work/shared/data/canada-cif, else ../shared/data/canada-cif relative to
the repository root. EXAMPLES_DIR defaults to the examples/ folder this script lives in.
Exit status 0 on success, 1 on any inconsistency (with a message naming the file and line).
"""

import argparse
import csv
import io
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.dirname(HERE)
REPO = os.path.dirname(EXAMPLES)

UPSTREAM = "sdg-data-canada-odd-donnees/cif-data-donnees-cic@d38e8053"

# The attribution SOURCE.md asks to ship with the data (verbatim).
ATTRIBUTION = ("Source: Statistics Canada and Government of Canada departments, via the "
               "Canadian Indicator Framework for the Sustainable Development Goals.")

PROVINCES = [
    "Newfoundland and Labrador", "Prince Edward Island", "Nova Scotia", "New Brunswick",
    "Quebec", "Ontario", "Manitoba", "Saskatchewan", "Alberta", "British Columbia",
]
TERRITORIES = ["Yukon", "Northwest Territories", "Nunavut"]

# One entry per mission, in the order of the demo. `places` lists the geographies kept as the
# `place` breakdown; `totals` fixes every other breakdown column at its total. Sources 2 and 3
# of 1-1-1 (the Northern MBM for the territories) are not used because the territories are not
# kept for that metric (see examples/README.md).
MISSIONS = [
    {"mission": "poverty", "metric": "poverty-rate", "indicator": "1-1-1",
     "places": PROVINCES,
     "totals": {"Age group": "Total", "Gender": "All genders", "Economic family type": "Total"},
     "sources": [1]},
    {"mission": "zev-sales", "metric": "zev-share", "indicator": "12-1-1",
     "places": PROVINCES + TERRITORIES, "totals": {}, "sources": [1, 2]},
    {"mission": "conserved-land", "metric": "conserved-area", "indicator": "15-4-1",
     "places": PROVINCES + TERRITORIES, "totals": {}, "sources": [1]},
    # The base-year rule gives 2016 (7.8 per 100,000), already below the target of 10, so a
    # reduction target cannot be measured from it: the plan uses 2023, the series' peak (20.1).
    {"mission": "opioid-deaths", "metric": "opioid-death-rate", "indicator": "3-13-1",
     "places": PROVINCES + TERRITORIES, "totals": {"Sex": "Total"}, "sources": [1],
     "base_year": "2023"},
    {"mission": "sustainable-commuting", "metric": "sustainable-commute-share",
     "indicator": "11-5-1", "places": PROVINCES + TERRITORIES,
     "totals": {"Gender": "Total", "Type of commute": "Sustainable transportation"},
     "sources": [1, 2]},
    {"mission": "charging-stations", "metric": "charging-stations", "indicator": "9-6-1",
     "places": PROVINCES + TERRITORIES,
     "totals": {"Type of charging or fuelling stations":
                "Total electric charging and alternative fuelling stations"},
     "sources": [1]},
]

# Open SDG's Canadian progress script (CIFProgressStatus.py in the upstream repository) uses
# base_year 2015 unless the indicator's progress_calculation_options give one, and moves to the
# first later year with data when 2015 has none. The plans' baselines follow the same rule.
DEFAULT_BASE_YEAR = 2015

NON_BREAKDOWN = {"Year", "Value", "GeoCode"}


class ConvertError(Exception):
    """A fault in the input or in a plan, with the place it was found."""


def default_cif_dir():
    """The CIF folder: the shared copy if present, else ../shared/... beside the repo."""
    for cand in ("/work/shared/data/canada-cif",
                 os.path.join(os.path.dirname(REPO), "shared", "data", "canada-cif")):
        if os.path.isdir(cand):
            return cand
    return "/work/shared/data/canada-cif"


def read_meta(path):
    """A minimal reader for the YAML front matter of a CIF meta file (no PyYAML).

    Returns a dict of top-level scalar keys (continuation lines folded with one space, quotes
    stripped) plus 'progress_calculation_options' as a list of dicts of numbers/strings."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.match(r"---\n(.*?)\n---", text, re.S)
    if not m:
        raise ConvertError(f"{path}: no YAML front matter")
    meta, key, opts = {}, None, None
    for lineno, line in enumerate(m.group(1).split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = re.match(r"([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$", line)
        if top and not line[0].isspace():
            key, val = top.group(1), top.group(2).strip()
            opts = [] if key == "progress_calculation_options" else None
            if opts is not None:
                meta[key] = opts
            else:
                meta[key] = val
            continue
        if opts is not None:
            item = re.match(r"\s*(-\s+)?([A-Za-z_]+):\s*(.*)$", line)
            if not item:
                raise ConvertError(f"{path}:{lineno}: cannot read progress option {line!r}")
            if item.group(1) or not opts:
                opts.append({})
            v = item.group(3).strip().strip("'\"")
            try:
                v = int(v)
            except ValueError:
                try:
                    v = float(v)
                except ValueError:
                    pass
            opts[-1][item.group(2)] = v
            continue
        if key is not None and isinstance(meta.get(key), str) and line[0].isspace():
            meta[key] = (meta[key] + " " + line.strip()).strip()
            continue
        # list items of other keys (graph_target_lines, data_start_values): not needed here
    for k, v in list(meta.items()):
        if isinstance(v, str):
            v = re.sub(r"\s+", " ", v).strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            meta[k] = v
    return meta


def source_text(meta, numbers):
    """The metric's source: each named source's title and address, joined by '; '."""
    parts = []
    for n in numbers:
        title = meta.get(f"source_url_text_{n}")
        if not title:
            raise ConvertError(f"meta: source_url_text_{n} missing")
        url = meta.get(f"source_url_{n}", "")
        parts.append(f"{title} ({url})" if url else title)
    return "; ".join(parts)


def read_indicator(path):
    """The rows of an indicator CSV as dicts, each with its 1-based line number in '_line'."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        rows = []
        for row in reader:
            row["_line"] = reader.line_num
            rows.append(row)
        return reader.fieldnames, rows


def check_value(path, row):
    """The row's year and value texts, after checking both parse."""
    year, value = row["Year"].strip(), row["Value"].strip()
    if not re.fullmatch(r"[12][0-9]{3}", year):
        raise ConvertError(f"{path}:{row['_line']}: year {year!r} is not a year")
    try:
        float(value)
    except ValueError:
        raise ConvertError(f"{path}:{row['_line']}: value {value!r} is not a number") from None
    return year, value


def extract(cif_dir, spec):
    """(headline, by_place) for one indicator: headline is [(year, value)], by_place is
    {place: [(year, value)]}, both sorted by year; the values are the source's texts."""
    path = os.path.join(cif_dir, f"indicator_{spec['indicator']}.csv")
    fields, rows = read_indicator(path)
    breakdowns = [c for c in fields if c not in NON_BREAKDOWN]
    for col in spec["totals"]:
        if col not in breakdowns:
            raise ConvertError(f"{path}: no column {col!r}")
    headline, by_place, seen = [], {}, set()
    for row in rows:
        if all(row[c] == "" for c in breakdowns):
            place = ""
        elif (row.get("Geography") in spec["places"]
              and all(row[c] == spec["totals"].get(c) for c in breakdowns if c != "Geography")):
            place = row["Geography"]
        else:
            continue
        year, value = check_value(path, row)
        if (year, place) in seen:
            raise ConvertError(f"{path}:{row['_line']}: second row for ({year}, {place!r})")
        seen.add((year, place))
        (headline if place == "" else by_place.setdefault(place, [])).append((year, value))
    if not headline:
        raise ConvertError(f"{path}: no headline rows")
    headline.sort()
    for v in by_place.values():
        v.sort()
    return headline, by_place


def write_csv(path, headline, by_place, places):
    """Writes the observation CSV: headline first, then each place (in `places` order)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if by_place:
        w.writerow(["period", "value", "place"])
        for year, value in headline:
            w.writerow([year, value, ""])
        for place in places:
            for year, value in by_place.get(place, []):
                w.writerow([year, value, place])
    else:
        w.writerow(["period", "value"])
        for year, value in headline:
            w.writerow([year, value])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def base_year(meta, headline):
    """The baseline year: progress_calculation_options' base_year, else 2015, moved to the first
    later year with a headline value when that year has none."""
    opts = (meta.get("progress_calculation_options") or [{}])[0]
    year = int(opts.get("base_year", DEFAULT_BASE_YEAR))
    years = sorted(int(y) for y, _ in headline)
    later = [y for y in years if y >= year]
    if not later:
        raise ConvertError(f"no headline value in or after {year}")
    return str(later[0])


def check_plan(path, spec, meta, headline, by_place, source):
    """Checks a hand-written plan against the data; raises ConvertError on a mismatch."""
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    allowed = {"mission", "metrics", "targets", "nodes", "edges", "counterfactual",
               "assumptions", "tests"}
    for k in plan:
        if k not in allowed:
            raise ConvertError(f"{path}: plan.{k}: unknown key")
    if plan["mission"]["id"] != spec["mission"]:
        raise ConvertError(f"{path}: plan.mission.id is not {spec['mission']!r}")
    metrics = {m["id"]: m for m in plan["metrics"]}
    metric = metrics.get(spec["metric"])
    if metric is None:
        raise ConvertError(f"{path}: no metric {spec['metric']!r}")
    if metric.get("source") != source:
        raise ConvertError(f"{path}: metric {spec['metric']} source differs from the meta file:"
                           f"\n  plan: {metric.get('source')}\n  meta: {source}")
    opts = (meta.get("progress_calculation_options") or [{}])[0]
    want_dir = {"negative": "lower", "positive": "higher"}.get(opts.get("direction"))
    if want_dir and metric["direction"] != want_dir:
        raise ConvertError(f"{path}: metric direction {metric['direction']} but meta says "
                           f"{opts.get('direction')}")
    head = dict(headline)
    by = {p: dict(v) for p, v in by_place.items()}
    by_year = {}
    for p, v in by.items():
        for y, val in v.items():
            by_year.setdefault(y, []).append(float(val))
    byear = spec.get("base_year") or base_year(meta, headline)
    committed = 0
    for i, t in enumerate(plan["targets"]):
        where = f"{path}: plan.targets[{i}]"
        b = t["baseline"]
        if t["kind"] == "floor":
            worst = (max if metric["direction"] == "lower" else min)(by_year[b["period"]])
            if abs(worst - b["value"]) > 1e-9:
                raise ConvertError(f"{where}.baseline.value: {b['value']} is not the worst "
                                   f"place in {b['period']} ({worst})")
            continue
        if b["period"] != byear:
            raise ConvertError(f"{where}.baseline.period: {b['period']} but base year is {byear}")
        if abs(float(head[b["period"]]) - b["value"]) > 1e-9:
            raise ConvertError(f"{where}.baseline.value: {b['value']} but the data say "
                               f"{head[b['period']]}")
        if t["kind"] == "committed":
            committed += 1
            if (float(opts.get("target")) != t["target"]["value"]
                    or str(opts.get("target_year")) != t["target"]["period"]):
                raise ConvertError(f"{where}.target: {t['target']} but meta says "
                                   f"{opts.get('target')} by {opts.get('target_year')}")
    if committed != 1:
        raise ConvertError(f"{path}: expected one committed target, found {committed}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cif_dir", nargs="?", default=default_cif_dir(),
                    help="folder with indicator_N.csv and meta_N.md (default: %(default)s)")
    ap.add_argument("--out", default=EXAMPLES, help="examples folder (default: %(default)s)")
    args = ap.parse_args(argv)

    obs_dir = os.path.join(args.out, "observations")
    os.makedirs(obs_dir, exist_ok=True)
    manifest = {"missions": []}
    try:
        for spec in MISSIONS:
            meta = read_meta(os.path.join(args.cif_dir, f"meta_{spec['indicator']}.md"))
            headline, by_place = extract(args.cif_dir, spec)
            rel = f"observations/{spec['metric']}.csv"
            write_csv(os.path.join(args.out, rel), headline, by_place, spec["places"])
            source = source_text(meta, spec["sources"])
            number = spec["indicator"].replace("-", ".")
            plan_rel = f"missions/{spec['mission']}.json"
            plan_path = os.path.join(args.out, plan_rel)
            if os.path.exists(plan_path):
                check_plan(plan_path, spec, meta, headline, by_place, source)
            else:
                print(f"warning: {plan_rel} missing; not checked", file=sys.stderr)
            orgs = sorted({meta[f"source_organisation_{n}"] for n in spec["sources"]})
            manifest["missions"].append({
                "plan": plan_rel,
                "attribution": (f"{ATTRIBUTION} Indicator {number}: {', '.join(orgs)}. "
                                "Adapted by the gameplan project (rows selected and reshaped); "
                                "this does not constitute an endorsement by Statistics Canada "
                                "or the Government of Canada."),
                "observations": [{
                    "metric": spec["metric"],
                    "file": rel,
                    "source": (f"{source}; via the Canadian Indicator Framework, "
                               f"indicator {number} ({UPSTREAM})"),
                }],
            })
            nplaces = len(by_place)
            nrows = len(headline) + sum(len(v) for v in by_place.values())
            print(f"{rel}: {nrows} rows ({len(headline)} national, {nplaces} places); "
                  f"base year {spec.get('base_year') or base_year(meta, headline)}")
    except (ConvertError, KeyError, ValueError) as e:
        print(f"convert.py: {e}", file=sys.stderr)
        return 1
    with open(os.path.join(args.out, "demo.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
