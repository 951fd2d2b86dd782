"""Funnel-plot scan in vectorised NumPy/SciPy: an independent implementation
of the method in docs/methods/scan.md (FunnelPlotR / Spiegelhalter 2005), used

  * by tests/reference/scan_ref.py to produce reference values for our C tests
    (cross-checked there against statsmodels for the regressions), and
  * as the peer implementation in bench/scan.sh.

Written from the formulas, not from gameplan's C code. Run with /usr/bin/python3
(Debian numpy/scipy).
"""
import numpy as np
from scipy import stats
from scipy.special import erfc


def _design(X):
    X = np.asarray(X, float)
    if X.ndim == 1:
        X = X[:, None]
    return np.column_stack([np.ones(len(X)), X])


def fit_wls(y, X, w):
    """Weighted least squares: coefficients (intercept first), fitted values."""
    A = _design(X)
    Aw = A * w[:, None]
    beta = np.linalg.solve(A.T @ Aw, Aw.T @ y)
    return beta, A @ beta


def fit_glm(y, X, family, extra, tol=1e-10, maxit=100):
    """IRLS for logistic (extra = trials) or Poisson (extra = offset) regression.
    Returns coefficients (intercept first) and fitted means."""
    A = _design(X)
    # centre/scale for conditioning, transform back at the end
    mu_x = A[:, 1:].mean(0)
    sd_x = A[:, 1:].std(0)
    As = A.copy()
    As[:, 1:] = (A[:, 1:] - mu_x) / sd_x
    r0 = y.sum() / extra.sum()
    b = np.zeros(A.shape[1])
    b[0] = np.log(r0 / (1 - r0)) if family == "logistic" else np.log(r0)
    for _ in range(maxit):
        eta = As @ b
        if family == "logistic":
            p = 1 / (1 + np.exp(-eta))
            var = p * (1 - p)
            w = extra * var
            z = eta + (y / extra - p) / var
        else:
            mu = extra * np.exp(eta)
            w = mu
            z = eta + (y - mu) / mu
        Aw = As * w[:, None]
        bn = np.linalg.solve(As.T @ Aw, Aw.T @ z)
        delta = np.max(np.abs(bn - b) / (1 + np.abs(bn)))
        b = bn
        if delta <= tol:
            break
    eta = As @ b
    fitted = extra / (1 + np.exp(-eta)) if family == "logistic" else extra * np.exp(eta)
    beta = np.empty_like(b)
    beta[1:] = b[1:] / sd_x
    beta[0] = b[0] - (beta[1:] * mu_x).sum()
    return beta, fitted


def quantile7(x, p):
    return np.quantile(x, p)  # numpy's default "linear" is Hyndman-Fan type 7


def poisson_limits(e, level):
    a = (1 - level) / 2
    return stats.chi2.ppf(a, 2 * e) / (2 * e), stats.chi2.ppf(1 - a, 2 * (e + 1)) / (2 * e)


def bh(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1)
    return out


