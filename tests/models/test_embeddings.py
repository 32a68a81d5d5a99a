"""The frozen MiniLM model and the ``embedding-*`` kinds: ``annotation.models.embeddings``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from annotation.lexicon import Lexicon
from annotation.models import (
    EMBEDDING_KINDS,
    STANCE_KINDS,
    SentenceEmbedding,
    embed_tokens,
    evaluate_baselines,
)
from annotation.spans import token_spans
from tests.models.toy import API_CHECKS, STANCE, make_sentences

# The tests run with the embedding extra installed (``make install``); without it these tests
# fail rather than skip, and ``embedding_available``'s doctest says why.


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
def test_sentence_embedding_passes_sklearn_api_checks(check: Callable[[str, Any], None]) -> None:
    check("SentenceEmbedding", SentenceEmbedding())


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
    tokens = embed_tokens(texts)
    assert [t.shape for t in tokens] == [(4, 384), (6, 384)]
    assert np.abs(tokens[1]).sum(axis=1).min() > 0  # the emoji token has a vector too
    long_text = " ".join(texts * 60)  # 600 tokens, more word pieces than the model's 256
    long_tokens = embed_tokens([long_text])[0]
    assert long_tokens.shape == (len(token_spans(long_text)), 384)
    assert np.abs(long_tokens).sum(axis=1).min() > 0  # every token, the last included, has a vector
    with pytest.raises(ValueError, match="pooling='mean' is not one of"):
        SentenceEmbedding(pooling="mean").fit(texts)  # type: ignore[arg-type]
