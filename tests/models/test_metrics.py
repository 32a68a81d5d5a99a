"""Hand-checkable cases for ``annotation.models.metrics``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotation.models import (
    accuracy,
    char_prf,
    confusion_matrix,
    macro_f1,
    per_label_f1,
    semeval_favg,
    span_prf,
    token_f1,
)

STANCE = ["favor", "against", "neutral", "unrelated"]
NEG, POS = "loaded-negative", "loaded-positive"
SPAN_LABELS = [NEG, POS]

# favor: 1 hit, 1 predicted, 2 gold -> F1 2/3; against: 1 hit, 3 predicted, 1 gold -> F1 1/2;
# neutral: gold only -> 0; unrelated: absent on both sides -> NaN.
Y_TRUE = ["favor", "favor", "against", "neutral"]
Y_PRED = ["favor", "against", "against", "against"]


def test_per_label_f1_by_hand() -> None:
    scores = per_label_f1(Y_TRUE, Y_PRED, STANCE)
    assert list(scores) == STANCE
    assert scores["favor"] == pytest.approx(2 / 3)
    assert scores["against"] == pytest.approx(1 / 2)
    assert scores["neutral"] == 0.0
    assert math.isnan(scores["unrelated"])


def test_macro_favg_accuracy_confusion_by_hand() -> None:
    assert macro_f1(Y_TRUE, Y_PRED, STANCE) == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert semeval_favg(Y_TRUE, Y_PRED) == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert accuracy(Y_TRUE, Y_PRED) == 0.5
    assert confusion_matrix(Y_TRUE, Y_PRED, STANCE) == [
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 0, 0],
    ]


def test_macro_f1_matches_sklearn_over_present_labels() -> None:
    rng = np.random.default_rng(0)
    y_true = rng.choice(STANCE[:3], size=50).tolist()
    y_pred = rng.choice(STANCE, size=50).tolist()
    expected = f1_score(y_true, y_pred, average="macro")
    assert macro_f1(y_true, y_pred, STANCE) == pytest.approx(expected)


def test_semeval_favg_ignores_other_labels_and_custom_names() -> None:
    # Confusing neutral with unrelated does not touch F_favor or F_against.
    assert semeval_favg(["pro", "con", "neutral"], ["pro", "con", "unrelated"], "pro", "con") == 1.0
    # A polar label absent on both sides is left out of the mean, not scored as 0.
    assert semeval_favg(["against", "neutral"], ["against", "neutral"]) == 1.0


def test_empty_inputs_give_nan_not_errors() -> None:
    assert math.isnan(accuracy([], []))
    assert math.isnan(macro_f1([], [], STANCE))
    assert math.isnan(semeval_favg([], []))
    assert all(math.isnan(v) for v in per_label_f1([], [], STANCE).values())
    assert confusion_matrix([], [], STANCE) == [[0] * 4 for _ in range(4)]
    for scores in (span_prf([], [], SPAN_LABELS), char_prf([], [], SPAN_LABELS), token_f1([], [], SPAN_LABELS)):
        assert math.isnan(scores["precision"]) and math.isnan(scores["recall"])
        assert math.isnan(scores["f1"])
        assert (scores["n_gold"], scores["n_pred"]) == (0, 0)


def test_texts_without_spans_give_nan() -> None:
    scores = span_prf([[], []], [[], []], SPAN_LABELS, partial=True)
    assert math.isnan(scores["f1"])
    assert math.isnan(scores["per_label"][POS]["f1"])


def test_stance_input_errors() -> None:
    with pytest.raises(ValueError, match=r"differ in length \(1 != 0\)"):
        accuracy(["favor"], [])
    with pytest.raises(ValueError, match=r"y_pred has label\(s\) \['pro'\] outside labels"):
        macro_f1(["favor"], ["pro"], STANCE)


def test_span_exact_match() -> None:
    gold = [[(4, 10, NEG), (11, 16, POS)], [(0, 5, NEG)]]
    pred = [[(4, 10, NEG), (11, 16, NEG)], [(0, 4, NEG)]]
    scores = span_prf(gold, pred, SPAN_LABELS)
    assert (scores["precision"], scores["recall"]) == (1 / 3, 1 / 3)
    assert scores["f1"] == pytest.approx(1 / 3)
    assert (scores["n_gold"], scores["n_pred"]) == (3, 3)
    assert scores["per_label"][NEG]["precision"] == 1 / 3
    assert scores["per_label"][NEG]["recall"] == 1 / 2
    # POS: one gold span, no prediction: recall 0, precision undefined, F1 0.
    assert scores["per_label"][POS]["recall"] == 0.0
    assert math.isnan(scores["per_label"][POS]["precision"])
    assert scores["per_label"][POS]["f1"] == 0.0


def test_span_partial_overlap_credit() -> None:
    # Text 1: predicted (0, 10) covers gold (4, 10): precision credit 6/10, recall credit 6/6.
    # Text 2: predicted (0, 4) inside gold (0, 8): precision credit 4/4, recall credit 4/8.
    # The POS prediction has no POS gold: credit 0 (the overlapping NEG gold does not count).
    gold = [[(4, 10, NEG)], [(0, 8, NEG)]]
    pred = [[(0, 10, NEG), (4, 10, POS)], [(0, 4, NEG)]]
    scores = span_prf(gold, pred, SPAN_LABELS, partial=True)
    assert scores["precision"] == pytest.approx((0.6 + 0 + 1) / 3)
    assert scores["recall"] == pytest.approx((1 + 0.5) / 2)
    p, r = 1.6 / 3, 0.75
    assert scores["f1"] == pytest.approx(2 * p * r / (p + r))
    neg = scores["per_label"][NEG]
    assert (neg["precision"], neg["recall"]) == pytest.approx((0.8, 0.75))
    assert scores["per_label"][POS]["precision"] == 0.0
    # No partial credit without the flag.
    assert span_prf(gold, pred, SPAN_LABELS)["f1"] == 0.0


def test_span_partial_credit_uses_the_union_of_same_label_spans() -> None:
    # Two overlapping gold spans cover (0, 12); the prediction (2, 10) gets credit 1, not 8/8 + 6/8.
    gold = [[(0, 10, NEG), (4, 12, NEG)]]
    pred = [[(2, 10, NEG)]]
    scores = span_prf(gold, pred, SPAN_LABELS, partial=True)
    assert scores["precision"] == 1.0
    assert scores["recall"] == pytest.approx((8 / 10 + 6 / 8) / 2)


def test_span_duplicates_count_once_and_numpy_offsets_are_accepted() -> None:
    gold = [[(np.int32(0), np.int32(3), NEG)]]
    pred = [[(0, 3, NEG), (0, 3, NEG)]]
    scores = span_prf(gold, pred, SPAN_LABELS)
    assert (scores["n_pred"], scores["f1"]) == (1, 1.0)


def test_char_f1_pools_characters_where_partial_credit_averages_spans() -> None:
    # Text 1: predicted NEG (0, 10) covers gold (4, 10): 6 of its 10 characters are gold NEG; the
    # POS prediction (4, 10) has no POS gold: 0 of 6. Text 2: predicted (0, 4) inside gold (0, 8).
    gold = [[(4, 10, NEG)], [(0, 8, NEG)]]
    pred = [[(0, 10, NEG), (4, 10, POS)], [(0, 4, NEG)]]
    scores = char_prf(gold, pred, SPAN_LABELS)
    assert (scores["n_pred"], scores["n_gold"]) == (10 + 6 + 4, 6 + 8)
    assert (scores["precision"], scores["recall"]) == pytest.approx(((6 + 4) / 20, (6 + 4) / 14))
    p, r = 10 / 20, 10 / 14
    assert scores["f1"] == pytest.approx(2 * p * r / (p + r))
    assert scores["per_label"][POS]["precision"] == 0.0
    assert math.isnan(scores["per_label"][POS]["recall"])
    # The same predictions get span-averaged credit (0.6 + 0 + 1) / 3 from the partial measure.
    assert span_prf(gold, pred, SPAN_LABELS, partial=True)["precision"] == pytest.approx(1.6 / 3)


def test_char_f1_ignores_how_the_covered_characters_are_split_into_spans() -> None:
    # Adjacent gold words predicted as one span, and overlapping predictions: every character once.
    gold = [[(0, 4, NEG), (5, 9, NEG)]]
    assert char_prf(gold, [[(0, 9, NEG)]], SPAN_LABELS)["precision"] == 8 / 9
    scores = char_prf(gold, [[(0, 6, NEG), (2, 9, NEG)]], SPAN_LABELS)
    assert (scores["precision"], scores["recall"], scores["n_pred"]) == (8 / 9, 1.0, 9)
    assert span_prf(gold, [[(0, 9, NEG)]], SPAN_LABELS)["f1"] == 0.0


@pytest.mark.parametrize(
    ("gold", "pred", "message"),
    [
        ([[]], [], "differ in length"),
        ([[(3, 3, NEG)]], [[]], r"gold\[0\]: span .* 0 <= start < end"),
        ([[]], [[(0, 3, "loaded")]], r"pred\[0\]: span .* outside labels"),
        ([[]], [[(0, 3)]], r"pred\[0\]: expected \(start, end, label\)"),
    ],
)
def test_span_input_errors(gold: list, pred: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        span_prf(gold, pred, SPAN_LABELS)
    with pytest.raises(ValueError, match=message):
        char_prf(gold, pred, SPAN_LABELS)


def test_token_f1_by_hand() -> None:
    gold = [["O", NEG, NEG, "O"], [POS, "O"]]
    pred = [["O", NEG, "O", POS], [POS, NEG]]
    scores = token_f1(gold, pred, SPAN_LABELS)
    # Hits: 1 NEG + 1 POS; predicted: 2 NEG + 2 POS; gold: 2 NEG + 1 POS.
    assert (scores["precision"], scores["recall"]) == (2 / 4, 2 / 3)
    assert scores["per_label"][NEG]["f1"] == pytest.approx(2 * 0.5 * 0.5 / 1.0)
    assert scores["per_label"][POS]["f1"] == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_token_f1_errors() -> None:
    with pytest.raises(ValueError, match="text 0: gold has 2 tokens but pred has 1"):
        token_f1([["O", "O"]], [["O"]], SPAN_LABELS)
    with pytest.raises(ValueError, match=r"B-loaded-negative"):
        token_f1([["B-loaded-negative"]], [["O"]], SPAN_LABELS)


def test_overlap_credit_counts_the_characters_of_random_overlapping_spans() -> None:
    """``span_prf(partial=True)`` and ``char_prf`` against their definitions, character by character."""
    import random

    rng = random.Random(0)
    for _ in range(200):
        gold, pred = ([(s, rng.randint(s + 1, s + 12), "x") for s in (rng.randrange(60) for _ in range(rng.randint(1, 6)))]
                      for _ in range(2))
        gold_chars = {c for s, e, _ in gold for c in range(s, e)}
        pred_chars = {c for s, e, _ in pred for c in range(s, e)}
        chars = char_prf([gold], [pred], ["x"])
        assert chars["precision"] == pytest.approx(len(gold_chars & pred_chars) / len(pred_chars))
        assert chars["recall"] == pytest.approx(len(gold_chars & pred_chars) / len(gold_chars))
        distinct_pred, distinct_gold = sorted(set(pred)), sorted(set(gold))
        credit = sum(len(set(range(s, e)) & gold_chars) / (e - s) for s, e, _ in distinct_pred)
        assert span_prf([gold], [pred], ["x"], partial=True)["precision"] == pytest.approx(credit / len(distinct_pred))
        credit = sum(len(set(range(s, e)) & pred_chars) / (e - s) for s, e, _ in distinct_gold)
        assert span_prf([gold], [pred], ["x"], partial=True)["recall"] == pytest.approx(credit / len(distinct_gold))
