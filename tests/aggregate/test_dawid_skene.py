"""Tests for annotation.aggregate.dawid_skene, against crowd-kit's updates written out as loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from annotation.aggregate import DawidSkene, MajorityVote
from tests.fixtures.votes import simulate_votes


def reference_dawid_skene(votes: pd.DataFrame, labels: list[str], n_rounds: int) -> pd.DataFrame:
    """Dawid-Skene written out with loops (crowd-kit's updates), to check the vectorised one."""
    eps, k = 1e-10, len(labels)
    tasks = list(dict.fromkeys(votes["task"]))
    by_task = {t: [(w, labels.index(label)) for _, w, label in group.itertuples(index=False)]
               for t, group in votes[["task", "worker", "label"]].groupby("task", sort=False)}
    q = {t: np.bincount([c for _, c in by_task[t]], minlength=k) / len(by_task[t]) for t in tasks}
    for _ in range(n_rounds):
        prior = np.mean([q[t] for t in tasks], axis=0)
        errors: dict[str, np.ndarray] = {}
        for t in tasks:
            for w, given in by_task[t]:
                errors.setdefault(w, np.zeros((k, k)))[given] += q[t]
        for w in errors:
            errors[w] = np.clip(errors[w], eps, None)
            errors[w] /= errors[w].sum(axis=0)
        for t in tasks:
            log_joint = np.log(np.clip(prior, eps, None)) + sum(np.log(errors[w][given]) for w, given in by_task[t])
            q[t] = np.exp(log_joint - log_joint.max()) / np.exp(log_joint - log_joint.max()).sum()
    return pd.DataFrame([q[t] for t in tasks], index=pd.Index(tasks, name="task"),
                        columns=pd.Index(labels, name="label"))


@pytest.mark.parametrize("n_rounds", [0, 1, 7])
def test_ds_matches_reference_loops(n_rounds: int) -> None:
    votes, _ = simulate_votes(40, [0.9, 0.7, 0.5, 0.4], 3, seed=4)
    votes = votes.sample(frac=0.8, random_state=0).assign(label=lambda v: v["label"].map("abc".__getitem__))
    fitted = DawidSkene(n_iter=n_rounds, tol=0, labels=["a", "b", "c"]).fit_predict_proba(votes)
    expected = reference_dawid_skene(votes, ["a", "b", "c"], n_rounds)
    assert_frame_equal(fitted, expected, check_exact=False, atol=1e-9, rtol=0)


def test_ds_fitted_parameters(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    estimator = DawidSkene(labels=toy_labels).fit(toy_votes)
    assert estimator.priors_.name == "prior"
    np.testing.assert_allclose(estimator.priors_.to_numpy(), [0.2, 0.4, 0.2, 0.2])
    errors = estimator.errors_
    assert errors.index.names == ["worker", "label"]
    assert errors.columns.name == "true_label"
    assert errors.shape == (5 * 4, 4)
    np.testing.assert_allclose(errors.groupby(level="worker").sum(), 1.0)
    assert errors.loc[("w4", "favor")].round(6).tolist() == [1.0, 1.0, 1.0, 1.0]  # says favor anyway
    assert errors.loc["w1"].round(6).to_numpy().diagonal().tolist() == [1.0, 1.0, 1.0, 1.0]


def test_ds_loss_never_decreases_and_stops_early() -> None:
    votes, _ = simulate_votes(300, [0.9, 0.8, 0.6, 0.5, 0.3], 4, seed=5)
    estimator = DawidSkene(n_iter=500, tol=1e-6).fit(votes)
    assert estimator.n_iter_ == len(estimator.loss_history_) < 500
    assert np.all(np.diff(estimator.loss_history_) >= -1e-12)


def test_ds_n_iter_zero_is_majority_vote_shares(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    estimator = DawidSkene(n_iter=0, labels=toy_labels).fit(toy_votes)
    assert_frame_equal(estimator.probas_, MajorityVote(labels=toy_labels).fit_predict_proba(toy_votes))
    assert estimator.loss_history_ == []


def test_ds_beats_majority_vote_with_unreliable_workers() -> None:
    votes, truth = simulate_votes(400, [0.85, 0.8, 0.35, 0.3, 0.3], 3, seed=6)
    mv = (MajorityVote().fit_predict(votes) == truth).mean()
    ds = (DawidSkene().fit_predict(votes) == truth).mean()
    assert ds > mv + 0.05


@pytest.mark.parametrize(("params", "message"), [
    ({"n_iter": -1}, r"n_iter=-1 must be an integer >= 0"),
    ({"n_iter": 2.5}, r"n_iter=2.5 must be an integer >= 0"),
    ({"tol": -1e-3}, r"tol=-0.001 must be a number >= 0"),
])
def test_ds_bad_parameters(toy_votes: pd.DataFrame, params: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DawidSkene(**params).fit(toy_votes)  # type: ignore[arg-type]
