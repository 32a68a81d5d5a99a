"""A fine-tuned loaded-language tagger: all-MiniLM-L6-v2 as a token classifier.

``FineTunedTokenTagger`` fine-tunes the bundled MiniLM (``annotation.models.finetuned``) with a
linear head on each word's first word piece (token classification as in BERT, Devlin et al. 2019,
doi:10.18653/v1/N19-1423): the classes are ``O`` and the span labels, and a word's score is
``1 - P(O)``. Tokens are ``annotation.spans`` tokens. A text longer than ``max_length`` word
pieces (a whole article, say) is cut at word boundaries into runs that fit, each encoded on its
own, so every word is scored whatever the length. Time and scores on BABE are in the README's
benchmarks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from annotation.models.finetuned import FineTuning, first_pieces, word_targets
from annotation.models.metrics import Span
from annotation.models.tagging import OUTSIDE, ThresholdTagger, TokenScores, _best_threshold, token_labels
from annotation.models.windows import word_windows
from annotation.spans import token_spans

__all__ = ["FineTunedTokenTagger"]


class FineTunedTokenTagger(FineTuning, ThresholdTagger):
    """Tag loaded language with all-MiniLM-L6-v2 fine-tuned as a token classifier.

    ``fit(texts, spans)`` fine-tunes a fresh copy of the encoder and a new head with unweighted
    cross-entropy over every word's first word piece. With ``threshold="auto"`` a share
    ``held_out`` of the distinct training texts (drawn with ``random_state``) is kept out of the
    fine-tuning, and the threshold (a multiple of 0.02) with the best token F1 on it is chosen;
    the model is not refitted on those texts, which would double the time. ``predict`` tags the
    words scoring at least ``threshold_`` (``ThresholdTagger.predict``).

    Args:
        epochs: Passes over the training texts.
        learning_rate: Peak learning rate of AdamW, reached after the warm-up.
        batch_size: Texts per optimisation step (and per prediction batch).
        max_length: Word pieces per text, special tokens included.
        weight_decay: AdamW's decoupled weight decay (not applied to biases and layer norms).
        warmup: Share of the steps over which the learning rate rises linearly from 0.
        threshold: The decision threshold, or ``"auto"`` (see above).
        held_out: Share of the distinct texts held out to choose the threshold, in (0, 1).
        random_state: Seed of the held-out draw, the head's initialisation, dropout and batches.

    Attributes:
        labels_: The span labels seen in training, sorted.
        threshold_: The decision threshold used by ``predict``.
        model_: The fine-tuned ``torch.nn.ModuleDict`` (``encoder``, ``dropout``, ``head``).
        tokenizer_: The encoder's tokenizer.
        device_: ``"cuda"`` or ``"cpu"``.
        epoch_seconds_: Wall-clock seconds of each epoch of the last ``fit``.

    Examples:
        >>> texts = ["The regime fell.", "A regime rose.", "The town fell.", "A town rose."]
        >>> spans = [[(4, 10, "loaded-negative")], [(2, 8, "loaded-negative")], [], []]
        >>> tagger = FineTunedTokenTagger(epochs=1, threshold=0.5).fit(texts, spans)
        >>> tagger.labels_, len(tagger.predict(["The regime rose."]))
        (['loaded-negative'], 1)
    """

    def __init__(
        self,
        *,
        epochs: int = 3,
        learning_rate: float = 1e-4,
        batch_size: int = 16,
        max_length: int = 128,
        weight_decay: float = 0.01,
        warmup: float = 0.1,
        threshold: float | Literal["auto"] = "auto",
        held_out: float = 0.15,
        random_state: int = 0,
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.threshold = threshold
        self.held_out = held_out
        self.random_state = random_state

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> FineTunedTokenTagger:
        """Fine-tune on ``texts`` and their gold spans, choosing the threshold first if ``"auto"``.

        Raises:
            TypeError: ``texts`` is not a sequence of ``str``.
            ValueError: ``spans`` is not aligned with ``texts`` or holds a malformed span;
                ``threshold`` is neither ``"auto"`` nor a number in (0, 1]; ``held_out`` is not
                in (0, 1).
            ImportError: The ``embedding`` extra is not installed.
        """
        self._check_fit_inputs(texts, spans)
        auto = self._auto_threshold()
        if not 0 < self.held_out < 1:
            raise ValueError(f"held_out={self.held_out!r} must be in (0, 1), e.g. 0.15")
        self.labels_ = sorted({label for row in spans for _, _, label in row})
        codes = {label: i + 1 for i, label in enumerate(self.labels_)}
        targets = [word_targets(text, row, codes) for text, row in zip(texts, spans, strict=True)]
        self.threshold_ = 0.5 if auto else float(self.threshold)
        learn = list(range(len(texts)))
        distinct = list(dict.fromkeys(texts))
        if auto and len(distinct) >= 2 and self.labels_:
            order = np.random.default_rng(self.random_state).permutation(len(distinct))
            kept = {distinct[i] for i in order[: max(1, round(self.held_out * len(distinct)))]}
            learn = [i for i, text in enumerate(texts) if text not in kept]
            held = [i for i, text in enumerate(texts) if text in kept]
        self._learn_rows(texts, targets, learn)
        if len(learn) < len(texts):
            scored = self._score(self.model_, [texts[i] for i in held])
            gold = [token_labels(texts[i], spans[i]) for i in held]
            self.threshold_, _ = _best_threshold(scored, gold)
        return self

    def _learn_rows(self, texts: Sequence[str], targets: list[list[int]], rows: list[int]) -> None:
        """Fine-tune ``model_`` on the windows of the ``rows`` of ``texts`` (word codes ``targets``)."""
        import torch

        with self._seeded():
            self._build(head=1 + len(self.labels_))
            words = {i: token_spans(texts[i]) for i in rows}
            windows = [window for i in rows for window in self._windows(texts[i], words[i], i)]

            def step(batch: list[int]) -> Any:
                chosen = [windows[j] for j in batch]
                states, found = self._states(texts, words, chosen)
                where = [(b, p, targets[window[0]][window[1] + w]) for b, window in enumerate(chosen)
                         for w, p in enumerate(found[b]) if p >= 0]
                if not where:  # only texts without a word: nothing to learn from
                    return states.sum() * 0.0
                b, p, truth = zip(*where, strict=True)
                logits = self.model_["head"](self.model_["dropout"](states[list(b), list(p)]))
                truth_codes = torch.as_tensor(truth, dtype=torch.long, device=self.device_)
                return torch.nn.functional.cross_entropy(logits, truth_codes)

            self._optimise([end - start for *_, start, end in windows], step)

    def _windows(self, text: str, words: list[tuple[int, int]], index: int) -> list[_Window]:
        """``text``'s words cut into runs whose word pieces fit in ``max_length`` with the special
        tokens (``windows.word_windows``); the whole text when it fits."""
        pieces = self.tokenizer_(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [(index, *window) for window in word_windows(words, pieces["offset_mapping"], self.max_length - 2, len(text))]

    def _states(self, texts: Sequence[str], words: Mapping[int, list[tuple[int, int]]],
                windows: list[_Window]) -> tuple[Any, list[list[int]]]:
        """The last layer over each window's word pieces and each of its words' first-piece
        position (-1 for a word cut off)."""
        chunks = [texts[i][start:end] for i, _, _, start, end in windows]
        encoded = self.tokenizer_(
            chunks, padding=True, truncation=True, max_length=self.max_length,
            return_tensors="pt", return_offsets_mapping=True,
        ).to(self.device_)
        offsets = encoded.pop("offset_mapping").tolist()
        found = [
            first_pieces([(s - start, e - start) for s, e in words[i][first:end]], offsets[b],
                         encoded.sequence_ids(b), 0)
            for b, (i, first, end, start, _) in enumerate(windows)
        ]
        return self.model_["encoder"](**encoded).last_hidden_state, found

    def _score(self, model: Any, texts: Sequence[str]) -> TokenScores:
        import torch

        words = dict(enumerate(token_spans(text) for text in texts))
        scores = [np.zeros(len(words[i])) for i in range(len(texts))]
        labels = [[OUTSIDE] * len(words[i]) for i in range(len(texts))]
        names = np.asarray([OUTSIDE, *self.labels_], dtype=object)
        windows = [window for i, text in enumerate(texts) for window in self._windows(text, words[i], i)]
        with torch.inference_mode():
            for batch in self._in_length_order([end - start for *_, start, end in windows]):
                chosen = [windows[j] for j in batch]
                states, found = self._states(texts, words, chosen)
                probabilities = torch.softmax(model["head"](states), dim=-1).cpu().numpy()
                for b, (i, first, *_) in enumerate(chosen):
                    for w, p in enumerate(found[b]):
                        if p >= 0:
                            scores[i][first + w] = 1.0 - probabilities[b, p, 0]
                            labels[i][first + w] = names[1 + int(probabilities[b, p, 1:].argmax())]
        return TokenScores(scores, labels)


_Window = tuple[int, int, int, int, int]
"""A run of one text's words: ``(text index, first word, end word, start, end)``, the words
``first`` to ``end`` (exclusive) and the code points ``start`` to ``end`` of the text they span:
the whole text when it fits, else from the run's first word to its last."""
