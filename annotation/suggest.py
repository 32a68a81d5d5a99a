"""Model suggestions for the tasks still short of their overlap (``annotation suggest``).

A baseline stance classifier (``annotation.models.make_stance_classifier``) is trained on the
stance labels of the last build (the release's aggregated ``stance`` per sentence × target) and
predicts a stance for each *open* task (fewer submitted annotations than the overlap, not gold).
Each task gets one Label Studio prediction: a ``choices`` region of the scheme's stance control
scored with the predicted class's probability, and the loaded-language spans as ``labels``
regions of the span control, each scored: a learnt tagger's (``--tagger KIND``,
``annotation.models.make_loaded_language_tagger``, trained on the release's aggregated spans) or
else the campaign lexicon's (score 1.0), so annotators keep seeing the lexicon's spans when the
model's stance is pre-filled. Its ``model_version`` names both models, the release version and a
hash of the training labels (``tfidf-lr+lexicon-v0.1.0+1a2b3c4d``, ``model_version``).

- **Independence.** The rows of the open tasks are left out of training, so no annotator is
  shown a suggestion learnt from another annotator's label of the same task.
- **Uncertainty.** Each open task's margin (best minus second-best class probability, small-text's
  ``BreakingTies``, Luo et al. 2005) feeds the stream's active order (``assignment.rank_blocks``).

Only the pure parts live here: the refusals (``check_training_labels``, ``check_training_spans``),
the version tag, the models' guesses and the prediction payloads; ``pipeline.suggest`` pushes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from annotation.errors import AnnotationError
from annotation.tasks import span_regions

__all__ = [
    "MIN_LABELS_PER_CLASS",
    "MIN_CLASSES",
    "SuggestError",
    "SuggestReport",
    "StanceGuesses",
    "SpanGuesses",
    "check_training_labels",
    "check_training_spans",
    "suggestion_name",
    "model_version",
    "is_version_of",
    "uncertainty_margins",
    "region_scores",
    "suggest_stance",
    "suggest_spans",
    "lexicon_spans",
    "predictions",
]

MIN_LABELS_PER_CLASS = 3
"""The fewest labelled tasks a stance class needs to be learnt (and predicted) by ``suggest``."""
MIN_CLASSES = 2
"""The fewest stance classes with ``MIN_LABELS_PER_CLASS`` labels each that ``suggest`` trains on."""


class SuggestError(AnnotationError, ValueError):
    """Too few labels to train a suggestion model on, or a model ``suggest`` does not offer."""


@dataclass(frozen=True)
class SuggestReport:
    """What ``suggest`` did: the models' name (``suggestion_name``) and version, the stance rows and
    spans they learnt from (``trained_spans`` None for the lexicon), the earlier predictions of that
    name it deleted and the ones it pushed, the model version the stream pre-fills after the run
    (``shown``: this one, or with ``--no-prefill`` the project's, e.g. ``lexicon-v1``), and the
    number of blocks in the active order's new ranking (0: not pre-filled, or a model without
    probabilities, so the ranking was left as it was)."""

    name: str
    version: str
    trained: int
    trained_spans: int | None
    deleted: int
    created: int
    shown: str
    ranked_blocks: int


@dataclass(frozen=True)
class StanceGuesses:
    """A stance classifier's guesses for the open tasks, in their order.

    Attributes:
        trained: The rows it learnt from (``target``, ``text``, ``stance``).
        labels: The predicted stance per task.
        scores: The predicted class's probability per task (None without probabilities).
        margins: ``uncertainty_margins`` per task, or None when the model gives no probabilities.
    """

    trained: pd.DataFrame
    labels: list[str]
    scores: list[float | None]
    margins: list[float] | None


@dataclass(frozen=True)
class SpanGuesses:
    """Loaded-language spans for the open tasks, in their order: ``(start, end, label)`` in code
    points (end exclusive) with one score per span; ``trained`` spans learnt from (None: the lexicon)."""

    spans: list[list[tuple[int, int, str]]]
    scores: list[list[float]]
    trained: int | None


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


def suggestion_name(kind: str, tagger: str | None = None) -> str:
    """The name of one ``suggest`` run's models: the stance kind and the span source.

    Examples:
        >>> suggestion_name("tfidf-lr"), suggestion_name("tfidf-lr", "token-lr")
        ('tfidf-lr+lexicon', 'tfidf-lr+token-lr')
    """
    return f"{kind}+{tagger or 'lexicon'}"


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
        >>> is_version_of(model_version("tfidf-lr+lexicon", "0.1.0", frame), "tfidf-lr+token-lr")
        False
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


def uncertainty_margins(proba: Any) -> list[float]:
    """Each row's margin between its best and second-best class probability, in [0, 1]; smaller is
    less sure. Computed by small-text's ``BreakingTies`` query strategy (small-text 1.4; Luo et al.
    2005, "Active learning to recognize multiple types of plankton"), the one ``bench/active.py``
    measured against random order on BABE.

    Args:
        proba: ``(n_tasks, n_classes)`` class probabilities, ``n_classes >= 2``.

    Examples:
        >>> uncertainty_margins([[0.5, 0.3, 0.2], [0.9, 0.1, 0.0]])
        [0.2, 0.8]
    """
    import numpy as np
    from small_text.query_strategies import BreakingTies

    proba = np.asarray(proba, dtype=float)

    class _Given:  # small-text asks a classifier for the probabilities; these are already known
        def predict_proba(self, _dataset: Any) -> Any:
            return proba

    margins = BreakingTies().score(_Given(), None, np.arange(len(proba)), np.array([], dtype=int), np.array([], dtype=int))
    return [round(float(m), 6) for m in margins]


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


def suggest_stance(labelled: pd.DataFrame, tasks: pd.DataFrame, *, kind: str) -> StanceGuesses:
    """Train the stance classifier ``kind`` on ``labelled`` (``target``, ``text``, ``stance``; the
    classes with too few labels left out, see ``check_training_labels``) and predict ``tasks``
    (``target``, ``text``).

    Raises:
        SuggestError: Too few labels.

    Examples:
        >>> labelled = pd.DataFrame({"target": ["A"] * 6, "text": ["good", "fine", "great", "bad", "awful", "poor"],
        ...                          "stance": ["favor"] * 3 + ["against"] * 3})
        >>> guesses = suggest_stance(labelled, pd.DataFrame({"target": ["A"], "text": ["awful"]}), kind="tfidf-lr")
        >>> len(guesses.trained), guesses.labels, 0.5 < guesses.scores[0] < 1.0, 0.0 < guesses.margins[0] < 1.0
        (6, ['against'], True, True)
    """
    from annotation.models import make_stance_classifier

    classes = check_training_labels(labelled["stance"].tolist())
    train = labelled.loc[labelled["stance"].isin(classes), ["target", "text", "stance"]]
    if not len(tasks):
        return StanceGuesses(train, [], [], [])
    model = make_stance_classifier(kind).fit(train[["target", "text"]], train["stance"].to_numpy())
    frame = tasks[["target", "text"]]
    labels = [str(label) for label in model.predict(frame)]
    if not hasattr(model, "predict_proba"):
        return StanceGuesses(train, labels, [None] * len(labels), None)
    proba = model.predict_proba(frame)
    return StanceGuesses(train, labels, [float(p.max()) for p in proba], uncertainty_margins(proba))


def suggest_spans(labelled: pd.DataFrame, texts: Sequence[str], *, kind: str, lexicon: Any) -> SpanGuesses:
    """Train the loaded-language tagger ``kind`` on ``labelled`` (``text``, ``spans``: lists of
    ``{"start", "end", "label"}``) and tag ``texts``; ``lexicon`` is the campaign's.

    Raises:
        SuggestError: Too few spans.
    """
    from annotation.models import make_loaded_language_tagger

    train_texts = labelled["text"].tolist()
    spans = [[(int(x["start"]), int(x["end"]), str(x["label"])) for x in row] for row in labelled["spans"]]
    n_spans = check_training_spans(spans)
    if not texts:
        return SpanGuesses([], [], n_spans)
    tagger = make_loaded_language_tagger(kind, lexicon=lexicon).fit(train_texts, spans)
    found = [list(row) for row in tagger.predict(list(texts))]
    # The learnt taggers score each token (ThresholdTagger._score); a region gets its tokens' mean.
    token_scores = tagger._score(tagger.model_, list(texts)).scores if hasattr(tagger, "model_") else None
    return SpanGuesses(found, region_scores(texts, found, token_scores), n_spans)


def lexicon_spans(texts: Sequence[str], lexicon: Any) -> SpanGuesses:
    """The campaign lexicon's matches in ``texts`` (``annotation.lexicon.find_loaded_spans``), each scored 1.0."""
    from annotation.lexicon import find_loaded_spans

    found = [list(find_loaded_spans(text, lexicon)) for text in texts]
    return SpanGuesses(found, [[1.0] * len(row) for row in found], None)


