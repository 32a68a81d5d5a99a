"""Tests for annotation.aggregate.dawid_skene: against crowd-kit's steps written out as loops, and
against crowd-kit itself when it is installed (``pip install .[bench]``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from annotation.aggregate import DawidSkene, MajorityVote
from tests.fixtures.votes import simulate_votes


def reference_dawid_skene(votes: pd.DataFrame, labels: list[str], n_iter: int, tol: float = 0.0) -> tuple[pd.DataFrame, list[float]]:
    """Dawid-Skene written out with loops, step by step as crowd-kit 1.4.2 does it: posteriors and
    the loss history, to check the vectorised one without crowd-kit."""
    eps, k = 1e-10, len(labels)
    tasks = list(dict.fromkeys(votes["task"]))
    by_task = {t: [(w, labels.index(label)) for _, w, label in group.itertuples(index=False)]
               for t, group in votes[["task", "worker", "label"]].groupby("task", sort=False)}
    q = {t: np.bincount([c for _, c in by_task[t]], minlength=k) / len(by_task[t]) for t in tasks}

    def m_step() -> dict[str, np.ndarray]:
        errors: dict[str, np.ndarray] = {}
        seen: dict[str, set[int]] = {}
        for t in tasks:
            for w, given in by_task[t]:
                errors.setdefault(w, np.zeros((k, k)))[given] += q[t]
                seen.setdefault(w, set()).add(given)
        for w in errors:  # only the rows of labels the worker gave are floored
            for given in seen[w]:
                errors[w][given] = np.maximum(errors[w][given], eps)
            errors[w] /= errors[w].sum(axis=0)
        return errors

    prior, errors = np.mean([q[t] for t in tasks], axis=0), m_step()
    history: list[float] = []
    loss = -np.inf
    for _ in range(n_iter):
        prior = np.maximum(prior, eps)
        for t in tasks:
            log_joint = np.log(prior) + sum(np.log(errors[w][given]) for w, given in by_task[t])
            q[t] = np.exp(log_joint - log_joint.max()) / np.exp(log_joint - log_joint.max()).sum()
        prior, errors = np.maximum(np.mean([q[t] for t in tasks], axis=0), eps), m_step()
        expectation = sum(q[t] @ (np.log(errors[w][given]) + np.log(prior)) for t in tasks for w, given in by_task[t])
        q = {t: np.maximum(q[t], eps) for t in tasks}
        entropy = -sum(q[t] @ np.log(q[t]) for t in tasks)
        history.append((expectation + entropy) / len(votes))
        if history[-1] - loss < tol:
            break
        loss = history[-1]
    probas = pd.DataFrame([q[t] for t in tasks], index=pd.Index(tasks, name="task"), columns=pd.Index(labels, name="label"))
    return probas, history


def mixed_skill_votes(n_tasks: int, n_workers: int, votes_per_task: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Votes on 3 labels (``a, b, c``) from a pool of mixed skill, each task by distinct workers:
    good, mediocre, near-random and adversarial workers (one fixed wrong label per true label)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, size=n_tasks, p=[0.5, 0.3, 0.2])
    confusion = np.empty((n_workers, 3, 3))  # [worker, true, given]
    for w in range(n_workers):
        accuracy = [0.9, 0.65, 0.35, 0.1][w % 4]
        for c in range(3):
            errors = rng.dirichlet(np.ones(2)) * (1 - accuracy) if w % 4 < 3 else np.array([1 - accuracy, 0.0])
            confusion[w, c] = np.insert(errors, c, accuracy)
    workers = np.argsort(rng.random((n_tasks, n_workers)), axis=1)[:, :votes_per_task].ravel()
    tasks = np.repeat(np.arange(n_tasks), votes_per_task)
    given = np.minimum((rng.random(len(tasks))[:, None] > confusion[workers, truth[tasks]].cumsum(axis=1)).sum(axis=1), 2)
    names = np.array([f"t{t:04d}" for t in range(n_tasks)])
    votes = pd.DataFrame({"task": names[tasks], "worker": [f"w{w:02d}" for w in workers], "label": np.array(list("abc"))[given]})
    order = rng.permutation(len(votes))  # votes in no particular order
    return votes.iloc[order].reset_index(drop=True), pd.Series(np.array(list("abc"))[truth], index=pd.Index(names, name="task"))


@pytest.mark.parametrize("n_iter", [0, 1, 7])
def test_ds_matches_reference_loops(n_iter: int) -> None:
    votes, _ = simulate_votes(40, [0.9, 0.7, 0.5, 0.4], 3, seed=4)
    votes = votes.sample(frac=0.8, random_state=0).assign(label=lambda v: v["label"].map("abc".__getitem__))
    fitted = DawidSkene(n_iter=n_iter, tol=0, labels=["a", "b", "c"]).fit(votes)
    expected, history = reference_dawid_skene(votes, ["a", "b", "c"], n_iter)
    assert_frame_equal(fitted.probas_, expected, check_exact=False, atol=1e-12, rtol=0)
    np.testing.assert_allclose(fitted.loss_history_, history, rtol=0, atol=1e-12)


def test_ds_matches_reference_loops_mixed_skill_with_stopping() -> None:
    votes, _ = mixed_skill_votes(150, 12, 3, seed=11)
    fitted = DawidSkene(n_iter=200, tol=1e-5).fit(votes)
    expected, history = reference_dawid_skene(votes, ["a", "b", "c"], 200, tol=1e-5)
    assert fitted.n_iter_ == len(history) < 200  # stopped by the loss, in the same round
    assert_frame_equal(fitted.probas_, expected, check_exact=False, atol=1e-12, rtol=0)
    np.testing.assert_allclose(fitted.loss_history_, history, rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::Warning:crowdkit")  # its pandas deprecations
def test_ds_equals_crowdkit_on_mixed_skill_workers() -> None:
    crowdkit = pytest.importorskip("crowdkit.aggregation")
    votes, truth = mixed_skill_votes(400, 16, 3, seed=7)
    for n_iter in [0, 3, 100]:
        ours = DawidSkene(n_iter=n_iter).fit(votes)
        theirs = crowdkit.DawidSkene(n_iter=n_iter).fit(votes)
        assert ours.n_iter_ == len(theirs.loss_history_)
        np.testing.assert_allclose(ours.loss_history_, theirs.loss_history_, rtol=0, atol=1e-12)
        # Labels agree but on exact ties, which crowd-kit breaks by a column order of its own; after
        # a round of EM there are none.
        top = ours.probas_.to_numpy().max(axis=1)
        tied = (np.isclose(ours.probas_.to_numpy(), top[:, None], rtol=0, atol=1e-12).sum(axis=1) > 1)
        assert n_iter == 0 or not tied.any()
        same = ours.labels_ == theirs.labels_.reindex(ours.labels_.index)
        assert same[~tied].all()
        probas = theirs.probas_.reindex(index=ours.probas_.index, columns=ours.probas_.columns)
        np.testing.assert_allclose(ours.probas_.to_numpy(), probas.to_numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours.priors_.to_numpy(), theirs.priors_.reindex(ours.priors_.index).to_numpy(), rtol=0, atol=1e-12)
        errors = theirs.errors_.reindex(index=ours.errors_.index, columns=ours.errors_.columns, fill_value=0.0)
        np.testing.assert_allclose(ours.errors_.to_numpy(), errors.to_numpy(), rtol=0, atol=1e-12)
    assert (ours.labels_ == truth.reindex(ours.labels_.index)).mean() > 0.75


def test_ds_never_given_label_has_probability_zero_and_posteriors_are_floored() -> None:
    votes, _ = mixed_skill_votes(200, 8, 3, seed=3)
    votes = pd.concat([votes, pd.DataFrame({"task": ["t0000", "t0001"], "worker": ["lazy", "lazy"], "label": ["a", "a"]})])
    estimator = DawidSkene(n_iter=20).fit(votes)
    assert estimator.errors_.loc[("lazy", "b")].tolist() == [0.0, 0.0, 0.0]
    assert estimator.errors_.loc[("lazy", "c")].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(estimator.errors_.loc["lazy"].to_numpy()[0], 1.0)
    assert estimator.probas_.to_numpy().min() >= 1e-10  # crowd-kit floors the posteriors it returns
    np.testing.assert_allclose(estimator.probas_.sum(axis=1), 1.0, rtol=0, atol=1e-9)


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


def test_ds_stops_when_the_loss_gains_less_than_tol() -> None:
    votes, _ = simulate_votes(300, [0.9, 0.8, 0.6, 0.5, 0.3], 4, seed=5)
    estimator = DawidSkene(n_iter=500, tol=1e-6).fit(votes)
    gains = np.diff([-np.inf, *estimator.loss_history_])
    assert estimator.n_iter_ == len(estimator.loss_history_) < 500
    assert gains[-1] < 1e-6 and np.all(gains[:-1] >= 1e-6)
    assert DawidSkene(n_iter=3, tol=1e-6).fit(votes).n_iter_ == 3


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
