"""A two-state (calm / flare) hidden Markov smoother on one region's morning pain (METHODS.md 4).

The ``rule="hmm"`` onset rule of :mod:`analysis.onsets` reads a whole episode,
not only the 3 mornings after a candidate day: a weak flare (peak 4-5 over a
resting 1) that stays a point or two up for a week or more gives no
conclusive 3-morning window under noise of SD 1, but its mornings together
are strong evidence. The model, per region and diary (retrospective: every
morning, earlier and later, informs every day):

* hidden state per **calendar day**: calm (0) or flare (1), a Markov chain
  that enters a flare with probability ``1 / calm_days`` a day and leaves it
  with ``1 / flare_days``; it starts in its stationary distribution;
* emission on a **logged** morning: Normal(mu0, sd0) when calm,
  Normal(mu0 + delta, sd1) in a flare, delta = max(``rise_points``,
  ``spread_multiplier`` x sd0) and sd1 = max(``flare_sd``, sd0); a day
  without a morning has no emission (likelihood 1 in both states), so gaps
  neither count for nor against a flare;
* mu0 and sd0 are the person's own baseline and noise: fitted per region by
  a few EM steps on the calm state only (weighted mean and SD of the
  mornings by their posterior probability of calm; sd0 at least
  ``min_spread``), starting from the median and the SD of the mornings up to
  the 90th percentile. The flare state's shape is fixed (not fitted): a
  flare-free diary would otherwise turn the upper tail of its noise into a
  "flare" state;
* the log-likelihood of each morning is multiplied by ``temper`` (< 1): the
  diary's noise is autocorrelated (lag-1 about 0.6), so consecutive mornings
  carry less independent evidence than the model's independence assumes.

The posterior probability of a flare on each day comes from the
forward-backward recursions with per-step scaling (Rabiner 1989, Proc IEEE
77:257). They are hand-written: with two states they take about twenty
lines, whereas hmmlearn (the usual library) has no missing observations (a
day without a morning would need a custom emission class), its EM would have
to be bent to fit the calm state only and to tie the flare mean to the calm
SD, and it would be a new dependency for every user. Plain Python floats in
the recursion are faster than numpy for a 2 x 2 step. A test checks the
posterior against brute-force enumeration of every hidden path.
"""

from __future__ import annotations

import math

import numpy as np

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _loglik(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return -0.5 * ((x - mean) / sd) ** 2 - math.log(sd) - _LOG_SQRT_2PI


def flare_posterior(
    x: np.ndarray,
    *,
    calm_mean: float,
    calm_sd: float,
    flare_mean: float,
    flare_sd: float,
    p_enter: float,
    p_exit: float,
    temper: float = 1.0,
) -> np.ndarray:
    """P(flare) on every calendar day given the whole series (forward-backward).

    Parameters
    ----------
    x : ndarray
        Morning pain per consecutive day (0-10 points; NaN = not logged).
    calm_mean, calm_sd, flare_mean, flare_sd : float
        Normal emissions of the two states (points).
    p_enter, p_exit : float
        Daily probability of calm -> flare and flare -> calm.
    temper : float
        Each morning's log-likelihood is multiplied by this (0-1].

    Returns
    -------
    ndarray
        Posterior probability of the flare state per day (NaN days included).
    """
    n = len(x)
    if n == 0:
        return np.zeros(0)
    logged = ~np.isnan(x)
    l0 = np.zeros(n)
    l1 = np.zeros(n)
    xv = x[logged]
    a = _loglik(xv, calm_mean, calm_sd) * temper
    b = _loglik(xv, flare_mean, flare_sd) * temper
    m = np.maximum(a, b)
    l0[logged], l1[logged] = a - m, b - m
    e0, e1 = np.exp(l0).tolist(), np.exp(l1).tolist()
    stay0, stay1 = 1.0 - p_enter, 1.0 - p_exit
    pi1 = p_enter / (p_enter + p_exit)
    f0, f1 = (1.0 - pi1) * e0[0], pi1 * e1[0]
    fwd0, fwd1 = [0.0] * n, [0.0] * n
    c = f0 + f1
    fwd0[0], fwd1[0] = f0 / c, f1 / c
    for t in range(1, n):
        p0, p1 = fwd0[t - 1], fwd1[t - 1]
        f0 = (p0 * stay0 + p1 * p_exit) * e0[t]
        f1 = (p0 * p_enter + p1 * stay1) * e1[t]
        c = f0 + f1
        fwd0[t], fwd1[t] = f0 / c, f1 / c
    post = [0.0] * n
    post[n - 1] = fwd1[n - 1]
    b0 = b1 = 1.0
    for t in range(n - 2, -1, -1):
        # backward message beta_t(i) = sum_j A[i, j] e_j(t+1) beta_{t+1}(j), rescaled
        n0 = stay0 * e0[t + 1] * b0 + p_enter * e1[t + 1] * b1
        n1 = p_exit * e0[t + 1] * b0 + stay1 * e1[t + 1] * b1
        s = n0 + n1
        b0, b1 = n0 / s, n1 / s
        g0, g1 = fwd0[t] * b0, fwd1[t] * b1
        post[t] = g1 / (g0 + g1)
    return np.asarray(post)


def fit_and_smooth(
    x: np.ndarray,
    *,
    rise_points: float,
    spread_multiplier: float,
    flare_sd: float,
    min_spread: float,
    calm_days: float,
    flare_days: float,
    temper: float,
    em_steps: int = 3,
) -> tuple[np.ndarray, float, float]:
    """(P(flare) per day, mu0, sd0): calm baseline and noise fitted by EM on the calm state.

    Parameters are those of the module notes (points and days). Fewer than 2
    logged mornings: P(flare) is 0 everywhere and mu0, sd0 are NaN.
    """
    logged = ~np.isnan(x)
    v = x[logged]
    if len(v) < 2:
        return np.zeros(len(x)), float("nan"), float("nan")
    mu = float(np.median(v))
    low = v[v <= np.quantile(v, 0.9)]
    sd = max(float(np.std(low, ddof=1)) if len(low) > 1 else 0.0, min_spread)
    post = np.zeros(len(x))
    for _ in range(max(int(em_steps), 1)):
        post = flare_posterior(
            x,
            calm_mean=mu,
            calm_sd=sd,
            flare_mean=mu + max(rise_points, spread_multiplier * sd),
            flare_sd=max(flare_sd, sd),
            p_enter=1.0 / calm_days,
            p_exit=1.0 / flare_days,
            temper=temper,
        )
        w = 1.0 - post[logged]
        if w.sum() < 2:
            break
        mu = float(np.sum(w * v) / w.sum())
        sd = max(float(np.sqrt(np.sum(w * (v - mu) ** 2) / w.sum())), min_spread)
    return post, mu, sd


def flare_runs(post: np.ndarray, x: np.ndarray, run_posterior: float) -> list[tuple[int, int]]:
    """(first, last) day positions of maximal runs of logged mornings with P(flare) >= ``run_posterior``.

    Unlogged days inside a run neither break nor extend it; a run starts and
    ends on logged mornings.
    """
    logged = np.flatnonzero(~np.isnan(x))
    runs: list[tuple[int, int]] = []
    first = last = None
    for t in logged:
        if post[t] >= run_posterior:
            if first is None:
                first = int(t)
            last = int(t)
        elif first is not None:
            runs.append((first, last))
            first = None
    if first is not None:
        runs.append((first, last))
    return runs
