#!/usr/bin/python3
"""Reference values for src/engine/gp_forecast.c, computed independently of
gameplan's C code, written to tests/reference/forecast_values.h.

  /usr/bin/python3 tests/reference/forecast_ref.py > tests/reference/forecast_values.h

What comes from where:
- OLS fit and prediction intervals: statsmodels OLS(y, add_constant(t)).fit(),
  then get_prediction(t0).summary_frame(alpha=0.20 / 0.05) obs_ci_lower/upper
  (80% / 95% intervals for a new observation); se_pred = sqrt(se_mean^2 + scale).
- p_meet: scipy.stats.t(df=n-2, loc=mean, scale=se_pred).sf(target) for
  "higher is better", .cdf(target) for "lower is better".
- Trajectory: numpy.interp (linear inside, end values held outside).
- Open SDG status: a Python transcription of the rule in open-sdg's
  docs/progress-methodology.md (CAGR ratio R with its thresholds), applied
  to the Canadian Indicator Framework files in /work/shared/data/canada-cif
  (headline rows, or the meta's data_start_values when there is no headline;
  target, target_year, direction from the meta's progress_calculation_options;
  Open SDG's default direction is "negative" and default base year 2015).

Times are in years from the start of the baseline period: days / 365.25,
with days counted by Python's datetime.date (proleptic Gregorian).
"""
import csv
import datetime
import math
import os
import re
import sys

import numpy as np
import scipy
import scipy.stats
import statsmodels
import statsmodels.api as sm

DATA = "/work/shared/data/canada-cif"


def years_between(a, b):
    """Years from date a to date b: days / 365.25 (PRODUCT.md convention)."""
    return (b - a).days / 365.25


def d(y, m=1, day=1):
    return datetime.date(y, m, day)


# ---- input series ---------------------------------------------------------------


