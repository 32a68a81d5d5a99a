"""Model suggestions for the tasks nobody has annotated yet (``annotation suggest``).

A baseline stance classifier (``annotation.models.make_stance_classifier``) is trained on the
stance labels of the last build (the release's aggregated ``stance`` per sentence × target) and
predicts a stance for each task of the project without an annotation; each prediction goes to
Label Studio as one ``choices`` region of the scheme's stance control, with the predicted class's
probability as its score and a ``model_version`` that names the kind, the release version and a
hash of the training labels (``model_version``). The pipeline step (``pipeline.suggest``) replaces
the earlier predictions of the same kind on those tasks, so running it again never duplicates.

With ``--tagger KIND`` a loaded-language tagger (``annotation.models.make_loaded_language_tagger``,
not the push's own ``lexicon``) is trained on the release's aggregated spans too, and its spans go
to the same tasks as ``labels`` regions of the span control, each scored (``span_predictions``).

Only the pure parts live here: the refusals (``check_training_labels``, ``check_training_spans``),
the version tag and the prediction payloads. Stance predictions are not measured by
``exports.suggestions``, which reads pre-filled loaded-language spans only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from annotation.errors import AnnotationError
from annotation.schema import SUGGESTION_ID_PREFIX

__all__ = [
    "MIN_LABELS_PER_CLASS",
    "MIN_CLASSES",
    "SuggestError",
    "SuggestReport",
    "check_training_labels",
    "check_training_spans",
    "model_version",
    "is_version_of",
    "stance_predictions",
    "span_predictions",
    "region_scores",
    "suggest_stance",
    "suggest_spans",
]

MIN_LABELS_PER_CLASS = 3
"""The fewest labelled tasks a stance class needs to be learnt (and predicted) by ``suggest``."""
MIN_CLASSES = 2
"""The fewest stance classes with ``MIN_LABELS_PER_CLASS`` labels each that ``suggest`` trains on."""


class SuggestError(AnnotationError, ValueError):
    """Too few labels to train a suggestion model on, or a model ``suggest`` does not offer."""


@dataclass(frozen=True)
class SuggestReport:
    """What ``suggest`` did for one model: its kind and version, the labels (stance rows or spans)
    it learnt from, the earlier predictions of its kind it deleted and the ones it pushed."""

    kind: str
    version: str
    trained: int
    deleted: int
    created: int


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


def check_training_spans(spans: Sequence[Sequence[Any]], *, min_spans: int = MIN_LABELS_PER_CLASS) -> int:
    """The number of spans in the training rows, or a ``SuggestError`` when fewer than ``min_spans``.

    Examples:
        >>> check_training_spans([[(0, 3, "loaded-negative")], [], [(1, 2, "x"), (4, 5, "x")]])
        3
        >>> check_training_spans([[], [(0, 3, "loaded-negative")]])
        Traceback (most recent call last):
        ...
        annotation.suggest.SuggestError: 1 loaded-language span(s) in 2 labelled task(s) so far; a tagger's suggestions need at least 3: annotate more tasks, pull and build, then run `annotation suggest` again
    """
    n = sum(len(row) for row in spans)
    if n < min_spans:
        raise SuggestError(
            f"{n} loaded-language span(s) in {len(spans)} labelled task(s) so far; a tagger's suggestions need at least "
            f"{min_spans}: annotate more tasks, pull and build, then run `annotation suggest` again"
        )
    return n


def model_version(kind: str, release_version: str, labels: pd.DataFrame) -> str:
    """``<kind>-v<release version>+<8 hex of the training labels' sha256>``.

    The hash covers every column of each training row (target, text and stance, or spans), in a
    fixed order, so the same labels give the same version whatever order they were read in.

    Examples:
        >>> frame = pd.DataFrame({"target": ["t", "t"], "text": ["a", "b"], "stance": ["favor", "against"]})
        >>> v = model_version("tfidf-lr", "0.1.0", frame)
        >>> v.startswith("tfidf-lr-v0.1.0+"), v == model_version("tfidf-lr", "0.1.0", frame.iloc[::-1])
        (True, True)
        >>> is_version_of(v, "tfidf-lr"), is_version_of(v, "tfidf-svm"), is_version_of("lexicon-v1", "tfidf-lr")
        (True, False, False)
    """
    columns = sorted(labels.columns)
    rows = sorted("\x1f".join(str(value) for value in row) for row in labels[columns].itertuples(index=False))
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


def span_predictions(task_ids: Sequence[int], texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int, str]]],
                     scores: Sequence[Sequence[float]], *, span_name: str, version: str) -> list[dict[str, Any]]:
    """One Label Studio prediction per task with a predicted span: its ``labels`` regions, each with
    its own score; the prediction's score is their mean. Tasks without a span get none.

    Region ids begin with ``SUGGESTION_ID_PREFIX``, so Label Studio draws the spans as suggestions
    wherever they are pre-filled.

    Examples:
        >>> span_predictions([5, 6], ["The regime fell.", "Calm."], [[(4, 10, "loaded-negative")], []], [[0.8], []],
        ...                  span_name="loaded", version="token-lr-v0.1.0+abcd1234")
        [{'task': 5, 'model_version': 'token-lr-v0.1.0+abcd1234', 'score': 0.8, 'result': [{'id': 'lex0', 'from_name': 'loaded', 'to_name': 'text', 'type': 'labels', 'value': {'start': 4, 'end': 10, 'text': 'regime', 'labels': ['loaded-negative']}, 'score': 0.8}]}]
    """
    predictions = []
    for task_id, text, task_spans, task_scores in zip(task_ids, texts, spans, scores, strict=True):
        if not task_spans:
            continue
        result = [
            {"id": f"{SUGGESTION_ID_PREFIX}{i}", "from_name": span_name, "to_name": "text", "type": "labels",
             "value": {"start": int(start), "end": int(end), "text": text[start:end], "labels": [str(label)]},
             "score": round(float(score), 4)}
            for i, ((start, end, label), score) in enumerate(zip(task_spans, task_scores, strict=True))
        ]
        mean = round(sum(r["score"] for r in result) / len(result), 4)
        predictions.append({"task": int(task_id), "model_version": version, "score": mean, "result": result})
    return predictions


def region_scores(texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int, str]]],
                  token_scores: Sequence[Sequence[float]] | None) -> list[list[float]]:
    """Each span's score: the mean score of the tokens (``annotation.spans.token_spans``) inside it;
    1.0 for every span when the tagger gives no token scores (a lookup).

    Examples:
        >>> region_scores(["The regime fell."], [[(4, 10, "x")]], [[0.1, 0.9, 0.2, 0.0]])
        [[0.9]]
        >>> region_scores(["The regime fell."], [[(4, 10, "x")]], None)
        [[1.0]]
    """
    from annotation.spans import token_spans

    if token_scores is None:
        return [[1.0] * len(task_spans) for task_spans in spans]
    scored = []
    for text, task_spans, scores in zip(texts, spans, token_scores, strict=True):
        tokens = token_spans(text)
        row = []
        for start, end, _ in task_spans:
            inside = [float(score) for (a, b), score in zip(tokens, scores, strict=False) if a < end and start < b]
            row.append(sum(inside) / len(inside) if inside else 1.0)
        scored.append(row)
    return scored


def suggest_stance(labelled: pd.DataFrame, open_tasks: Sequence[dict[str, Any]], *, kind: str, release_version: str,
                   stance_name: str) -> tuple[str, int, list[dict[str, Any]]]:
    """Train the stance classifier ``kind`` on ``labelled`` (``target``, ``text``, ``stance``; the
    classes with too few labels left out, see ``check_training_labels``) and predict ``open_tasks``
    (``{"id", "data": {"text", "target"}}``).

    Returns:
        ``(model_version, training rows, predictions)``.

    Raises:
        SuggestError: Too few labels.

    Examples:
        >>> labelled = pd.DataFrame({"target": ["A"] * 6, "text": ["good", "fine", "great", "bad", "awful", "poor"],
        ...                          "stance": ["favor"] * 3 + ["against"] * 3})
        >>> version, n, (p,) = suggest_stance(labelled, [{"id": 9, "data": {"text": "awful", "target": "A"}}], kind="tfidf-lr",
        ...                                   release_version="0.1.0", stance_name="stance")
        >>> version.startswith("tfidf-lr-v0.1.0+"), n, p["task"], p["result"][0]["value"], 0.5 < p["score"] < 1.0
        (True, 6, 9, {'choices': ['against']}, True)
    """
    from annotation.models import make_stance_classifier

    classes = check_training_labels(labelled["stance"].tolist())
    train = labelled[labelled["stance"].isin(classes)]
    version = model_version(kind, release_version, train[["target", "text", "stance"]])
    if not open_tasks:
        return version, len(train), []
    model = make_stance_classifier(kind).fit(train[["target", "text"]], train["stance"].to_numpy())
    frame = pd.DataFrame({"target": [t["data"].get("target", "") for t in open_tasks], "text": [t["data"]["text"] for t in open_tasks]})
    scores: list[float | None] = ([float(p.max()) for p in model.predict_proba(frame)] if hasattr(model, "predict_proba")
                                  else [None] * len(open_tasks))
    predictions = stance_predictions([t["id"] for t in open_tasks], list(model.predict(frame)), scores, stance_name=stance_name,
                                     version=version)
    return version, len(train), predictions


def suggest_spans(labelled: pd.DataFrame, open_tasks: Sequence[dict[str, Any]], *, kind: str, release_version: str,
                  span_name: str, lexicon: Any) -> tuple[str, int, list[dict[str, Any]]]:
    """Train the loaded-language tagger ``kind`` on ``labelled`` (``text``, ``spans``: lists of
    ``{"start", "end", "label"}``) and predict ``open_tasks``; ``lexicon`` is the campaign's.

    Returns:
        ``(model_version, training spans, predictions)``.

    Raises:
        SuggestError: Too few spans.
    """
    from annotation.models import make_loaded_language_tagger

    texts = labelled["text"].tolist()
    spans = [[(int(x["start"]), int(x["end"]), str(x["label"])) for x in row] for row in labelled["spans"]]
    n_spans = check_training_spans(spans)
    version = model_version(kind, release_version, pd.DataFrame({"text": texts, "spans": spans}))
    open_texts = [t["data"]["text"] for t in open_tasks]
    if not open_tasks:
        return version, n_spans, []
    tagger = make_loaded_language_tagger(kind, lexicon=lexicon).fit(texts, spans)
    found = tagger.predict(open_texts)
    # The learnt taggers score each token (ThresholdTagger._score); a region gets its tokens' mean.
    token_scores = tagger._score(tagger.model_, open_texts).scores if hasattr(tagger, "model_") else None
    predictions = span_predictions([t["id"] for t in open_tasks], open_texts, found, region_scores(open_texts, found, token_scores),
                                   span_name=span_name, version=version)
    return version, n_spans, predictions