def predictions(task_ids: Sequence[int], texts: Sequence[str], stance: StanceGuesses, spans: SpanGuesses, *,
                stance_name: str, span_name: str, version: str) -> list[dict[str, Any]]:
    """One Label Studio prediction per task: the stance ``choices`` region, then one ``labels``
    region per span (``tasks.span_regions``: drawn as suggestions), each with its score; the
    prediction's score is the stance's.

    Examples:
        >>> stance = StanceGuesses(pd.DataFrame(), ["against"], [0.61], [0.22])
        >>> spans = SpanGuesses([[(4, 10, "loaded-negative")]], [[0.8]], None)
        >>> (p,) = predictions([5], ["The regime fell."], stance, spans, stance_name="stance", span_name="loaded", version="v")
        >>> p["task"], p["model_version"], p["score"], [r["type"] for r in p["result"]], p["result"][1]["value"]["text"]
        (5, 'v', 0.61, ['choices', 'labels'], 'regime')
    """
    out = []
    for i, (task_id, text) in enumerate(zip(task_ids, texts, strict=True)):
        region: dict[str, Any] = {"from_name": stance_name, "to_name": "text", "type": "choices", "value": {"choices": [stance.labels[i]]}}
        prediction: dict[str, Any] = {"task": int(task_id), "model_version": version}
        if stance.scores[i] is not None:
            region["score"] = prediction["score"] = round(float(stance.scores[i]), 4)
        out.append({**prediction, "result": [region, *span_regions(text, spans.spans[i], span_name, spans.scores[i])]})
    return out
