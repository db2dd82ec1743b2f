"""Bradley–Terry by maximum likelihood: the fit, its covariance, and the bootstrap.

The model (LMArena's, see the README's "Arena" section): each contestant k has a strength
θ_k in logits, and the answer shown first (a) beats the other (b) with probability

    P(a beats b) = σ(θ_a − θ_b + z·γ)

where σ is the logistic function and z are optional style covariates of the battle (style
control; γ their effects). A tie or "both bad" counts as half a win for each side: its
outcome is y = ½ in the log-likelihood Σ w [y log P + (1 − y) log (1 − P)].

The fit maximises that likelihood with a small Gaussian prior (ridge) on every parameter:
− ½ λ ‖θ, γ‖². Without it the strengths are only defined up to a constant per connected
group of contestants, and a contestant that won every battle has no finite maximum
(perfect separation). With it the estimate is unique and finite, each group's strengths
average to exactly zero (the prior's gradient must cancel the likelihood's, whose sum over
a group is zero), and for any contestant with both wins and losses the effect of λ is far
below the statistical error. `scipy.optimize.minimize` ("trust-exact", with the exact
gradient and Hessian) does the work; nothing here depends on the order of the battles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SCALE = 400.0 / math.log(10.0)  # rating points per logit: the familiar Elo scale
CENTER = 1000.0  # the mean rating of the contestants of a group
DEFAULT_PRIOR = 1.0 / 16.0  # λ: a N(0, 4²) prior on each strength, in logits
Z95 = 1.959963984540054  # two-sided 95 % normal quantile

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class _Rows:
    """Battles (or distinct kinds of battle, with their counts as weights) as arrays."""

    n_models: int
    a: IntArray
    b: IntArray
    y: FloatArray  # the first side's score: 1, ½ or 0
    style: FloatArray  # shape (rows, covariates); zero columns without style control

    @property
    def n_params(self) -> int:
        return self.n_models + int(self.style.shape[1])


@dataclass(frozen=True, slots=True)
class BattleData:
    """Battles as arrays; index k of a/b is a contestant, `cluster` the vote it came from.

    `distinct` holds each different (a, b, outcome, covariates) once and `row` maps every
    battle to it: without style control a board of thousands of battles has only a few
    hundred distinct ones, and the fit (and each bootstrap round) runs on those."""

    battles: _Rows
    cluster: IntArray  # 0 … n_clusters − 1
    n_clusters: int
    distinct: _Rows
    row: IntArray

    @property
    def n_models(self) -> int:
        return self.battles.n_models

    @property
    def n_params(self) -> int:
        return self.battles.n_params

    @classmethod
    def build(cls, n_models: int, a: list[int], b: list[int], y: list[float],
              cluster: list[int], style: list[list[float]] | None = None) -> BattleData:
        """Arrays in a canonical order (sorted by their content), so that the same battles in
        any order give bit-for-bit the same fit."""
        n = len(a)
        style_rows = style if style is not None else [[] for _ in range(n)]
        width = len(style_rows[0]) if n else 0
        rows = sorted(zip(a, b, y, cluster, (tuple(s) for s in style_rows), strict=True))
        battles = _Rows(
            n_models,
            a=np.array([r[0] for r in rows], dtype=np.intp),
            b=np.array([r[1] for r in rows], dtype=np.intp),
            y=np.array([r[2] for r in rows], dtype=np.float64),
            style=np.array([r[4] for r in rows], dtype=np.float64).reshape(n, width))
        table = np.column_stack([battles.a, battles.b, battles.y, battles.style]).reshape(
            n, 3 + width)
        kinds, row = np.unique(table, axis=0, return_inverse=True)
        distinct = _Rows(n_models, kinds[:, 0].astype(np.intp), kinds[:, 1].astype(np.intp),
                         np.ascontiguousarray(kinds[:, 2]),
                         np.ascontiguousarray(kinds[:, 3:]))
        return cls(battles, np.array([r[3] for r in rows], dtype=np.intp),
                   (max(cluster) + 1) if cluster else 0, distinct,
                   np.asarray(row, dtype=np.intp).reshape(n))

    def weights(self, per_battle: FloatArray | None = None) -> FloatArray:
        """Weights of the distinct battles: how many times each occurs (or the sum of
        `per_battle` over its occurrences)."""
        return np.bincount(self.row, per_battle, len(self.distinct.y)).astype(np.float64)


@dataclass(frozen=True, slots=True)
class Fit:
    params: FloatArray  # θ (n_models) then γ (covariates)
    hessian: FloatArray  # of the penalised negative log-likelihood at the estimate
    converged: bool
    message: str
    n_models: int

    @property
    def theta(self) -> FloatArray:
        return self.params[:self.n_models]

    @property
    def gamma(self) -> FloatArray:
        return self.params[self.n_models:]


def _linear(params: FloatArray, data: _Rows) -> FloatArray:
    k = data.n_models
    x = params[:k][data.a] - params[:k][data.b]
    if data.style.shape[1]:
        x = x + data.style @ params[k:]
    return x


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float64)


def _objective(params: FloatArray, data: _Rows, w: FloatArray,
               prior: float) -> tuple[float, FloatArray]:
    x = _linear(params, data)
    # −[y log σ(x) + (1 − y) log σ(−x)], written so that no exp() can overflow.
    losses = data.y * np.logaddexp(0.0, -x) + (1.0 - data.y) * np.logaddexp(0.0, x)
    loss = float(w @ losses) + 0.5 * prior * float(params @ params)
    r = w * (_sigmoid(x) - data.y)  # d loss / d x, per battle
    k = data.n_models
    grad = np.empty_like(params)
    grad[:k] = np.bincount(data.a, r, k) - np.bincount(data.b, r, k)
    grad[k:] = data.style.T @ r
    return loss, grad + prior * params


def _hessian(params: FloatArray, data: _Rows, w: FloatArray, prior: float) -> FloatArray:
    k, p = data.n_models, data.n_params
    prob = _sigmoid(_linear(params, data))
    h = w * prob * (1.0 - prob)
    hess = np.zeros((p, p))
    pairs = np.bincount(data.a * k + data.b, h, k * k).reshape(k, k)
    hess[:k, :k] = -(pairs + pairs.T)
    hess[np.arange(k), np.arange(k)] += np.bincount(data.a, h, k) + np.bincount(data.b, h, k)
    if p > k:
        hz = h[:, None] * data.style
        cross = np.stack([np.bincount(data.a, hz[:, s], k) - np.bincount(data.b, hz[:, s], k)
                          for s in range(p - k)], axis=1)
        hess[:k, k:] = cross
        hess[k:, :k] = cross.T
        hess[k:, k:] = data.style.T @ hz
    hess[np.arange(p), np.arange(p)] += prior
    return hess


def fit(data: BattleData, *, prior: float = DEFAULT_PRIOR, weights: FloatArray | None = None,
        start: FloatArray | None = None, polish: bool = True) -> Fit:
    """The penalised maximum-likelihood estimate (see the module's docstring). `polish`
    takes it to the last digits (the bootstrap's percentiles do not need them)."""
    from scipy.optimize import minimize, root

    if not prior > 0:
        raise ValueError("the prior must be positive (it makes the estimate unique)")
    rows = data.distinct
    w = data.weights(weights)
    x0 = np.zeros(data.n_params) if start is None else start
    result = minimize(_objective, x0, args=(rows, w, prior), jac=True, hess=_hessian,
                      method="trust-exact", options={"gtol": 1e-10, "maxiter": 500})
    params = np.asarray(result.x, dtype=np.float64)

    def gradient(x: FloatArray) -> FloatArray:
        return _objective(x, rows, w, prior)[1]

    # A trust region stops once rounding in the objective hides further progress, with a
    # gradient still around 1e-7 per battle. Solving "gradient = 0" from there (MINPACK's
    # hybrid method, with the exact Hessian) takes the last digits.
    before = after = float(np.abs(gradient(params)).max(initial=0.0))
    if polish:
        polished = root(gradient, params, jac=lambda x: _hessian(x, rows, w, prior),
                        method="hybr", options={"xtol": 1e-13})
        after = float(np.abs(gradient(polished.x)).max(initial=0.0))
        if after < before:
            params = np.asarray(polished.x, dtype=np.float64)
    # The gradient is a sum over battles: its rounding error grows with their number.
    converged = min(before, after) <= 1e-7 * max(1.0, float(w.sum()))
    return Fit(params, _hessian(params, rows, w, prior), converged, str(result.message),
               data.n_models)


def model_covariance(result: Fit) -> FloatArray:
    """The inverse Hessian: the model-based (Laplace) covariance under the prior."""
    return np.asarray(np.linalg.inv(result.hessian), dtype=np.float64)


def sandwich_covariance(result: Fit, data: BattleData) -> FloatArray:
    """Huber–White covariance H⁻¹ M H⁻¹, with M summed over votes (clusters): the battles of
    one ranking are not independent, so their scores are added before squaring. The usual
    small-sample factor C / (C − 1) is applied."""
    from scipy.sparse import coo_matrix

    k, p, each = data.n_models, data.n_params, data.battles
    r = each.y - _sigmoid(_linear(result.params, each))
    rows = [data.cluster, data.cluster]
    cols = [each.a, each.b]
    values = [r, -r]
    for s in range(p - k):
        rows.append(data.cluster)
        cols.append(np.full(len(r), k + s, dtype=np.intp))
        values.append(r * each.style[:, s])
    scores = coo_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(max(data.n_clusters, 1), p)).tocsr()
    meat = np.asarray((scores.T @ scores).toarray(), dtype=np.float64)
    c = data.n_clusters
    if c > 1:
        meat *= c / (c - 1)
    inverse = model_covariance(result)
    return np.asarray(inverse @ meat @ inverse, dtype=np.float64)


def bootstrap(data: BattleData, result: Fit, *, rounds: int, seed: int,
              prior: float = DEFAULT_PRIOR) -> FloatArray:
    """Parameters refitted on `rounds` resamples of the votes (with replacement, a vote's
    battles together), as LMArena's leaderboard does it; shape (rounds, parameters)."""
    if rounds < 1:
        raise ValueError("the bootstrap needs at least one round")
    rng = np.random.default_rng(seed)
    c = max(data.n_clusters, 1)
    draws = rng.multinomial(c, np.full(c, 1.0 / c), size=rounds)
    out = np.empty((rounds, data.n_params))
    for i, counts in enumerate(draws):
        weights = counts[data.cluster].astype(np.float64)
        out[i] = fit(data, prior=prior, weights=weights, start=result.params,
                     polish=False).params
    return out


def components(n_models: int, a: IntArray, b: IntArray, *, strong: bool = False,
               y: FloatArray | None = None) -> IntArray:
    """The group of each contestant. Weak: contestants linked by any chain of battles
    (strengths are comparable only inside a group). Strong (needs y): linked both ways by
    "won or tied against" chains; a group that splits into several strong parts has no
    finite maximum-likelihood estimate (some part won every battle against another)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if strong:
        if y is None:
            raise ValueError("strong components need the outcomes")
        won_a, won_b = y > 0, y < 1  # a won or tied / b won or tied
        src = np.concatenate([a[won_a], b[won_b]])
        dst = np.concatenate([b[won_a], a[won_b]])
    else:
        src, dst = a, b
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_models, n_models))
    _, labels = connected_components(graph, directed=strong,
                                     connection="strong" if strong else "weak")
    return np.asarray(labels, dtype=np.intp)


def centred_ratings(theta: FloatArray, groups: IntArray) -> FloatArray:
    """Ratings on the familiar scale: 400 / ln 10 points per logit, each group's mean 1000."""
    out = np.empty_like(theta)
    for g in np.unique(groups):
        members = groups == g
        out[members] = CENTER + SCALE * (theta[members] - theta[members].mean())
    return out


def rating_contrasts(groups: IntArray, n_params: int,
                     reference: NDArray[np.bool_] | None = None) -> FloatArray:
    """Rows c_k with c_k · params = θ_k minus the mean θ of its group's reference members
    (all of the group when `reference` is None or names none of it)."""
    k = len(groups)
    out = np.zeros((k, n_params))
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        peers = members if reference is None else members[reference[members]]
        if not len(peers):
            peers = members
        out[np.ix_(members, peers)] = -1.0 / len(peers)
    out[np.arange(k), np.arange(k)] += 1.0
    return out


def core_members(groups: IntArray, strong: IntArray, played: IntArray) -> NDArray[np.bool_]:
    """Contestants in the largest strongly connected part of their group (ties broken by
    battles played): the part whose strengths the data pin down. The others won, or lost,
    every battle against it, and only the prior holds their strengths."""
    core = np.zeros(len(groups), dtype=bool)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        parts = {int(c): members[strong[members] == c] for c in np.unique(strong[members])}
        best = max(parts, key=lambda c: (len(parts[c]), int(played[parts[c]].sum()), -c))
        core[parts[best]] = True
    return core
