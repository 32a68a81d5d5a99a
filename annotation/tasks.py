"""Turn sentences into Label Studio tasks: one per sentence × target, with context and predictions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from annotation.errors import AnnotationKeyError
from annotation.ingest import Sentence
from annotation.lexicon import Lexicon, find_loaded_spans
from annotation.records import task_key
from annotation.schema import SUGGESTION_ID_PREFIX, Schema

__all__ = ["TaskError", "make_tasks", "lexicon_prediction", "span_regions"]


class TaskError(AnnotationKeyError):
    """The sentences and articles given to ``make_tasks`` do not belong together."""


class _Article(Protocol):
    article_id: str
    title: str
    targets: tuple[str, ...]


def span_regions(text: str, spans: Sequence[tuple[int, int, str]], span_name: str,
                 scores: Sequence[float] | None = None) -> list[dict[str, Any]]:
    """Spans ``(start, end, label)`` (code points, end exclusive) of ``text`` as Label Studio
    ``labels`` regions of the control ``span_name``, with ids beginning with ``SUGGESTION_ID_PREFIX``
    (the id the label config's style draws as a suggestion) and, given ``scores``, one score each.

    Examples:
        >>> span_regions("The regime fell.", [(4, 10, "loaded-negative")], "loaded", [0.91234])
        [{'id': 'lex0', 'from_name': 'loaded', 'to_name': 'text', 'type': 'labels', 'value': {'start': 4, 'end': 10, 'text': 'regime', 'labels': ['loaded-negative']}, 'score': 0.9123}]
    """
    regions = [
        {"id": f"{SUGGESTION_ID_PREFIX}{i}", "from_name": span_name, "to_name": "text", "type": "labels",
         "value": {"start": int(start), "end": int(end), "text": text[start:end], "labels": [str(label)]}}
        for i, (start, end, label) in enumerate(spans)
    ]
    if scores is not None:
        for region, score in zip(regions, scores, strict=True):
            region["score"] = round(float(score), 4)
    return regions


def lexicon_prediction(text: str, lexicon: Lexicon, schema: Schema) -> dict[str, Any] | None:
    """Lexicon hits in ``text`` as one Label Studio prediction, or None when nothing matches.

    Examples:
        >>> from annotation.lexicon import load_lexicon
        >>> from annotation.schema import load_schema
        >>> p = lexicon_prediction("The regime fell.", load_lexicon(), load_schema())
        >>> p["model_version"], p["result"][0]["value"]
        ('lexicon-v1', {'start': 4, 'end': 10, 'text': 'regime', 'labels': ['loaded-negative']})
    """
    spans = find_loaded_spans(text, lexicon)
    if not spans:
        return None
    return {"model_version": lexicon.model_version, "score": 1.0, "result": span_regions(text, spans, schema.span_name)}


def make_tasks(
    articles: Iterable[_Article],
    sentences: Sequence[Sentence],
    *,
    schema: Schema,
    lexicon: Lexicon | None = None,
) -> list[dict[str, Any]]:
    """Build one task per sentence × article target.

    The context shown is the article headline and the neighbouring sentences; the headline is
    sentence 0, so the first body sentence gets no separate "before" context.

    Args:
        articles: Articles with their stance targets.
        sentences: Their sentences, in any order.
        schema: The annotation scheme (names the span control for predictions).
        lexicon: If given, lexicon hits are attached as predictions (never as annotations).

    Returns:
        Task dicts in Label Studio's import format, ordered by article, sentence, target.

    Raises:
        TaskError: A sentence refers to an article that is not in ``articles`` (a ``KeyError``).
    """
    by_article: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        by_article.setdefault(sentence.article_id, []).append(sentence)
    known = {a.article_id: a for a in articles}
    unknown = sorted(set(by_article) - set(known))
    if unknown:
        raise TaskError(f"sentences refer to unknown article(s) {unknown}; run `annotation segment` after each `annotation ingest`")
    tasks: list[dict[str, Any]] = []
    for article_id in sorted(by_article):
        article = known[article_id]
        ordered = sorted(by_article[article_id], key=lambda s: s.index)
        for i, sentence in enumerate(ordered):
            before = ordered[i - 1].text if i >= 2 else ""
            after = ordered[i + 1].text if i + 1 < len(ordered) else ""
            prediction = lexicon_prediction(sentence.text, lexicon, schema) if lexicon else None
            for target in article.targets:
                task: dict[str, Any] = {
                    "data": {
                        "text": sentence.text,
                        "target": target,
                        "headline": article.title,
                        "context_before": before,
                        "context_after": after,
                        "task_key": task_key(sentence.sentence_id, target),
                        "sentence_id": sentence.sentence_id,
                        "article_id": article_id,
                        "start": sentence.start,
                        "end": sentence.end,
                    }
                }
                if prediction:
                    task["predictions"] = [prediction]
                tasks.append(task)
    return tasks
