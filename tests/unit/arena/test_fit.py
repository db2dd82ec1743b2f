"""The leaderboard's numbers against answers known in advance or computed independently:
closed forms, a Newton–Raphson and Hunter's MM algorithm written here, and simulations from
known strengths."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from studio.core.arena import Vote
from studio.core.arena_board import BoardOptions, Leaderboard, leaderboard, wilson
from studio.core.arena_fit import CENTER, DEFAULT_PRIOR, SCALE, Z95

from .sim import pair, repeat, simulate, true_ratings

TINY = 1e-9  # a prior too weak to matter: the plain maximum-likelihood estimate


def ratings(board: Leaderboard) -> dict[str, float]:
    return {r.model: r.rating for r in board.models}


# ----------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize(("wins", "losses", "ties"), [(7, 3, 0), (12, 5, 6), (1, 1, 0),
                                                      (30, 70, 10)])
def test_two_models_have_the_closed_form_estimate_and_interval(
        wins: int, losses: int, ties: int) -> None:
    board = leaderboard(repeat("x", "y", wins, losses, ties), BoardOptions(prior=TINY))
    n = wins + losses + ties
    p = (wins + ties / 2) / n  # the MLE of P(x beats y): its share of the points
    logit = math.log(p / (1 - p))
    x, y = board.row("x"), board.row("y")
    assert x.rating == pytest.approx(CENTER + SCALE * logit / 2, abs=1e-6)
    assert y.rating == pytest.approx(CENTER - SCALE * logit / 2, abs=1e-6)
    # The familiar Elo reading: a gap of D points means P = 1 / (1 + 10^(−D / 400)).
    assert 1 / (1 + 10 ** (-(x.rating - y.rating) / 400)) == pytest.approx(p, abs=1e-7)
    # Var of θx − mean = Var(d) / 4. Model-based: 1 / (n p (1 − p)); robust: the squared
    # residuals over the squared information, times C / (C − 1) (one vote per battle).
    info = n * p * (1 - p)
    residuals = wins * (1 - p) ** 2 + losses * p ** 2 + ties * (0.5 - p) ** 2
    robust = residuals / info ** 2 * n / (n - 1)
    half = Z95 * SCALE * math.sqrt(max(robust, 1 / info) / 4)
    assert x.ci_high - x.rating == pytest.approx(half, rel=1e-6)
    assert x.rating - x.ci_low == pytest.approx(half, rel=1e-6)
    assert (x.battles, x.wins, x.losses, x.ties) == (n, wins, losses, ties)
    assert (y.wins, y.losses) == (losses, wins)


def test_mean_rating_is_1000_and_a_logit_is_400_over_ln10_points() -> None:
    votes = simulate({"a": 1.2, "b": 0.3, "c": -0.1, "d": -2.0}, 3000, seed=4)
    board = leaderboard(votes)
    assert sum(r.rating for r in board.models) / 4 == pytest.approx(1000.0, abs=1e-9)
    assert math.isclose(SCALE, 400 / math.log(10)) and round(SCALE, 4) == 173.7178
    # P(a beats d) read from the ratings as Elo does equals the fit's own prediction.
    a, d = board.row("a"), board.row("d")
    predicted = board.pair("a", "d")
    assert predicted is not None and predicted.predicted is not None
    assert 1 / (1 + 10 ** ((d.rating - a.rating) / 400)) == pytest.approx(predicted.predicted)


def test_only_ties_give_equal_ratings() -> None:
    votes = repeat("x", "y", 0, 0, 5) + repeat("y", "z", 0, 0, 3) + [
        pair("x", "z", "both_bad")]
    board = leaderboard(votes)
    assert all(r.rating == pytest.approx(1000.0, abs=1e-9) for r in board.models)
    x = board.row("x")
    assert (x.wins, x.losses, x.ties, x.both_bad) == (0, 0, 6, 1)
    assert board.position_bias.decisive == 0 and board.position_bias.rate is None


def test_both_bad_counts_as_a_tie() -> None:
    tie = leaderboard(repeat("x", "y", 4, 1, 3))
    both_bad = leaderboard(repeat("x", "y", 4, 1) + [pair("x", "y", "both_bad")] * 3)
    assert ratings(tie) == pytest.approx(ratings(both_bad))


# ----------------------------------------------------------------- independent computations


def _newton(votes: list[Vote], prior: float) -> dict[str, float]:
    """The penalised MLE by plain Newton–Raphson on the design matrix."""
    names = sorted({e.model for v in votes for e in v.entries})
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(votes), len(names)))
    y = np.zeros(len(votes))
    for row, vote in enumerate(votes):
        x[row, index[vote.entries[0].model]] = 1.0
        x[row, index[vote.entries[1].model]] = -1.0
        y[row] = {"a": 1.0, "b": 0.0}.get(vote.verdict, 0.5)
    theta = np.zeros(len(names))
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ theta)))
        grad = x.T @ (y - p) - prior * theta
        hess = x.T @ (x * (p * (1 - p))[:, None]) + prior * np.eye(len(names))
        step = np.linalg.solve(hess, grad)
        theta += step
        if np.abs(step).max() < 1e-13:
            break
    theta -= theta.mean()
    return {n: CENTER + SCALE * theta[i] for n, i in index.items()}


def _hunter_mm(votes: list[Vote]) -> dict[str, float]:
    """The plain MLE by Hunter's (2004) MM algorithm: γ_i ← W_i / Σ_j n_ij / (γ_i + γ_j),
    with a tie as half a win for each side."""
    names = sorted({e.model for v in votes for e in v.entries})
    wins = dict.fromkeys(names, 0.0)
    met: dict[tuple[str, str], int] = {}
    for vote in votes:
        a, b = vote.entries[0].model, vote.entries[1].model
        score = {"a": 1.0, "b": 0.0}.get(vote.verdict, 0.5)
        wins[a] += score
        wins[b] += 1 - score
        met[(a, b)] = met.get((a, b), 0) + 1
        met[(b, a)] = met.get((b, a), 0) + 1
    gamma = dict.fromkeys(names, 1.0)
    for _ in range(20000):
        new = {i: wins[i] / sum(n / (gamma[i] + gamma[j]) for (k, j), n in met.items() if k == i)
               for i in names}
        scale = math.exp(sum(math.log(g) for g in new.values()) / len(names))
        new = {i: g / scale for i, g in new.items()}
        done = max(abs(math.log(new[i] / gamma[i])) for i in names) < 1e-12
        gamma = new
        if done:
            break
    mean = sum(math.log(g) for g in gamma.values()) / len(names)
    return {n: CENTER + SCALE * (math.log(g) - mean) for n, g in gamma.items()}


def _uneven_votes() -> list[Vote]:
    """Five models, very uneven pairings, ties, each shown first or second."""
    return (repeat("a", "b", 40, 25, 10) + repeat("b", "a", 3, 9) + repeat("b", "c", 6, 2, 1)
            + repeat("c", "d", 2, 2, 4) + repeat("d", "e", 1, 3) + repeat("e", "a", 1, 2)
            + repeat("c", "a", 1, 4, 1) + repeat("e", "c", 2, 1))


def test_fit_equals_newton_raphson_with_the_same_prior() -> None:
    votes = _uneven_votes()
    for prior in (DEFAULT_PRIOR, 0.5):
        expected = _newton(votes, prior)
        assert ratings(leaderboard(votes, BoardOptions(prior=prior))) == pytest.approx(
            expected, abs=1e-6)


def test_fit_without_prior_equals_hunters_mm_algorithm() -> None:
    votes = _uneven_votes()
    assert ratings(leaderboard(votes, BoardOptions(prior=TINY))) == pytest.approx(
        _hunter_mm(votes), abs=1e-4)


def test_default_prior_moves_a_well_measured_board_far_less_than_its_error() -> None:
    votes = simulate({"a": 0.8, "b": 0.0, "c": -0.8}, 600, seed=2)
    plain = leaderboard(votes, BoardOptions(prior=TINY))
    default = leaderboard(votes)
    for row in default.models:
        assert abs(row.rating - plain.row(row.model).rating) < 0.05 * (row.ci_high - row.ci_low)


# ------------------------------------------------------------------- known-strength simulations

STRENGTHS = {"m1": 1.4, "m2": 0.9, "m3": 0.35, "m4": 0.0, "m5": -0.6, "m6": -1.5}


def test_known_strengths_are_recovered_within_the_intervals() -> None:
    board = leaderboard(simulate(STRENGTHS, 6000, seed=11))
    truth = true_ratings(STRENGTHS)
    for row in board.models:
        assert row.ci_low <= truth[row.model] <= row.ci_high, row
    assert [r.model for r in board.models] == sorted(STRENGTHS, key=lambda m: -STRENGTHS[m])
    assert board.models[0].rank_range == (1, 1) and board.models[-1].rank_range == (6, 6)


@pytest.mark.parametrize("interval", ["sandwich", "bootstrap"])
def test_intervals_cover_the_truth_about_95_percent_of_the_time(interval: str) -> None:
    truth = true_ratings(STRENGTHS)
    inside = total = 0
    simulations = 60 if interval == "sandwich" else 16
    for seed in range(simulations):
        board = leaderboard(simulate(STRENGTHS, 400, seed=100 + seed),
                            BoardOptions(interval=interval, rounds=60, seed=seed))  # type: ignore[arg-type]
        for row in board.models:
            inside += row.ci_low <= truth[row.model] <= row.ci_high
            total += 1
    # 360 (96) intervals: coverage has a standard error of about 1.1 (2.2) points.
    assert (0.90 if interval == "sandwich" else 0.85) <= inside / total <= 0.995


def test_bootstrap_and_sandwich_intervals_agree_on_plenty_of_data() -> None:
    votes = simulate(STRENGTHS, 3000, seed=5)
    sandwich = leaderboard(votes)
    boot = leaderboard(votes, BoardOptions(interval="bootstrap", rounds=300, seed=1))
    for row in sandwich.models:
        other = boot.row(row.model)
        assert other.rating == row.rating  # the point estimate is the full-data fit
        assert (other.ci_high - other.ci_low) == pytest.approx(row.ci_high - row.ci_low,
                                                               rel=0.2)


def test_uneven_pairings_give_narrow_and_wide_intervals_both_right() -> None:
    strengths = {"a": 0.7, "b": 0.0, "c": -0.4}
    schedule = [("a", "b")] * 50 + [("b", "c")] * 3 + [("a", "c")]
    board = leaderboard(simulate(strengths, 2700, seed=8, schedule=schedule))
    truth = true_ratings(strengths)
    for row in board.models:
        assert row.ci_low <= truth[row.model] <= row.ci_high
    width = {r.model: r.ci_high - r.ci_low for r in board.models}
    assert width["c"] > 1.5 * width["a"]
    ab = board.pair("a", "b")
    assert ab is not None and ab.battles > 10 * board.pair("b", "c").battles  # type: ignore[union-attr]


def test_a_model_with_one_battle_gets_a_finite_rating_and_a_wide_interval() -> None:
    votes = [*simulate({"a": 0.5, "b": 0.0, "c": -0.5}, 300, seed=3), pair("new", "b", "b")]
    board = leaderboard(votes)
    new = board.row("new")
    assert new.battles == 1 and new.losses == 1
    assert math.isfinite(new.rating) and new.rating < board.row("b").rating
    assert new.ci_high - new.ci_low > 4 * (board.row("b").ci_high - board.row("b").ci_low)
    assert new.rank_range[1] == 4 and new.rank_range[0] <= 3
    assert new.separated  # it lost its only battle: the prior holds its rating up


def test_a_model_that_always_wins_is_finite_marked_and_held_by_the_prior() -> None:
    votes = simulate({"a": 0.3, "b": 0.0, "c": -0.3}, 300, seed=6)
    votes += repeat("champ", "a", 10, 0) + repeat("b", "champ", 0, 10)
    board = leaderboard(votes)
    champ = board.row("champ")
    assert math.isfinite(champ.rating) and board.models[0].model == "champ"
    assert champ.separated and not board.row("a").separated
    assert champ.wins == 20 and champ.losses == 0
    assert any("rest on the prior" in n for n in board.notes)
    # The estimate exists only through the prior: a weaker prior lets it run off.
    weaker = leaderboard(votes, BoardOptions(prior=DEFAULT_PRIOR / 100)).row("champ")
    assert weaker.rating > champ.rating + 200
    assert champ.ci_high - champ.ci_low > 3 * (board.row("a").ci_high - board.row("a").ci_low)


def test_disconnected_groups_are_reported_and_centred_separately() -> None:
    votes = simulate({"a": 1.0, "b": 0.0}, 80, seed=1) + simulate(
        {"x": 0.5, "y": 0.0, "z": -0.5}, 120, seed=2)
    board = leaderboard(votes)
    assert sorted(map(sorted, board.groups)) == [["a", "b"], ["x", "y", "z"]]
    assert board.groups[0] == tuple(r.model for r in board.models if r.group == 0)
    assert len(board.groups[0]) == 3  # the group with the most battles comes first
    for group in board.groups:
        assert sum(board.row(m).rating for m in group) / len(group) == pytest.approx(1000.0)
    # Ranks are counted inside a group; nothing is predicted across groups.
    assert {board.row(m).rank_range[1] for m in ("a", "b")} <= {1, 2}
    assert board.pair("a", "x") is None
    assert all(p.predicted is not None for p in board.pairs)
    assert any("groups" in n for n in board.notes)


def test_the_order_of_votes_does_not_matter() -> None:
    votes = simulate(STRENGTHS, 500, seed=9, tie_rate=0.2) + _uneven_votes()
    for options in (BoardOptions(), BoardOptions(interval="bootstrap", rounds=20, seed=3)):
        first = leaderboard(votes, options).to_json()
        for shuffle_seed in range(3):
            shuffled = list(votes)
            random.Random(shuffle_seed).shuffle(shuffled)
            assert leaderboard(shuffled, options).to_json() == first


# --------------------------------------------------------------------- style and position


def _style_votes(seed: int, effect: float) -> list[Vote]:
    """Three equally good models; one writes long answers, and length wins votes."""
    from studio.core.arena import Entry, pair_vote

    rng = random.Random(seed)
    habits = {"long": 1500, "mid": 800, "short": 300}
    votes = []
    names = sorted(habits)
    for _ in range(3000):
        a, b = rng.sample(names, 2)
        la = int(habits[a] * rng.uniform(0.5, 1.5))
        lb = int(habits[b] * rng.uniform(0.5, 1.5))
        p = 1 / (1 + math.exp(-effect * (la - lb) / (la + lb + 1)))
        votes.append(pair_vote(Entry(0, a, answer_chars=la), Entry(1, b, answer_chars=lb),
                               "a" if rng.random() < p else "b"))
    return votes


def test_style_control_separates_length_from_quality() -> None:
    votes = _style_votes(seed=1, effect=3.0)
    plain = leaderboard(votes)
    assert plain.models[0].model == "long" and plain.models[-1].model == "short"
    controlled = leaderboard(votes, BoardOptions(style_control=True))
    [style] = controlled.style
    assert style.feature == "answer_length" and style.ci_low > 0
    for row in controlled.models:
        assert row.ci_low <= 1000.0 <= row.ci_high  # equally good once length is accounted
    # The coefficient is in logits per RMS normalised difference: back to "per unit".
    diffs = [(v.entries[0].answer_chars - v.entries[1].answer_chars)  # type: ignore[operator]
             / (v.entries[0].answer_chars + v.entries[1].answer_chars + 1)  # type: ignore[operator]
             for v in votes]
    rms = math.sqrt(sum(d * d for d in diffs) / len(diffs))
    assert style.ci_low / rms <= 3.0 <= style.ci_high / rms


def test_position_bias_is_measured_with_a_wilson_interval() -> None:
    votes = simulate({"a": 0.0, "b": 0.0, "c": 0.0}, 2000, seed=4, first_bonus=0.6)
    bias = leaderboard(votes).position_bias
    expected = 1 / (1 + math.exp(-0.6))
    assert bias.ci_low is not None and bias.ci_high is not None
    assert bias.ci_low <= expected <= bias.ci_high and bias.decisive == 2000
    low, high = wilson(7, 10)  # by hand: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    assert (low, high) == pytest.approx((0.3967781, 0.8922087), abs=1e-6)


def test_pairwise_table_and_win_matrix() -> None:
    votes = repeat("a", "b", 3, 1, 2) + repeat("b", "c", 2, 0) + repeat("c", "a", 0, 1)
    board = leaderboard(votes)
    ab = board.pair("a", "b")
    assert ab is not None and (ab.a, ab.b) == ("a", "b")
    assert (ab.battles, ab.a_wins, ab.b_wins, ab.ties) == (6, 3, 1, 2)
    assert ab.win_fraction == 0.75
    names = [r.model for r in board.models]
    matrix = board.win_matrix()
    i, j = names.index("a"), names.index("b")
    assert matrix[i][j] == 0.75 and matrix[j][i] == 0.25 and matrix[i][i] is None
    assert board.battles == 9 and board.votes == 9


def test_no_votes_give_an_empty_board() -> None:
    board = leaderboard([])
    assert board.battles == 0 and board.models == () and board.to_json()["models"] == []
