"""Tests for annotation.aggregate: the vote aggregators and span aggregation."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_index_equal, assert_series_equal
from sklearn.base import clone

from annotation.aggregate import (
    DawidSkene,
    MajorityVote,
    aggregate_spans,
    bio_tag_ids,
    bio_tags,
    check_span_votes,
    encode_votes,
    index_tokens,
    token_votes,
)
from annotation.exports import Votes
from annotation.release import aggregate_votes
from annotation.schema import SPAN_COLUMNS, load_schema
from annotation.spans import token_spans

Aggregator = type[MajorityVote] | type[DawidSkene]
SPAN_LABELS = ["loaded-negative", "loaded-positive"]
NEG, POS = SPAN_LABELS


@pytest.fixture(params=[MajorityVote, DawidSkene], ids=lambda cls: cls.__name__)
def aggregator(request: pytest.FixtureRequest) -> Aggregator:
    return request.param  # type: ignore[no-any-return]


def simulate(n_tasks: int, accuracies: Sequence[float], n_labels: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Every worker labels every task: right with its accuracy, else a uniformly wrong label."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_labels, n_tasks)
    rows = []
    for w, accuracy in enumerate(accuracies):
        wrong = (truth + rng.integers(1, n_labels, n_tasks)) % n_labels
        given = np.where(rng.random(n_tasks) < accuracy, truth, wrong)
        rows.append(pd.DataFrame({"task": [f"t{t:03d}" for t in range(n_tasks)], "worker": f"w{w}", "label": given}))
    truth_series = pd.Series(truth, index=pd.Index([f"t{t:03d}" for t in range(n_tasks)], name="task"))
    return pd.concat(rows, ignore_index=True), truth_series


# --- contract: every aggregator ---------------------------------------------------------------


def test_toy_labels(aggregator: Aggregator, toy_votes: pd.DataFrame, toy_labels: list[str],
                    toy_mv_labels: pd.Series, toy_ds_labels: pd.Series) -> None:
    expected = toy_mv_labels if aggregator is MajorityVote else toy_ds_labels
    assert_series_equal(aggregator(labels=toy_labels).fit_predict(toy_votes), expected)


def test_output_shape_and_names(aggregator: Aggregator, toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    estimator = aggregator(labels=toy_labels).fit(toy_votes)
    assert estimator.labels_.name == "agg_label"
    assert estimator.labels_.index.name == "task"
    assert_index_equal(estimator.probas_.index, estimator.labels_.index)
    assert_index_equal(estimator.probas_.columns, pd.Index(toy_labels, name="label"))
    np.testing.assert_allclose(estimator.probas_.sum(axis=1), 1.0)
    assert_frame_equal(estimator.fit_predict_proba(toy_votes), estimator.probas_)


def test_labels_default_to_sorted(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    probas = aggregator().fit_predict_proba(toy_votes)
    assert probas.columns.tolist() == ["against", "favor", "neutral", "unrelated"]


def test_unused_schema_label_gets_a_zero_column(aggregator: Aggregator, toy_votes: pd.DataFrame,
                                                 toy_labels: list[str]) -> None:
    probas = aggregator(labels=[*toy_labels, "other"]).fit_predict_proba(toy_votes)
    assert probas.columns[-1] == "other"
    np.testing.assert_allclose(probas["other"], 0.0, atol=1e-9)


def test_integer_labels(aggregator: Aggregator, toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    ids = toy_votes.assign(label=toy_votes["label"].map({name: i for i, name in enumerate(toy_labels)}))
    labels = aggregator(labels=[0, 1, 2, 3]).fit_predict(ids)
    assert labels.dtype == np.int64
    expected = aggregator(labels=toy_labels).fit_predict(toy_votes).map(toy_labels.index).astype(np.int64)
    assert_series_equal(labels, expected)


def test_task_order_is_first_appearance(aggregator: Aggregator, toy_votes: pd.DataFrame,
                                        toy_labels: list[str]) -> None:
    shuffled = toy_votes.sample(frac=1.0, random_state=3)
    labels = aggregator(labels=toy_labels).fit_predict(shuffled)
    assert labels.index.tolist() == list(dict.fromkeys(shuffled["task"]))


def test_categorical_columns_give_the_same_result(aggregator: Aggregator, toy_votes: pd.DataFrame,
                                                  toy_labels: list[str]) -> None:
    categorical = toy_votes.astype("category")
    categorical["task"] = categorical["task"].cat.add_categories(["unused"])
    expected = aggregator(labels=toy_labels).fit_predict_proba(toy_votes)
    result = aggregator(labels=toy_labels).fit_predict_proba(categorical)
    assert_frame_equal(result, expected, check_index_type=False)


def test_refit_equals_fresh_fit(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    other, _ = simulate(20, [0.9, 0.7, 0.5], 3, seed=1)
    refitted = aggregator(random_state=0).fit(other).fit(toy_votes)
    fresh = aggregator(random_state=0).fit(toy_votes)
    assert_series_equal(refitted.labels_, fresh.labels_)
    assert_frame_equal(refitted.probas_, fresh.probas_)


def test_same_random_state_same_result(aggregator: Aggregator) -> None:
    votes, _ = simulate(60, [0.6, 0.6], 3, seed=2)  # two workers: many ties
    params = {"tie_break": "random"} if aggregator is MajorityVote else {}
    first = aggregator(random_state=7, **params).fit_predict(votes)
    assert_series_equal(aggregator(random_state=7, **params).fit_predict(votes), first)


def test_sklearn_skeleton(aggregator: Aggregator, toy_labels: list[str]) -> None:
    estimator = aggregator(labels=toy_labels, random_state=3)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert repr(copy).startswith(aggregator.__name__)
    assert not hasattr(copy, "labels_")


def test_empty_votes(aggregator: Aggregator) -> None:
    empty = pd.DataFrame(columns=["task", "worker", "label"])
    with pytest.raises(ValueError, match=r"votes is empty \(0 rows\)"):
        aggregator().fit(empty)


def test_missing_column(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    message = r"votes is missing column\(s\) \['worker'\]; expected task, worker, label"
    with pytest.raises(KeyError, match=message):
        aggregator().fit(toy_votes.drop(columns="worker"))


def test_not_a_frame(aggregator: Aggregator) -> None:
    with pytest.raises(TypeError, match="votes must be a pandas DataFrame, got list"):
        aggregator().fit([("t1", "w1", "favor")])  # type: ignore[arg-type]


@pytest.mark.parametrize("column", ["task", "worker", "label"])
def test_missing_values(aggregator: Aggregator, toy_votes: pd.DataFrame, column: str) -> None:
    votes = toy_votes.copy()
    votes.loc[7, column] = None
    with pytest.raises(ValueError, match=rf"votes\['{column}'\] has (1 )?missing value"):
        aggregator().fit(votes)


def test_label_not_in_labels(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"votes\['label'\] has value\(s\) \['unrelated'\] not in labels="):
        aggregator(labels=["favor", "against", "neutral"]).fit(toy_votes)


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        ("favor", TypeError, "labels must be a sequence of label names"),
        ([], ValueError, "labels is empty"),
        (["favor", "favor", "against"], ValueError, r"labels has duplicate value\(s\) \['favor'\]"),
    ],
)
def test_bad_labels_argument(aggregator: Aggregator, toy_votes: pd.DataFrame, labels: object,
                             error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        aggregator(labels=labels).fit(toy_votes)  # type: ignore[arg-type]


# --- MajorityVote --------------------------------------------------------------------------------


def test_mv_toy_probas(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    probas = MajorityVote(labels=toy_labels).fit_predict_proba(toy_votes)
    assert probas.loc["t4"].tolist() == [0.4, 0.4, 0.2, 0.0]
    assert probas.loc["t2"].tolist() == [0.4, 0.6, 0.0, 0.0]


def test_tie_first_uses_label_order(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    schema_order = MajorityVote(labels=toy_labels).fit(toy_votes)
    assert schema_order.labels_["t4"] == "favor"
    assert schema_order.ties_.tolist() == ["t4"]
    assert schema_order.ties_.name == "task"
    assert MajorityVote().fit_predict(toy_votes)["t4"] == "against"  # sorted order


def test_tie_none_gives_na(toy_votes: pd.DataFrame, toy_labels: list[str], toy_mv_labels: pd.Series) -> None:
    estimator = MajorityVote(tie_break="none", labels=toy_labels).fit(toy_votes)
    assert estimator.labels_.isna().tolist() == [False, False, False, True, False]
    assert estimator.labels_["t4"] is pd.NA
    assert estimator.labels_.drop("t4").astype(str).tolist() == toy_mv_labels.drop("t4").tolist()
    assert estimator.ties_.tolist() == ["t4"]


def test_tie_none_keeps_a_nullable_dtype_without_ties(toy_votes: pd.DataFrame) -> None:
    ids = toy_votes[toy_votes["task"] != "t4"].assign(label=1)
    labels = MajorityVote(tie_break="none").fit_predict(ids)
    assert labels.dtype == "Int64"
    assert labels.tolist() == [1, 1, 1, 1]


def test_tie_random_is_seeded_and_uniform() -> None:
    votes = pd.DataFrame({
        "task": np.repeat([f"t{i}" for i in range(400)], 2),
        "worker": ["w1", "w2"] * 400,
        "label": ["favor", "against"] * 400,
    })
    picks = MajorityVote(tie_break="random", random_state=0).fit(votes)
    assert len(picks.ties_) == 400
    assert_series_equal(MajorityVote(tie_break="random", random_state=0).fit_predict(votes), picks.labels_)
    assert 150 < (picks.labels_ == "favor").sum() < 250
    assert not MajorityVote(tie_break="random", random_state=1).fit_predict(votes).equals(picks.labels_)


def test_tie_random_picks_only_tied_labels() -> None:
    votes = pd.DataFrame({
        "task": ["t1"] * 5,
        "worker": [f"w{i}" for i in range(5)],
        "label": ["neutral", "favor", "neutral", "favor", "against"],
    })
    picked = {MajorityVote(tie_break="random", random_state=seed).fit_predict(votes)["t1"] for seed in range(30)}
    assert picked == {"favor", "neutral"}


def test_unknown_tie_break(toy_votes: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="tie_break='rand' is not one of 'first', 'random', 'none'"):
        MajorityVote(tie_break="rand").fit(toy_votes)  # type: ignore[arg-type]


# --- DawidSkene ----------------------------------------------------------------------------------


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
    votes, _ = simulate(40, [0.9, 0.7, 0.5, 0.4], 3, seed=4)
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
    votes, _ = simulate(300, [0.9, 0.8, 0.6, 0.5, 0.3], 4, seed=5)
    estimator = DawidSkene(n_iter=500, tol=1e-6).fit(votes)
    assert estimator.n_iter_ == len(estimator.loss_history_) < 500
    assert np.all(np.diff(estimator.loss_history_) >= -1e-12)


def test_ds_n_iter_zero_is_majority_vote_shares(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    estimator = DawidSkene(n_iter=0, labels=toy_labels).fit(toy_votes)
    assert_frame_equal(estimator.probas_, MajorityVote(labels=toy_labels).fit_predict_proba(toy_votes))
    assert estimator.loss_history_ == []


def test_ds_beats_majority_vote_with_unreliable_workers() -> None:
    votes, truth = simulate(400, [0.85, 0.8, 0.35, 0.3, 0.3], 3, seed=6)
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


# --- spans ---------------------------------------------------------------------------------------

TEXTS = {
    "s1": "The regime and its backers continue to terrorize the region.",
    "s2": "The villages were freed from the regime.",
    "s3": "🙂 Radicals fled.",
    "s4": "The duplicitous regime shelled the town.",
}


def span_votes(*rows: tuple[str, str, int, int, str]) -> pd.DataFrame:
    """Span votes from ``(task, worker, start, end, label)``; ``text`` is cut from TEXTS."""
    return pd.DataFrame(
        [(task, worker, start, end, TEXTS[task][start:end], label) for task, worker, start, end, label in rows],
        columns=["task", "worker", "start", "end", "text", "label"],
    )


def spans_frame(*rows: tuple[str, int, int, str, float, int]) -> pd.DataFrame:
    """Expected output from ``(task, start, end, label, support, n_annotators)``."""
    frame = pd.DataFrame(
        [(task, start, end, TEXTS[task][start:end], label, support, n) for task, start, end, label, support, n in rows],
        columns=list(SPAN_COLUMNS),
    )
    return frame.astype({"start": "int64", "end": "int64", "n_annotators": "int64", "support": "float64"})


def find(task: str, phrase: str) -> tuple[int, int]:
    start = TEXTS[task].index(phrase)
    return start, start + len(phrase)


def test_overlapping_spans_vote_per_token() -> None:
    # "regime and its backers": 3 annotators, different extents over the same words.
    votes = span_votes(
        ("s1", "w1", *find("s1", "regime"), NEG),
        ("s1", "w2", *find("s1", "regime and its backers"), NEG),
        ("s1", "w3", *find("s1", "its backers"), NEG),
        ("s1", "w1", *find("s1", "terrorize"), NEG),
        ("s1", "w3", *find("s1", "terrorize"), NEG),
    )
    result = aggregate_spans(votes, TEXTS, {"s1": 3}, labels=SPAN_LABELS)
    # regime 2/3, and 1/3 (dropped), its 2/3, backers 2/3 -> two spans; terrorize 2/3.
    expected = spans_frame(
        ("s1", *find("s1", "regime"), NEG, 2 / 3, 2),
        ("s1", *find("s1", "its backers"), NEG, 2 / 3, 2),
        ("s1", *find("s1", "terrorize"), NEG, 2 / 3, 2),
    )
    assert_frame_equal(result, expected)


def test_partial_token_overlap_marks_the_whole_token() -> None:
    start, _ = find("s1", "terrorize")
    votes = span_votes(("s1", "w1", start, start + 6, NEG), ("s1", "w2", start + 3, start + 9, NEG))
    assert votes["text"].tolist() == ["terror", "rorize"]
    result = aggregate_spans(votes, TEXTS, {"s1": 2}, labels=SPAN_LABELS)
    assert_frame_equal(result, spans_frame(("s1", *find("s1", "terrorize"), NEG, 1.0, 2)))


def test_one_annotator() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS))
    result = aggregate_spans(votes, TEXTS, {"s2": 1}, labels=SPAN_LABELS)
    assert_frame_equal(result, spans_frame(("s2", *find("s2", "freed"), POS, 1.0, 1)))


@pytest.mark.parametrize(("threshold", "kept"), [(0.5, True), (0.5000001, False), (0.51, False), (0.25, True)])
def test_threshold_is_at_least(threshold: float, kept: bool) -> None:
    votes = span_votes(("s2", "w1", *find("s2", "regime"), NEG), ("s2", "w2", *find("s2", "regime"), NEG))
    result = aggregate_spans(votes, TEXTS, {"s2": 4}, labels=SPAN_LABELS, threshold=threshold)  # 2 of 4
    assert len(result) == int(kept)


def test_threshold_two_thirds_keeps_two_of_three() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "regime"), NEG), ("s2", "w2", *find("s2", "regime"), NEG))
    assert len(aggregate_spans(votes, TEXTS, {"s2": 3}, labels=SPAN_LABELS, threshold=2 / 3)) == 1
    assert len(aggregate_spans(votes, TEXTS, {"s2": 4}, labels=SPAN_LABELS, threshold=2 / 3)) == 0


def test_annotators_without_spans_lower_the_support() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS))
    assert aggregate_spans(votes, TEXTS, {"s2": 3}, labels=SPAN_LABELS).empty


def test_label_tie_goes_to_schema_order_and_adjacent_labels_split() -> None:
    votes = span_votes(
        ("s2", "w1", *find("s2", "freed"), POS),
        ("s2", "w2", *find("s2", "freed"), NEG),
        ("s2", "w1", *find("s2", "villages were"), NEG),
        ("s2", "w2", *find("s2", "villages were"), NEG),
    )
    result = aggregate_spans(votes, TEXTS, {"s2": 2}, labels=SPAN_LABELS)
    # freed: NEG by the tie, but no annotator's NEG span runs on into it from "were"
    expected = spans_frame(("s2", *find("s2", "villages were"), NEG, 1.0, 2), ("s2", *find("s2", "freed"), NEG, 0.5, 1))
    assert_frame_equal(result, expected)
    result = aggregate_spans(votes, TEXTS, {"s2": 2}, labels=[POS, NEG])
    expected = spans_frame(("s2", *find("s2", "villages were"), NEG, 1.0, 2), ("s2", *find("s2", "freed"), POS, 0.5, 1))
    assert_frame_equal(result, expected)


def test_adjacent_marks_of_different_annotators_merge() -> None:
    votes = span_votes(
        ("s1", "w1", *find("s1", "continue to"), NEG),
        ("s1", "w2", *find("s1", "to terrorize"), NEG),
    )
    result = aggregate_spans(votes, TEXTS, {"s1": 2}, labels=SPAN_LABELS)
    # continue 1/2, to 2/2, terrorize 1/2
    assert_frame_equal(result, spans_frame(("s1", *find("s1", "continue to terrorize"), NEG, 2 / 3, 2)))


def test_adjacent_spans_marked_apart_by_every_annotator_stay_apart() -> None:
    votes = span_votes(*[("s4", worker, *find("s4", phrase), NEG) for worker in ("w1", "w2", "w3")
                         for phrase in ("duplicitous", "regime")])
    result = aggregate_spans(votes, TEXTS, {"s4": 3}, labels=SPAN_LABELS)
    expected = spans_frame(("s4", *find("s4", "duplicitous"), NEG, 1.0, 3), ("s4", *find("s4", "regime"), NEG, 1.0, 3))
    assert_frame_equal(result, expected)


@pytest.mark.parametrize(("joined_by", "n_annotators", "threshold", "joined"), [
    (2, 3, 0.5, True),  # the join has 2 of 3
    (1, 3, 0.5, False),
    (2, 4, 0.5, True),  # at least half
    (2, 4, 0.51, False),
])
def test_two_words_form_one_span_when_enough_annotators_marked_them_as_one(
    joined_by: int, n_annotators: int, threshold: float, joined: bool
) -> None:
    workers = [f"w{i}" for i in range(1, n_annotators + 1)]
    one = [("s4", w, *find("s4", "duplicitous regime"), NEG) for w in workers[:joined_by]]
    apart = [("s4", w, *find("s4", phrase), NEG) for w in workers[joined_by:] for phrase in ("duplicitous", "regime")]
    result = aggregate_spans(span_votes(*one, *apart), TEXTS, {"s4": n_annotators}, labels=SPAN_LABELS, threshold=threshold)
    phrases = ["duplicitous regime"] if joined else ["duplicitous", "regime"]
    assert_frame_equal(result, spans_frame(*[("s4", *find("s4", p), NEG, 1.0, n_annotators) for p in phrases]))


def test_token_votes_say_where_each_annotators_spans_begin() -> None:
    votes = span_votes(("s4", "w1", *find("s4", "duplicitous regime"), NEG),
                       ("s4", "w2", *find("s4", "duplicitous"), NEG), ("s4", "w2", *find("s4", "regime"), NEG),
                       ("s4", "w3", *find("s4", "duplicitous re"), NEG), ("s4", "w3", *find("s4", "regime"), NEG))
    tokens = token_votes(votes, TEXTS, labels=SPAN_LABELS)
    assert tokens[["worker", "token", "tag"]].values.tolist() == [
        ["w1", 1, "B"], ["w2", 1, "B"], ["w3", 1, "B"], ["w1", 2, "I"], ["w2", 2, "B"], ["w3", 2, "I"]]


def test_the_release_keeps_adjacent_spans_apart(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]]) -> None:
    marks = tuple(("t1", worker, phrase, NEG) for worker in ("w1", "w2", "w3") for phrase in ("duplicitous", "regime"))
    votes, _ = tiny_votes({"t1": ["against"] * 3}, spans=marks, texts=(TEXTS["s4"],))
    row = aggregate_votes(votes, load_schema()).iloc[0]
    assert [(span["text"], span["label"]) for span in row["spans"]] == [("duplicitous", NEG), ("regime", NEG)]
    assert list(row["bio_tags"][:4]) == ["O", f"B-{NEG}", f"B-{NEG}", "O"]


def test_offsets_after_an_emoji_and_several_tasks() -> None:
    votes = span_votes(
        ("s3", "w1", *find("s3", "Radicals"), NEG),
        ("s2", "w1", *find("s2", "freed"), POS),
        ("s3", "w2", *find("s3", "Radicals"), NEG),
    )
    assert find("s3", "Radicals") == (2, 10)
    result = aggregate_spans(votes, TEXTS, {"s2": 2, "s3": 2}, labels=SPAN_LABELS)
    expected = spans_frame(("s3", 2, 10, NEG, 1.0, 2), ("s2", *find("s2", "freed"), POS, 0.5, 1))
    assert_frame_equal(result, expected)


def test_no_spans_gives_an_empty_frame() -> None:
    result = aggregate_spans(span_votes(), TEXTS, {}, labels=SPAN_LABELS)
    assert result.empty
    assert result.columns.tolist() == list(SPAN_COLUMNS)
    assert result.dtypes[["start", "end", "support", "n_annotators"]].tolist() == ["int64", "int64", "float64", "int64"]


def test_token_votes_deduplicates_a_worker() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS), ("s2", "w1", *find("s2", "were freed"), POS))
    tokens = token_votes(votes, TEXTS, labels=SPAN_LABELS)
    assert tokens[["token", "label"]].values.tolist() == [[2, POS], [3, POS]]
    assert aggregate_spans(votes, TEXTS, {"s2": 2}, labels=SPAN_LABELS)["n_annotators"].tolist() == [1]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda v: v.drop(columns="text"), KeyError, r"span_votes is missing column\(s\) \['text'\]"),
        (lambda v: v.assign(text="regime"), ValueError, r"text 'regime' != sentence\[.*\] = 'freed'"),
        (lambda v: v.assign(end=200), ValueError, r"offsets \[18, 200\) are not a non-empty range"),
        (lambda v: v.assign(end=v["start"]), ValueError, r"offsets \[18, 18\) are not a non-empty range"),
        (lambda v: v.assign(start=v["start"].astype(float)), TypeError, r"span_votes\['start'\] must hold integer"),
        (lambda v: v.assign(label="loaded"), ValueError, r"value\(s\) \['loaded'\] not in labels="),
        (lambda v: v.assign(worker=None), ValueError, r"span_votes has missing values .* \['worker'\]"),
        (lambda v: v.assign(task="s9"), KeyError, r"texts has no sentence for 1 task\(s\) of span_votes"),
    ],
)
def test_bad_span_votes(change: object, error: type[Exception], message: str) -> None:
    votes = change(span_votes(("s2", "w1", *find("s2", "freed"), POS)))  # type: ignore[operator]
    with pytest.raises(error, match=message):
        aggregate_spans(votes, TEXTS, {"s2": 2}, labels=SPAN_LABELS)


def test_bad_annotator_counts() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS), ("s2", "w2", *find("s2", "freed"), POS))
    with pytest.raises(KeyError, match=r"n_annotators has no count for 1 task\(s\)"):
        aggregate_spans(votes, TEXTS, {"s1": 2}, labels=SPAN_LABELS)
    with pytest.raises(ValueError, match=r"n_annotators\['s2'\] = 1, but 2 annotators marked spans"):
        aggregate_spans(votes, TEXTS, {"s2": 1}, labels=SPAN_LABELS)


@pytest.mark.parametrize("threshold", [0, -0.5, 1.5, math.nan, True])
def test_bad_threshold(threshold: float) -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS))
    with pytest.raises(ValueError, match="must be a number in \\(0, 1\\]"):
        aggregate_spans(votes, TEXTS, {"s2": 1}, labels=SPAN_LABELS, threshold=threshold)


def test_bio_tags_round_trip() -> None:
    votes = span_votes(
        ("s1", "w1", *find("s1", "regime"), NEG),
        ("s1", "w1", *find("s1", "its backers"), NEG),
    )
    spans = aggregate_spans(votes, TEXTS, {"s1": 1}, labels=SPAN_LABELS)
    tokens, tags = bio_tags(TEXTS["s1"], spans[["start", "end", "label"]].itertuples(index=False), SPAN_LABELS)
    assert tokens[:5] == ["The", "regime", "and", "its", "backers"]
    assert tags[:5] == ["O", f"B-{NEG}", "O", f"B-{NEG}", f"I-{NEG}"]
    assert set(tags[5:]) == {"O"}


def test_bio_tags_keeps_adjacent_spans_apart() -> None:
    text = TEXTS["s1"]
    _, tags = bio_tags(text, [(*find("s1", "regime"), NEG), (*find("s1", "and"), POS)], SPAN_LABELS)
    assert tags[1:4] == [f"B-{NEG}", f"B-{POS}", "O"]


def test_bio_tags_errors() -> None:
    text = TEXTS["s2"]
    with pytest.raises(ValueError, match=r"spans 0 and 1 share token 3 \('freed'\)"):
        bio_tags(text, [(*find("s2", "were freed"), NEG), (*find("s2", "freed"), POS)], SPAN_LABELS)
    with pytest.raises(ValueError, match=r"span 0 has label 'loaded', not one of"):
        bio_tags(text, [(0, 3, "loaded")], SPAN_LABELS)
    with pytest.raises(ValueError, match=r"span 0 has offsets \[3, 100\)"):
        bio_tags(text, [(3, 100, NEG)], SPAN_LABELS)


# --- shared helpers: encode_votes, index_tokens, check_span_votes, bio_tag_ids ------------------


def test_encode_votes_is_the_shared_validator(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    encoded = encode_votes(toy_votes, toy_labels)
    assert encoded.tasks.tolist() == ["t1", "t2", "t3", "t4", "t5"]
    assert encoded.counts()[3].tolist() == [2, 2, 1, 0]
    with pytest.raises(ValueError, match=r"votes\['label'\] has value\(s\) \['favor'\] not in labels"):
        encode_votes(toy_votes, ["against", "neutral", "unrelated"])
    with pytest.raises(KeyError, match="ballots is missing column"):
        encode_votes(toy_votes.drop(columns="worker"), name="ballots")


@pytest.mark.parametrize("seed", range(3))
def test_index_tokens_equals_token_spans_per_sentence(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pieces = ["U.N.-sponsored", "al-Shamali’s", "fate", ",", "🙂", "don't", "4.5", "\n", "  ", "--", "Idlib", "é", "."]
    texts = {f"t{i}": "".join(rng.choice(pieces, size=int(rng.integers(0, 12)))) for i in range(40)}
    texts["empty"] = ""
    index = index_tokens(texts)
    assert list(index) == list(texts) and index["t3"] == texts["t3"]
    for i, (task, text) in enumerate(texts.items()):
        spans = list(zip(index.starts[index.offsets[i] : index.offsets[i + 1]], index.ends[index.offsets[i] : index.offsets[i + 1]]))
        assert spans == token_spans(text), task
    assert index_tokens(index) is index
    with pytest.raises(TypeError, match=r"texts\['x'\] must be a str, got float"):
        index_tokens({"x": math.nan})


def test_a_token_index_gives_the_same_spans_as_a_mapping() -> None:
    votes = span_votes(
        ("s3", "w1", *find("s3", "Radicals"), NEG),
        ("s2", "w1", *find("s2", "freed"), POS),
        ("s3", "w2", *find("s3", "Radicals fled"), NEG),
        ("s2", "w2", *find("s2", "freed"), POS),
    )
    index = index_tokens({"s1": TEXTS["s1"], "s2": TEXTS["s2"], "s3": TEXTS["s3"]})  # another order, one more task
    by_mapping = aggregate_spans(votes, TEXTS, {"s2": 2, "s3": 2}, labels=SPAN_LABELS)
    assert_frame_equal(aggregate_spans(votes, index, {"s2": 2, "s3": 2}, labels=SPAN_LABELS), by_mapping)
    assert by_mapping["task"].tolist() == ["s3", "s2"]  # first appearance in span_votes, whatever the index order
    assert_frame_equal(token_votes(votes, index, labels=SPAN_LABELS), token_votes(votes, TEXTS, labels=SPAN_LABELS))
    _, positions = check_span_votes(votes, index, labels=SPAN_LABELS)
    assert positions.tolist() == [2, 1, 2, 1]


def test_bio_tag_ids_match_bio_tags() -> None:
    spans = pd.DataFrame(
        [("s1", *find("s1", "regime"), NEG), ("s1", *find("s1", "and its"), POS), ("s3", *find("s3", "Radicals fled"), NEG)],
        columns=["task", "start", "end", "label"],
    )
    index = index_tokens(TEXTS)
    ids = bio_tag_ids(spans, index, labels=SPAN_LABELS)
    names = ["O", f"B-{NEG}", f"I-{NEG}", f"B-{POS}", f"I-{POS}"]
    for i, (task, text) in enumerate(TEXTS.items()):
        mine = spans[spans["task"] == task][["start", "end", "label"]].itertuples(index=False)
        _, tags = bio_tags(text, mine, SPAN_LABELS)
        assert [names[t] for t in ids[index.offsets[i] : index.offsets[i + 1]]] == tags


def test_bio_tag_ids_errors() -> None:
    overlapping = pd.DataFrame([("s2", *find("s2", "were freed"), NEG), ("s2", *find("s2", "freed"), POS)],
                               columns=["task", "start", "end", "label"])
    with pytest.raises(ValueError, match=r"two spans of task 's2' share token 3 \('freed'\)"):
        bio_tag_ids(overlapping, TEXTS, labels=SPAN_LABELS)
    with pytest.raises(KeyError, match=r"texts has no sentence for 1 task\(s\) of spans"):
        bio_tag_ids(overlapping.assign(task="s9"), TEXTS, labels=SPAN_LABELS)
    with pytest.raises(ValueError, match=r"not in labels"):
        bio_tag_ids(overlapping.assign(label="loaded"), TEXTS, labels=SPAN_LABELS)
    with pytest.raises(ValueError, match=r"offsets \[18, 99\)"):
        bio_tag_ids(overlapping.iloc[1:].assign(end=99), TEXTS, labels=SPAN_LABELS)
