"""Baselines: stance classifiers, loaded-language taggers, their evaluation and metrics.

The public names of the package; each lives in the submodule it is imported from:
``embeddings`` (the frozen MiniLM model), ``finetuned`` and ``finetuned_tagger`` (MiniLM
fine-tuned for stance and for spans), ``windows`` (long texts in runs of whole words that fit the
encoder), ``stance`` (stance classifiers), ``per_target`` (one classifier per target), ``tuning`` (grouped
hyper-parameter search), ``tagging``, ``taggers`` and ``crf`` (loaded-language taggers),
``protocol`` (folds and whether to score), ``evaluation`` (fitting, scoring, the summary table),
``metrics`` and ``span_metrics``.
"""

from __future__ import annotations

from annotation.models.crf import CRF_GRID, CrfTagger, bio_tags, token_features
from annotation.models.embeddings import (
    EMBEDDING_KINDS,
    SentenceEmbedding,
    embed_tokens,
    embedding_available,
)
from annotation.models.evaluation import evaluate_baselines, predict_stance, summary_table
from annotation.models.finetuned import FineTunedMiniLM
from annotation.models.finetuned_tagger import FineTunedTokenTagger
from annotation.models.metrics import (
    PRF,
    Span,
    SpanScores,
    accuracy,
    confusion_matrix,
    macro_f1,
    per_label_f1,
    semeval_favg,
)
from annotation.models.per_target import PerTargetClassifier
from annotation.models.protocol import (
    MAX_FOLDS,
    MIN_SCORED_ROWS,
    EvaluationError,
    EvaluationPlan,
    evaluation_folds,
    plan_evaluation,
)
from annotation.models.span_metrics import char_prf, span_prf, token_f1
from annotation.models.stance import (
    FINETUNED_STANCE_KINDS,
    STANCE_GRIDS,
    STANCE_KINDS,
    TUNED_STANCE_KINDS,
    SeedEnsemble,
    StanceKind,
    make_stance_classifier,
)
from annotation.models.taggers import (
    FINETUNED_TAGGER_KINDS,
    TAGGER_KINDS,
    LexiconTagger,
    MarkedRateTagger,
    TaggerKind,
    TokenTagger,
    make_loaded_language_tagger,
)
from annotation.models.tuning import GroupedGridSearch
from annotation.models.windows import piece_words, word_runs, word_windows

__all__ = [
    "CrfTagger",
    "CRF_GRID",
    "bio_tags",
    "token_features",
    "StanceKind",
    "TaggerKind",
    "STANCE_KINDS",
    "TUNED_STANCE_KINDS",
    "FINETUNED_STANCE_KINDS",
    "STANCE_GRIDS",
    "SeedEnsemble",
    "TAGGER_KINDS",
    "FINETUNED_TAGGER_KINDS",
    "EMBEDDING_KINDS",
    "embedding_available",
    "embed_tokens",
    "SentenceEmbedding",
    "FineTunedMiniLM",
    "FineTunedTokenTagger",
    "LexiconTagger",
    "MarkedRateTagger",
    "TokenTagger",
    "PerTargetClassifier",
    "GroupedGridSearch",
    "make_stance_classifier",
    "make_loaded_language_tagger",
    "MIN_SCORED_ROWS",
    "MAX_FOLDS",
    "EvaluationError",
    "EvaluationPlan",
    "evaluation_folds",
    "plan_evaluation",
    "piece_words",
    "word_runs",
    "word_windows",
    "predict_stance",
    "evaluate_baselines",
    "summary_table",
    "Span",
    "PRF",
    "SpanScores",
    "accuracy",
    "confusion_matrix",
    "per_label_f1",
    "macro_f1",
    "semeval_favg",
    "span_prf",
    "char_prf",
    "token_f1",
]