def headline_series(path, start_values=None):
    """(years, values) of the rows whose breakdown columns are all empty, or
    that match start_values {field: value} when there are none."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    skip = {"Year", "Value", "GeoCode"}
    cols = [c for c in rows[0].keys() if c not in skip]
    pick = [r for r in rows if all((r[c] or "") == "" for c in cols)]
    if not pick and start_values:
        pick = [r for r in rows if all(r.get(k) == v for k, v in start_values.items())
                and all((r[c] or "") == "" for c in cols if c not in start_values)]
    out = {}
    for r in pick:
        if r["Value"] in ("", None):
            continue
        y = int(str(r["Year"])[:4])
        if y in out:
            raise SystemExit(f"{path}: duplicate year {y}")
        out[y] = float(r["Value"])
    years = sorted(out)
    return years, [out[y] for y in years]


def read_meta(path):
    """progress options and data_start_values from an Open SDG meta file."""
    text = open(path, encoding="utf-8").read()
    opts = {}
    m = re.search(r"progress_calculation_options:\n((?:[- ] .*\n)+)", text)
    if m:
        for line in m.group(1).splitlines():
            k, _, v = line.strip(" -").partition(":")
            opts[k.strip()] = v.strip()
    start = {}
    m = re.search(r"data_start_values:\n((?:[- ] .*\n)+)", text)
    if m:
        field = None
        for line in m.group(1).splitlines():
            k, _, v = line.strip(" -").partition(":")
            if k.strip() == "field":
                field = v.strip()
            elif k.strip() == "value" and field:
                start[field] = v.strip()
    return opts, start


# ---- forecast cases ---------------------------------------------------------------


def forecast_cases():
    cases = []
    # 1. Canada's poverty rate (CIF 1-1-1), national rows 2015..2023; target
    #    7.25 by 2030, lower is better; baseline period 2015.
    years, values = headline_series(os.path.join(DATA, "indicator_1-1-1.csv"))
    t = [years_between(d(2015), d(y)) for y in years]
    cases.append(("poverty_1_1_1", t, values, years_between(d(2015), d(2030)), 7.25, "lower"))
    # 2. An increasing series (homes completed, thousands), higher is better.
    t = [years_between(d(2018), d(y)) for y in range(2018, 2025)]
    y = [160.2, 166.8, 171.5, 180.0, 183.9, 191.3, 196.4]
    cases.append(("increasing", t, y, years_between(d(2018), d(2030)), 260.0, "higher"))
    # 3. A noisy series: trend plus normal noise (numpy RandomState(20241122)).
    rng = np.random.RandomState(20241122)
    t = [years_between(d(2014), d(y)) for y in range(2014, 2026)]
    y = [50.0 - 0.8 * ti + float(e) for ti, e in zip(t, rng.normal(0.0, 3.0, len(t)))]
    cases.append(("noisy", t, y, years_between(d(2014), d(2034)), 40.0, "lower"))
    # 4. A perfect fit: y = 100 - 2.5 t at whole t.
    t = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    y = [100.0 - 2.5 * ti for ti in t]
    cases.append(("perfect_fit", t, y, 10.0, 80.0, "lower"))
    # 4b. A perfect line through values that binary floating point cannot hold
    #     exactly (residuals are rounding noise only).
    t = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    y = [0.1 + 0.3 * ti for ti in t]
    cases.append(("perfect_fit_inexact", t, y, 10.0, 3.0, "higher"))
    # 5. Unevenly spaced times (a quarter, a month, a financial year, days).
    base = d(2019)
    dates = [d(2019), d(2019, 4), d(2019, 10), d(2020, 7), d(2021, 4), d(2021, 4, 15), d(2023)]
    t = [years_between(base, x) for x in dates]
    y = [12.0, 12.9, 13.1, 15.2, 16.0, 15.7, 19.4]
    cases.append(("uneven", t, y, years_between(base, d(2025, 4)), 22.0, "higher"))
    # 6. n = 3, the fewest that give an interval.
    t = [0.0, 1.0, 2.0]
    y = [10.0, 12.5, 13.0]
    cases.append(("n3", t, y, 6.0, 20.0, "higher"))
    # 7. Far tail: a falling series against a rising target (p_meet tiny).
    t = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    y = [80.0, 79.1, 77.6, 77.2, 75.9, 74.8, 74.1, 72.6]
    cases.append(("far_tail", t, y, 12.0, 90.0, "higher"))
    # 8. Calendar years as times (large t: tests the centring).
    t = [2015.0 + i for i in range(9)]
    y = [3.1, 3.0, 3.3, 3.2, 3.6, 3.5, 3.9, 3.8, 4.1]
    cases.append(("big_t", t, y, 2030.0, 4.5, "higher"))
    return cases


def fit(name, t, y, t0, target, direction):
    X = sm.add_constant(np.asarray(t, dtype=float))
    res = sm.OLS(np.asarray(y, dtype=float), X).fit()
    x0 = np.array([[1.0, t0]])
    pred = res.get_prediction(x0)
    f80 = pred.summary_frame(alpha=0.20)
    f95 = pred.summary_frame(alpha=0.05)
    n = len(t)
    dfree = n - 2
    mean = float(f95["mean"].iloc[0])
    se_mean = float(f95["mean_se"].iloc[0])
    se_pred = math.sqrt(se_mean ** 2 + float(res.scale))
    if se_pred > 0:
        dist = scipy.stats.t(df=dfree, loc=mean, scale=se_pred)
        p = float(dist.sf(target)) if direction == "higher" else float(dist.cdf(target))
    else:
        # scipy's t is undefined at scale 0; the limit as se_pred -> 0 is a step.
        p = 1.0 if (mean >= target if direction == "higher" else mean <= target) else 0.0
    return dict(
        name=name, n=n, t=t, y=y, t0=t0, target=target, direction=direction,
        intercept=float(res.params[0]), slope=float(res.params[1]),
        sigma=math.sqrt(float(res.scale)), df=float(dfree), mean=mean, se_pred=se_pred,
        pi80=(float(f80["obs_ci_lower"].iloc[0]), float(f80["obs_ci_upper"].iloc[0])),
        pi95=(float(f95["obs_ci_lower"].iloc[0]), float(f95["obs_ci_upper"].iloc[0])),
        p_meet=p)


# ---- trajectory cases ---------------------------------------------------------------


def trajectory_cases():
    out = []
    # Linear baseline -> target: knife crime 50000 (2024) -> 25000 (2034).
    kt = [0.0, years_between(d(2024), d(2034))]
    kv = [50000.0, 25000.0]
    xs = [-1.0, 0.0, years_between(d(2024), d(2027)), years_between(d(2024), d(2029, 7)),
          kt[1], kt[1] + 2.0]
    out.append(("linear", kt, kv, xs))
    # Custom points: baseline, two interim points, target (uneven spacing).
    ct = [0.0, years_between(d(2025), d(2027)), years_between(d(2025), d(2028, 4)),
          years_between(d(2025), d(2035))]
    cv = [1.0e6, 1.1e6, 1.35e6, 2.5e6]
    xs = [-0.5, 0.0, 0.7, ct[1], 2.9, ct[2], 6.25, ct[3], 12.0]
    out.append(("custom", ct, cv, xs))
    rows = []
    for name, kt_, kv_, xs_ in out:
        rows.append((name, kt_, kv_, xs_, [float(v) for v in np.interp(xs_, kt_, kv_)]))
    return rows


# ---- Open SDG progress rule (transcribed from docs/progress-methodology.md) ----------


def sdg_rule(y0, t0, yi, ti, target, tT, direction, limit=None):
    """Returns (status, value) as the Open SDG document defines them."""
    dsign = 1 if direction == "positive" else -1
    if target == 0:
        target = 0.001                      # "If the target value is zero, ... 0.001"
    achieved = target is not None and (yi <= target if dsign < 0 else yi >= target)
    sign = -1 if y0 < 0 else 1              # all values negative: direction flipped
    if y0 == 0:
        y0 = 0.001                          # "If the base value is zero, ... 0.001"
    value = None
    if not ((y0 > 0 > yi) or (y0 < 0 < yi)) and ti - t0 >= 1:
        cagr_i = (yi / y0) ** (1.0 / (ti - t0)) - 1
        if target is None:
            value = sign * dsign * cagr_i
        else:
            cagr_t = (target / y0) ** (1.0 / (tT - t0)) - 1
            value = sign * dsign * cagr_i / abs(cagr_t)
    if achieved:
        return "target_achieved", value
    if value is None:
        return "not_available", None
    hi, med = (0.95, 0.6) if target is not None else (0.015, 0.005)
    if target is None and limit is not None:
        b, L = abs(y0), abs(limit)
        c = 1 if b >= 2 * L else (1 - (b / L) ** 4.44 if b <= L else 1 - ((2 * L - b) / L) ** 4.44)
        hi, med = hi * c, med * c
    if value >= hi:
        return "on_track", value
    if value >= med:
        return "needs_acceleration", value
    if value >= 0:
        return "limited_progress", value
    return "deterioration", value


def sdg_cases():
    out = []
    for ind in ["1-1-1", "11-5-1", "12-1-1", "15-4-1", "3-13-1", "9-6-1"]:
        opts, start = read_meta(os.path.join(DATA, f"meta_{ind}.md"))
        years, values = headline_series(os.path.join(DATA, f"indicator_{ind}.csv"), start)
        base_year = int(opts.get("base_year", 2015))
        direction = opts.get("direction", "negative")
        target = float(opts["target"])
        target_year = int(opts.get("target_year", 2030))
        by = base_year if base_year in years else min(y for y in years if y > base_year)
        y0 = values[years.index(by)]
        ti = max(years)
        yi = values[years.index(ti)]
        status, value = sdg_rule(y0, by, yi, ti, target, target_year, direction)
        out.append(dict(ind=ind, years=years, values=values, base_year=base_year,
                        target=target, target_year=target_year, direction=direction,
                        by=by, y0=y0, ti=ti, yi=yi, status=status, value=value))
    return out


# ---- output ----------------------------------------------------------------------------


def num(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NAN"
    return repr(float(x))


def arr(xs):
    return "{" + ", ".join(num(x) for x in xs) + "}"


def main():
    w = sys.stdout.write
    w("/*\n * forecast_values.h — GENERATED by tests/reference/forecast_ref.py; do not edit.\n")
    w(" * Reference values for src/engine/gp_forecast.c, computed independently of\n")
    w(" * gameplan's code with Python %s, numpy %s, scipy %s, statsmodels %s\n" %
      (sys.version.split()[0], np.__version__, scipy.__version__, statsmodels.__version__))
    w(" * (statsmodels OLS + get_prediction().summary_frame() obs_ci_lower/upper;\n")
    w(" * scipy.stats.t sf/cdf for p_meet; numpy.interp for trajectories; a Python\n")
    w(" * transcription of open-sdg docs/progress-methodology.md for the SDG status,\n")
    w(" * on the data in /work/shared/data/canada-cif).\n */\n")
    w("#ifndef FORECAST_VALUES_H\n#define FORECAST_VALUES_H\n\n#include <math.h>\n#include <stddef.h>\n\n")
    w("#define FREF_MAXN 32\n\n")
    w("typedef struct fref_forecast {\n"
      "  const char *name;     /* case name */\n"
      "  size_t n;             /* observations */\n"
      "  double t[FREF_MAXN];  /* times, years from the baseline period's start */\n"
      "  double y[FREF_MAXN];  /* values */\n"
      "  double t0;            /* time predicted (target period) */\n"
      "  double target;        /* target value */\n"
      "  int higher;           /* 1: higher is better, 0: lower is better */\n"
      "  double intercept, slope, sigma, df, mean, se_pred; /* statsmodels */\n"
      "  double pi80[2], pi95[2]; /* statsmodels obs_ci_lower/upper */\n"
      "  double p_meet;        /* scipy.stats.t sf (higher) or cdf (lower) */\n"
      "} fref_forecast;\n\n")
    w("static const fref_forecast fref_forecasts[] = {\n")
    for c in [fit(*c) for c in forecast_cases()]:
        assert c["n"] <= 32
        w("  {%s, %d,\n   %s,\n   %s,\n   %s, %s, %d,\n   %s, %s, %s, %s, %s, %s,\n   %s, %s,\n   %s},\n" % (
            '"' + c["name"] + '"', c["n"], arr(c["t"]), arr(c["y"]), num(c["t0"]),
            num(c["target"]), 1 if c["direction"] == "higher" else 0, num(c["intercept"]),
            num(c["slope"]), num(c["sigma"]), num(c["df"]), num(c["mean"]), num(c["se_pred"]),
            arr(c["pi80"]), arr(c["pi95"]), num(c["p_meet"])))
    w("};\n\n")
    w("typedef struct fref_trajectory {\n"
      "  const char *name;   /* case name */\n"
      "  size_t n;           /* knots */\n"
      "  double t[8];        /* knot times */\n"
      "  double v[8];        /* knot values */\n"
      "  size_t nx;          /* evaluation points */\n"
      "  double x[16];       /* evaluation times */\n"
      "  double expect[16];  /* numpy.interp(x, t, v) */\n"
      "} fref_trajectory;\n\n")
    w("static const fref_trajectory fref_trajectories[] = {\n")
    for name, t, v, xs, ex in trajectory_cases():
        w("  {\"%s\", %d, %s, %s,\n   %d, %s,\n   %s},\n" % (name, len(t), arr(t), arr(v),
                                                        len(xs), arr(xs), arr(ex)))
    w("};\n\n")
    w("typedef struct fref_sdg {\n"
      "  const char *indicator; /* CIF indicator */\n"
      "  size_t n;              /* observations in the headline series */\n"
      "  double year[64];       /* years */\n"
      "  double value[64];      /* values */\n"
      "  double base_year;      /* configured base year (Open SDG default 2015) */\n"
      "  double target, target_year; /* from the meta file */\n"
      "  int higher;            /* direction: 1 positive, 0 negative */\n"
      "  double picked_base_year, base_value, latest_year, latest_value; /* chosen points */\n"
      "  const char *status;    /* expected gp_sdg_status_name */\n"
      "  double value_r;        /* expected R (NAN when none) */\n"
      "} fref_sdg;\n\n")
    w("static const fref_sdg fref_sdgs[] = {\n")
    for c in sdg_cases():
        assert len(c["years"]) <= 64
        w("  {\"%s\", %d,\n   %s,\n   %s,\n   %s, %s, %s, %d, %s, %s, %s, %s, \"%s\", %s},\n" % (
            c["ind"], len(c["years"]), arr(c["years"]), arr(c["values"]), num(c["base_year"]),
            num(c["target"]), num(c["target_year"]), 1 if c["direction"] == "positive" else 0,
            num(c["by"]), num(c["y0"]), num(c["ti"]), num(c["yi"]), c["status"], num(c["value"])))
    w("};\n\n#endif\n")


if __name__ == "__main__":
    main()
