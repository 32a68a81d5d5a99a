"""Baselines on small synthetic ``sentences`` frames: factories, protocol, evaluation and report."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks

from annotation.models import stance as baselines
from annotation.models import (
    EMBEDDING_KINDS,
    MIN_SCORED_ROWS,
    STANCE_KINDS,
    TAGGER_KINDS,
    LexiconTagger,
    MarkedRateTagger,
    SentenceEmbedding,
    TokenTagger,
    evaluate_baselines,
    evaluation_folds,
    make_loaded_language_tagger,
    make_stance_classifier,
    plan_evaluation,
    predict_stance,
    summary_table,
)
from annotation.lexicon import Lexicon, find_loaded_spans, load_lexicon

STANCE = ["favor", "against", "neutral", "unrelated"]
CUES = {"favor": "applauded", "against": "condemned", "neutral": "reported", "unrelated": "rain"}
TARGETS = ("rebels", "regime")
NEG = "loaded-negative"


def make_sentences(n_sentences: int = 16, splits: tuple[str, ...] = ("train",)) -> pd.DataFrame:
    """Sentence ``s`` of article ``s % len(splits)`` (split ``splits[article]``), once per target.

    The stance is given away by one cue word, and "regime" is a gold loaded-negative span.
    """
    rows = []
    for s in range(n_sentences):
        stance = STANCE[s % len(STANCE)]
        article = s % len(splits)
        text = f"Item {s}: the regime was {CUES[stance]} today."
        start = text.index("regime")
        for target in TARGETS:
            rows.append(
                {
                    "sentence_id": f"a{article}-{s:04d}",
                    "article_id": f"a{article}",
                    "target": target,
                    "text": text,
                    "stance": stance,
                    "spans": [
                        {"start": start, "end": start + 6, "text": "regime", "label": NEG},
                    ],
                    "split": splits[article],
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


CLASSICAL_STANCE = [kind for kind in STANCE_KINDS if kind not in EMBEDDING_KINDS]
CLASSICAL_TAGGERS = [kind for kind in TAGGER_KINDS if kind not in EMBEDDING_KINDS]
# The tests run with the embedding extra installed (``make install``); without it the embedding
# tests fail rather than skip, and ``embedding_available``'s doctest says why.


@pytest.mark.parametrize("kind", CLASSICAL_STANCE)
def test_stance_classifier_fits_and_predicts_labels(kind: str) -> None:
    frame = make_sentences(8)
    model = make_stance_classifier(kind).fit(frame[["text", "target"]], frame["stance"])
    assert isinstance(model, Pipeline)
    predicted = model.predict(frame[["target", "text"]])
    assert len(predicted) == len(frame)
    assert set(predicted) <= set(STANCE)


def test_tfidf_models_beat_majority_on_separable_toy(lexicon: Lexicon) -> None:
    metrics = evaluate_baselines(
        make_sentences(), stance_labels=STANCE, lexicon=lexicon, stance_kinds=CLASSICAL_STANCE,
        tagger_kinds=[],
    )
    for kind in ("tfidf-lr", "tfidf-svm"):
        assert metrics["stance"][kind]["macro_f1"] == 1.0, kind
    majority = metrics["stance"]["majority"]
    assert majority["macro_f1"] < 0.5 and majority["accuracy"] < 0.5


def test_unknown_kinds_are_rejected_with_the_allowed_kinds() -> None:
    with pytest.raises(ValueError, match=r"kind='svm' is not one of 'majority', 'tfidf-lr', "):
        make_stance_classifier("svm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"kind='crf' is not one of 'lexicon', 'marked-rate'"):
        make_loaded_language_tagger("crf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"kind='svm' is not one of"):
        evaluate_baselines(make_sentences(4), stance_labels=STANCE, lexicon=load_lexicon(),
                           stance_kinds=["svm"])  # type: ignore[list-item]


@pytest.mark.parametrize("kind", CLASSICAL_STANCE)
def test_stance_classifier_clones(kind: str) -> None:
    model = make_stance_classifier(kind, random_state=3)
    copy = clone(model)
    assert copy is not model
    assert repr(copy.get_params()) == repr(model.get_params())


def test_tagger_clones_unfitted_and_keeps_params(lexicon: Lexicon) -> None:
    tagger = make_loaded_language_tagger(lexicon=lexicon).fit(["x"], [[]])
    copy = clone(tagger)
    assert copy.get_params() == {"lexicon": lexicon}
    assert not hasattr(copy, "lexicon_")
    with pytest.raises(NotFittedError):
        copy.predict(["The regime fell."])


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_estimator_cloneable,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_parameters_default_constructible,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
    ],
    ids=lambda check: check.__name__,
)
@pytest.mark.parametrize(
    "estimator", [LexiconTagger(), MarkedRateTagger(), TokenTagger(), SentenceEmbedding()],
    ids=lambda estimator: type(estimator).__name__,
)
def test_taggers_pass_sklearn_api_checks(
    check: Callable[[str, Any], None], estimator: Any
) -> None:
    # The data checks need 2-D numeric input; these estimators take strings, so only the API
    # checks apply.
    check(type(estimator).__name__, estimator)


def test_lexicon_tagger_predicts_lexicon_matches(lexicon: Lexicon) -> None:
    texts = ["The regime freed nobody.", "Nothing here.", "Heroes 🙂 liberated it."]
    tagger = make_loaded_language_tagger(lexicon=lexicon).fit(texts, [[], [], []])
    assert tagger.predict(texts) == [find_loaded_spans(t, lexicon) for t in texts]
    assert tagger.predict(texts)[2] == [(0, 6, "loaded-positive"), (9, 18, "loaded-positive")]
    assert tagger.labels_ == ["loaded-negative", "loaded-positive"]


@pytest.mark.parametrize(
    ("texts", "spans", "error", "message"),
    [
        ("The regime.", [[]], TypeError, "not a single str"),
        (["ok", 3], [[], []], TypeError, r"texts\[1\] must be a str"),
        (["ok"], [[], []], ValueError, "spans has 2 entries but texts has 1"),
        (["ok"], [[(0, 5, NEG)]], ValueError, r"spans\[0\].*end <= 2"),
        (["ok"], [[(0, 1)]], ValueError, r"expected \(start, end, label\)"),
    ],
)
def test_tagger_fit_validates_inputs(
    texts: Any, spans: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        LexiconTagger().fit(texts, spans)


def test_folds_use_train_and_test_when_both_have_rows() -> None:
    frame = make_sentences(12, splits=("train", "train", "validation", "test"))
    protocol, folds = evaluation_folds(frame)
    assert protocol.startswith("train/test split: fit on the 12 'train' rows")
    [(train, test)] = folds
    assert set(frame["split"].iloc[train]) == {"train"}
    assert set(frame["split"].iloc[test]) == {"test"}


def test_folds_fall_back_to_cv_grouped_by_sentence_for_one_article() -> None:
    frame = make_sentences(12, splits=("train",))
    protocol, folds = evaluation_folds(frame)
    assert protocol.startswith("grouped 5-fold cross-validation over all 24 rows")
    assert "grouped by sentence_id (12 groups)" in protocol
    assert len(folds) == 5
    ids = frame["sentence_id"]
    for train, test in folds:
        assert not set(ids.iloc[train]) & set(ids.iloc[test])
    tested = sorted(i for _, test in folds for i in test)
    assert tested == list(range(len(frame)))


def test_folds_group_by_article_when_there_are_several() -> None:
    frame = make_sentences(12, splits=("train", "train", "validation"))
    protocol, folds = evaluation_folds(frame)
    assert "grouped 3-fold cross-validation" in protocol and "grouped by article_id" in protocol
    for train, test in folds:
        assert frame["article_id"].iloc[test].nunique() == 1
        assert not set(frame["article_id"].iloc[train]) & set(frame["article_id"].iloc[test])


def test_folds_reject_too_few_sentences_and_leaky_splits() -> None:
    with pytest.raises(ValueError, match="at least 2 sentences, got 1"):
        evaluation_folds(make_sentences(1))
    frame = make_sentences(2)
    frame["split"] = ["train", "test", "train", "test"]
    with pytest.raises(ValueError, match="2 sentence_id.* in both train and test"):
        evaluation_folds(frame)


def test_evaluate_baselines_report_is_json_and_complete(lexicon: Lexicon) -> None:
    frame = make_sentences(24, splits=("train", "test"))
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    json.dumps(metrics, allow_nan=False)
    assert metrics["protocol"].startswith("train/test split")
    assert (metrics["n_rows"], metrics["n_folds"], metrics["refused"]) == (48, 1, {})
    assert list(metrics["stance"]) == list(STANCE_KINDS) and list(metrics["loaded_language"]) == list(TAGGER_KINDS)
    assert metrics["skipped"] == {}
    for scores in metrics["stance"].values():
        assert scores["n"] == 24
        assert list(scores["per_label_f1"]) == STANCE
        assert scores["confusion_matrix"]["labels"] == STANCE
        assert sum(map(sum, scores["confusion_matrix"]["matrix"])) == 24
    loaded = metrics["loaded_language"]["lexicon"]
    assert loaded["n"] == 24
    for match in ("exact", "partial", "token"):
        assert (loaded[match]["precision"], loaded[match]["recall"]) == (1.0, 1.0)
    # No loaded-positive anywhere: its scores are undefined and reported as None.
    assert loaded["exact"]["per_label"]["loaded-positive"]["f1"] is None


def test_evaluate_baselines_rejects_bad_tables(lexicon: Lexicon) -> None:
    frame = make_sentences(4)
    with pytest.raises(KeyError, match=r"missing column\(s\) \['split'\]"):
        evaluate_baselines(frame.drop(columns="split"), stance_labels=STANCE, lexicon=lexicon)
    with pytest.raises(ValueError, match="min_rows=0 must be an integer >= 1"):
        evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon, min_rows=0)
    frame["stance"] = [0, 1, 2, 3] * 2
    with pytest.raises(ValueError, match="int2str"):
        evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)


@pytest.mark.parametrize("n_rows", [0, 5, MIN_SCORED_ROWS - 1])
def test_baselines_refuse_to_score_fewer_rows_than_the_minimum(
    lexicon: Lexicon, n_rows: int
) -> None:
    frame = make_sentences(MIN_SCORED_ROWS).iloc[:n_rows]
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    json.dumps(metrics, allow_nan=False)
    assert (metrics["stance"], metrics["loaded_language"], metrics["n_folds"]) == ({}, {}, 0)
    assert metrics["protocol"] == "not evaluated"
    for reason in metrics["refused"].values():
        assert reason == (
            f"only {n_rows} rows: the baselines are scored on at least {MIN_SCORED_ROWS} "
            "(MIN_SCORED_ROWS), since on fewer a score says nothing about a model; annotate more "
            "sentences"
        )
    table = summary_table(metrics)
    assert f"stance not scored: only {n_rows} rows" in table
    assert f"loaded language not scored: only {n_rows} rows" in table
    assert "0.000" not in table and "macro-F1" not in table


def test_baselines_score_from_the_minimum_and_min_rows_is_a_parameter(
    lexicon: Lexicon,
) -> None:
    frame = make_sentences(MIN_SCORED_ROWS).iloc[:MIN_SCORED_ROWS]
    kinds: dict[str, Any] = {"stance_kinds": ["tfidf-lr"], "tagger_kinds": ["lexicon"]}
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon, **kinds)
    assert metrics["refused"] == {} and metrics["stance"]["tfidf-lr"]["n"] == MIN_SCORED_ROWS
    few = evaluate_baselines(frame.iloc[:6], stance_labels=STANCE, lexicon=lexicon, min_rows=6,
                             **kinds)
    assert few["refused"] == {} and few["min_rows"] == 6
    assert few["loaded_language"]["lexicon"]["n"] == 6


def test_a_small_test_split_falls_back_to_cross_validation() -> None:
    # 24 train rows and 4 test rows: the test split alone is too small to score.
    frame = make_sentences(14, splits=("train",) * 5 + ("test",))
    counts = frame["split"].value_counts()
    assert counts["train"] >= MIN_SCORED_ROWS > counts["test"] > 0
    assert evaluation_folds(frame)[0].startswith("train/test split")
    plan = plan_evaluation(frame)
    assert plan.protocol.startswith("grouped 5-fold cross-validation over all 28 rows")
    assert f"the train or test split has fewer than {MIN_SCORED_ROWS} rows" in plan.protocol
    assert plan.scored.tolist() == list(range(len(frame)))
    assert plan_evaluation(frame, min_rows=counts["test"]).protocol.startswith("train/test split")


def test_baselines_refuse_one_task_per_class_problem(lexicon: Lexicon) -> None:
    one_label = make_sentences(MIN_SCORED_ROWS).assign(stance="neutral")
    metrics = evaluate_baselines(one_label, stance_labels=STANCE, lexicon=lexicon,
                                 tagger_kinds=["lexicon"])
    assert metrics["stance"] == {} and list(metrics["loaded_language"]) == ["lexicon"]
    assert metrics["refused"] == {
        "stance": "the training rows of fold 0 all have stance 'neutral'; the classifiers need "
        "at least two stance labels to learn from: annotate more sentences"
    }
    assert "stance not scored: the training rows of fold 0" in summary_table(metrics)

    no_spans = make_sentences(MIN_SCORED_ROWS).assign(spans=[[]] * 2 * MIN_SCORED_ROWS)
    metrics = evaluate_baselines(no_spans, stance_labels=STANCE, lexicon=lexicon,
                                 stance_kinds=["majority"])
    assert list(metrics["stance"]) == ["majority"] and metrics["loaded_language"] == {}
    assert metrics["refused"]["loaded_language"].startswith(
        f"none of the {2 * MIN_SCORED_ROWS} scored rows has a gold loaded-language span"
    )


def test_baselines_refuse_rows_without_text(lexicon: Lexicon) -> None:
    frame = make_sentences(MIN_SCORED_ROWS)
    frame.loc[3, "text"] = None
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    assert (metrics["stance"], metrics["loaded_language"]) == ({}, {})
    assert metrics["refused"]["stance"].startswith(
        f"1 of {2 * MIN_SCORED_ROWS} rows have no text: this release does not carry the sentence "
        "texts; rebuild them from your own copy of the articles (annotation rehydrate)"
    )


def test_predict_stance_predicts_the_test_rows_only() -> None:
    frame = make_sentences(3 * MIN_SCORED_ROWS // 2, splits=("train", "test", "validation"))
    plan = plan_evaluation(frame)
    assert plan.protocol.startswith("train/test split")
    predicted = predict_stance(frame, "tfidf-lr", plan.folds)
    test = (frame["split"] == "test").to_numpy()
    assert predicted[~test].tolist() == [None] * int((~test).sum())
    assert predicted[test].tolist() == frame.loc[test, "stance"].tolist()


def test_summary_table_lists_every_model(lexicon: Lexicon) -> None:
    metrics = evaluate_baselines(
        make_sentences(10), stance_labels=STANCE, lexicon=lexicon,
        stance_kinds=CLASSICAL_STANCE, tagger_kinds=["lexicon"],
    )
    table = summary_table(metrics)
    assert table.startswith("protocol: grouped 5-fold cross-validation")
    lines = table.splitlines()
    assert any(line.startswith("tfidf-lr ") and line.endswith("1.000") for line in lines)
    for row in ("majority ", "lexicon (exact) ", "lexicon (partial) ", "lexicon (token) "):
        assert any(line.startswith(row) for line in lines), row


def test_missing_embedding_extra_skips_those_kinds_with_a_note(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(baselines, "embedding_available", lambda: False)
    metrics = evaluate_baselines(make_sentences(10), stance_labels=STANCE, lexicon=lexicon)
    assert list(metrics["stance"]) == CLASSICAL_STANCE
    assert list(metrics["loaded_language"]) == CLASSICAL_TAGGERS
    assert sorted(metrics["skipped"]) == sorted(EMBEDDING_KINDS)
    assert "skipped embedding-lr: the embedding kinds need the optional 'embedding' extra" in (
        summary_table(metrics)
    )
    with pytest.raises(ImportError, match=r"pip install 'annotation\[embedding\]'"):
        make_stance_classifier("embedding-lr")


def test_evaluation_folds_take_n_folds() -> None:
    frame = make_sentences(12, splits=("train",) * 12)
    protocol, folds = evaluation_folds(frame, n_folds=10)
    assert len(folds) == 10 and protocol.startswith("grouped 10-fold")
    with pytest.raises(ValueError, match="n_folds=1 must be an integer >= 2"):
        evaluation_folds(frame, n_folds=1)


# Learnt taggers: "bizarre" and "thugs" are always marked, "plain" words never.
TAG_TEXTS = [
    f"{subject} {verb} a {adjective} claim about item {i}."
    for i, (subject, verb, adjective) in enumerate(
        [
            ("Thugs", "made", "bizarre"), ("Officials", "made", "plain"),
            ("Critics", "made", "bizarre"), ("Thugs", "issued", "plain"),
            ("Officials", "issued", "plain"), ("Critics", "issued", "bizarre"),
        ] * 3
    )
]


def tag_gold(text: str) -> list[tuple[int, int, str]]:
    return [(text.index(w), text.index(w) + len(w), NEG) for w in ("Thugs", "bizarre") if w in text]


@pytest.mark.parametrize("make", [MarkedRateTagger, TokenTagger], ids=lambda make: make.__name__)
def test_learnt_taggers_tune_a_threshold_and_find_the_marked_words(
    make: Callable[..., Any],
) -> None:
    gold = [tag_gold(text) for text in TAG_TEXTS]
    tagger = make(lexicon=load_lexicon()) if make is TokenTagger else make()
    tagger.fit(TAG_TEXTS, gold)
    assert 0 < tagger.threshold_ < 1 and tagger.labels_ == [NEG]
    test = ["Thugs filed a bizarre claim.", "Officials filed a plain claim."]
    assert tagger.predict(test) == [[(0, 5, NEG), (14, 21, NEG)], []]
    refit = clone(tagger).fit(TAG_TEXTS, gold)
    assert refit.threshold_ == tagger.threshold_


def test_learnt_taggers_merge_runs_and_handle_no_spans() -> None:
    texts = ["a gang of thugs came", "the town slept", "a gang of thugs left", "the town woke"]
    gold = [[(2, 15, NEG)], [], [(2, 15, NEG)], []]
    tagger = TokenTagger(threshold=0.5).fit(texts, gold)
    assert tagger.predict(["a gang of thugs slept", ""]) == [[(2, 15, NEG)], []]
    empty = MarkedRateTagger().fit(["no spans here", "nor here"], [[], []])
    assert empty.labels_ == [] and empty.predict(["no spans here"]) == [[]]
    assert TokenTagger().fit(["no spans here", "nor here"], [[], []]).predict(["here"]) == [[]]


@pytest.mark.parametrize("threshold", [0, 1.5, "best"])
def test_learnt_taggers_reject_bad_thresholds(threshold: Any) -> None:
    with pytest.raises(ValueError, match="must be 'auto' or a number in \\(0, 1\\]"):
        MarkedRateTagger(threshold=threshold).fit(["a b"], [[(0, 1, NEG)]])


def test_marked_rate_threshold_is_tuned_on_training_texts_only() -> None:
    # The held-out text's words never count: a tagger fitted without it cannot know "odd".
    gold = [tag_gold(text) for text in TAG_TEXTS]
    tagger = MarkedRateTagger().fit(TAG_TEXTS, gold)
    assert "odd" not in tagger.model_
    assert tagger.predict(["An odd claim."]) == [[]]


def test_embedding_stance_kinds_learn_the_toy(lexicon: Lexicon) -> None:
    embedding = [kind for kind in STANCE_KINDS if kind in EMBEDDING_KINDS]
    metrics = evaluate_baselines(
        make_sentences(12), stance_labels=STANCE, lexicon=lexicon, stance_kinds=embedding,
        tagger_kinds=["embedding-token-lr"],
    )
    for kind in embedding:
        assert metrics["stance"][kind]["macro_f1"] > 0.5, kind
    assert metrics["loaded_language"]["embedding-token-lr"]["token"]["f1"] == 1.0


def test_sentence_embedding_is_offline_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    texts = ["The regime fell.", "Rebels freed 🙂 the town."]
    vectors = SentenceEmbedding().fit(texts).transform(texts)
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    layers = SentenceEmbedding(pooling="layers").fit(texts)
    assert layers.transform(pd.DataFrame({"text": texts})).shape == (2, 6 * 384)
    assert layers.get_feature_names_out()[-1] == "minilm2303"
    tokens = baselines._minilm().token_vectors(texts)
    assert [t.shape for t in tokens] == [(4, 384), (6, 384)]
    assert np.abs(tokens[1]).sum(axis=1).min() > 0  # the emoji token has a vector too
    with pytest.raises(ValueError, match="pooling='mean' is not one of"):
        SentenceEmbedding(pooling="mean").fit(texts)  # type: ignore[arg-type]