def scan(kind, obs, den=None, se=None, X=None, od="additive", trim=0.1, trim_method=None,
         levels=(0.95, 0.998), fdr=0.05, shrink_level=0.95, target=None):
    """kind: 'sr' | 'proportion' | 'ratio' | 'score'. Returns a dict of arrays."""
    obs = np.asarray(obs, float)
    adjusted = X is not None and np.size(X) > 0
    out = {}
    if adjusted:
        if kind == "score":
            w = 1 / np.asarray(se, float) ** 2
            beta, fitted = fit_wls(obs, X, w)
        elif kind == "proportion":
            beta, fitted = fit_glm(obs, X, "logistic", np.asarray(den, float))
        else:
            beta, fitted = fit_glm(obs, X, "poisson", np.asarray(den, float))
        out["beta"] = beta
        if kind != "score":
            kind, den = "sr", fitted
    out["as"] = kind
    if kind == "score":
        se = np.asarray(se, float)
        w = 1 / se ** 2
        t = target if target is not None else (w * obs).sum() / w.sum()
        expected = fitted if adjusted else np.full(len(obs), t)
        Y = obs - expected
        S = se
        theta = 0.0
        ind = Y
        x = w
        out["target"] = 0.0 if adjusted else t
    elif kind == "sr":
        den = np.asarray(den, float)
        t = target if target is not None else 1.0
        theta = np.log(t)
        Y = np.log(np.where(obs > 0, obs, 0.5) / den)
        S = 1 / np.sqrt(den)
        ind = obs / den
        expected = den
        x = den
        out["target"] = t
    else:
        den = np.asarray(den, float)
        t = target if target is not None else obs.sum() / den.sum()
        ind = obs / den
        expected = t * den
        x = den
        if kind == "proportion":
            theta = np.arcsin(np.sqrt(t))
            Y = np.arcsin(np.sqrt(ind))
            S = 1 / (2 * np.sqrt(den))
        else:
            theta = np.log(t)
            Y = np.log((obs + 0.5) / (den + 0.5))
            S = np.sqrt(obs / (obs + 0.5) ** 2 + den / (den + 0.5) ** 2)
        out["target"] = t
    z0 = (Y - theta) / S
    tm = trim_method or ("truncate" if kind == "sr" else "winsorise")
    n = len(z0)
    if trim == 0:
        keep = np.ones(n, bool)
        phi = np.mean(z0 ** 2)
    elif tm == "winsorise":
        lz, uz = quantile7(z0, trim), quantile7(z0, 1 - trim)
        phi = np.mean(np.clip(z0, lz, uz) ** 2)
        keep = np.ones(n, bool)
    else:
        k = 1 / trim
        sp = np.floor(stats.rankdata(z0) * k / (n + 1))
        keep = (sp > 0) & (sp < k - 1)
        phi = np.mean(z0[keep] ** 2)
    nk = keep.sum()
    wk = 1 / S[keep] ** 2
    if nk * phi < nk - 1:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (nk * phi - (nk - 1)) / (wk.sum() - (wk ** 2).sum() / wk.sum()))
    applied = od != "none" and phi > 1
    if not applied:
        z = z0
    elif od == "additive":
        z = (Y - theta) / np.sqrt(S ** 2 + tau2)
    else:
        z = (Y - theta) / (S * np.sqrt(phi))
    p = erfc(np.abs(z) / np.sqrt(2))
    q = bh(p)

    def back(v):
        if kind in ("sr", "ratio"):
            return np.exp(v)
        if kind == "proportion":
            return np.sin(np.clip(v, 0, np.pi / 2)) ** 2
        return v

    def s_at(xx):
        if kind in ("sr", "score"):
            return 1 / np.sqrt(xx)
        if kind == "proportion":
            return 1 / (2 * np.sqrt(xx))
        o = t * xx
        return np.sqrt(o / (o + 0.5) ** 2 + xx / (xx + 0.5) ** 2)

    lims = {}
    flags = {}
    for lev in levels:
        zq = stats.norm.ppf((1 + lev) / 2)
        if not applied and kind == "sr":
            lo, hi = poisson_limits(x, lev)
            lo, hi = lo * t, hi * t
        elif not applied and kind == "ratio":
            lo, hi = poisson_limits(t * x, lev)
            lo, hi = lo * t, hi * t
        elif not applied and kind == "proportion":
            h = zq * np.sqrt(t * (1 - t) / x)
            lo, hi = np.maximum(t - h, 0), np.minimum(t + h, 1)
        else:
            v = s_at(x) ** 2
            if applied:
                v = v + tau2 if od == "additive" else v * phi
            lo, hi = back(theta - zq * np.sqrt(v)), back(theta + zq * np.sqrt(v))
        lims[lev] = (lo, hi)
        flags[lev] = np.where(ind > hi, 1, np.where(ind < lo, -1, 0))
    B = tau2 / (tau2 + S ** 2)
    est = theta + B * (Y - theta)
    sd = np.sqrt(B) * S
    zs = stats.norm.ppf((1 + shrink_level) / 2)
    out.update(dict(expected=expected, indicator=ind, se=S, z=z, p=p, q=q, phi=phi, tau2=tau2,
                    applied=applied, limits=lims, flags=flags, shrunk=back(est),
                    shrunk_lo=back(est - zs * sd), shrunk_hi=back(est + zs * sd),
                    discoveries=int((q <= fdr).sum())))
    return out
