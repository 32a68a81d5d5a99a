"""Model suggestions for the tasks nobody has annotated yet (``annotation suggest``).

A baseline stance classifier (``annotation.models.make_stance_classifier``) is trained on the
stance labels of the last build (the release's aggregated ``stance`` per sentence × target) and
predicts a stance for each task of the project without an annotation; each prediction goes to
Label Studio as one ``choices`` region of the scheme's stance control, with the predicted class's
probability as its score and a ``model_version`` that names the kind, the release version and a
hash of the training labels (``model_version``). The pipeline step (``pipeline.suggest``) replaces
the earlier predictions of the same kind on those tasks, so running it again never duplicates.

Only the pure parts live here: the refusal (``check_training_labels``), the version tag and the
prediction payloads. Stance predictions are not measured by ``exports.suggestions``, which reads
pre-filled loaded-language spans only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pandas as pd

from annotation.errors import AnnotationError

__all__ = [
    "MIN_LABELS_PER_CLASS",
    "MIN_CLASSES",
    "SuggestError",
    "check_training_labels",
    "model_version",
    "is_version_of",
    "stance_predictions",
]

MIN_LABELS_PER_CLASS = 3
"""The fewest labelled tasks a stance class needs to be learnt (and predicted) by ``suggest``."""
MIN_CLASSES = 2
"""The fewest stance classes with ``MIN_LABELS_PER_CLASS`` labels each that ``suggest`` trains on."""


class SuggestError(AnnotationError, ValueError):
    """Too few labels to train a suggestion model on."""


def check_training_labels(stances: Sequence[str], *, min_per_class: int = MIN_LABELS_PER_CLASS,
                          min_classes: int = MIN_CLASSES) -> list[str]:
    """The stance classes with enough labels to learn, or a ``SuggestError`` saying what is missing.

    Classes with fewer than ``min_per_class`` labels are left out of training (the model never
    predicts them); at least ``min_classes`` classes must remain.

    Examples:
        >>> check_training_labels(["favor"] * 3 + ["against"] * 4 + ["neutral"])
        ['against', 'favor']
        >>> check_training_labels(["favor"] * 3 + ["against"])
        Traceback (most recent call last):
        ...
        annotation.suggest.SuggestError: 4 stance label(s) so far (favor 3, against 1); suggestions need at least 3 labels in each of at least 2 stance classes (1 class(es) have enough): annotate more tasks, pull and build, then run `annotation suggest` again
    """
    counts = pd.Series(list(stances), dtype=object).value_counts()
    enough = sorted(str(label) for label, n in counts.items() if n >= min_per_class)
    if len(enough) < min_classes:
        have = ", ".join(f"{label} {n}" for label, n in counts.items()) or "none"
        raise SuggestError(
            f"{len(stances)} stance label(s) so far ({have}); suggestions need at least {min_per_class} labels in each of at "
            f"least {min_classes} stance classes ({len(enough)} class(es) have enough): annotate more tasks, pull and build, "
            "then run `annotation suggest` again"
        )
    return enough


def model_version(kind: str, release_version: str, labels: pd.DataFrame) -> str:
    """``<kind>-v<release version>+<8 hex of the training labels' sha256>``.

    The hash covers each training row's target, text and stance, in a fixed order, so the same
    labels give the same version whatever order they were read in.

    Examples:
        >>> frame = pd.DataFrame({"target": ["t", "t"], "text": ["a", "b"], "stance": ["favor", "against"]})
        >>> v = model_version("tfidf-lr", "0.1.0", frame)
        >>> v.startswith("tfidf-lr-v0.1.0+"), v == model_version("tfidf-lr", "0.1.0", frame.iloc[::-1])
        (True, True)
        >>> is_version_of(v, "tfidf-lr"), is_version_of(v, "tfidf-svm"), is_version_of("lexicon-v1", "tfidf-lr")
        (True, False, False)
    """
    rows = sorted(f"{t}\x1f{x}\x1f{s}" for t, x, s in zip(labels["target"], labels["text"], labels["stance"], strict=True))
    digest = hashlib.sha256("\x1e".join(rows).encode("utf-8")).hexdigest()[:8]
    return f"{kind}-v{release_version}+{digest}"


def is_version_of(version: str | None, kind: str) -> bool:
    """Whether ``version`` is a ``model_version`` of ``kind`` (any release, any labels).

    No stance kind's name is another's followed by ``-v``, so ``tfidf-lr`` never claims
    ``tfidf-lr-tuned``'s predictions, and the lexicon's (``lexicon-v1``) belong to no kind.
    """
    return bool(version) and str(version).startswith(f"{kind}-v")


def stance_predictions(task_ids: Sequence[int], labels: Sequence[str], scores: Sequence[float | None], *,
                       stance_name: str, version: str) -> list[dict[str, Any]]:
    """One Label Studio prediction per task: a ``choices`` region of the stance control and its score.

    Examples:
        >>> stance_predictions([7], ["favor"], [0.61], stance_name="stance", version="tfidf-lr-v0.1.0+abcd1234")
        [{'task': 7, 'model_version': 'tfidf-lr-v0.1.0+abcd1234', 'score': 0.61, 'result': [{'from_name': 'stance', 'to_name': 'text', 'type': 'choices', 'value': {'choices': ['favor']}, 'score': 0.61}]}]
    """
    predictions = []
    for task_id, label, score in zip(task_ids, labels, scores, strict=True):
        region: dict[str, Any] = {"from_name": stance_name, "to_name": "text", "type": "choices", "value": {"choices": [str(label)]}}
        prediction: dict[str, Any] = {"task": int(task_id), "model_version": version}
        if score is not None:
            region["score"] = prediction["score"] = round(float(score), 4)
        predictions.append({**prediction, "result": [region]})
    return predictions
