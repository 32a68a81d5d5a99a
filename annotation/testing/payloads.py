"""Label Studio tasks of any size, for tests and benchmarks: copies of the seed article under new ids."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from annotation.ingest import load_articles, split_sentences
from annotation.lexicon import load_lexicon
from annotation.resources import SEED_CAMPAIGN
from annotation.schema import load_schema
from annotation.tasks import make_tasks

__all__ = ["seed_copy_tasks"]


def seed_copy_tasks(n_articles: int, prefix: str = "copy") -> list[dict[str, Any]]:
    """Tasks (with lexicon predictions) for ``n_articles`` copies of the seed article, 24 tasks each.

    Used by the real-server tests and by the benchmarks to make payloads of any size.
    """
    (seed,) = load_articles(SEED_CAMPAIGN / "seeds")
    schema, lexicon = load_schema(), load_lexicon()
    tasks: list[dict[str, Any]] = []
    for i in range(n_articles):
        article = replace(seed, article_id=f"{prefix}{i:06d}")
        sentences = [replace(s, article_id=article.article_id, sentence_id=f"{article.article_id}-{s.index:04d}")
                     for s in split_sentences(seed)]
        tasks.extend(make_tasks([article], sentences, schema=schema, lexicon=lexicon))
    return tasks
