"""The dataset card (README.md): YAML through ``huggingface_hub.DatasetCardData``, prose from ``CARD_TEMPLATE``.

The card is rendered through the Hub's public API (``DatasetCardData`` and
``DatasetCard.from_template``) with the prose in ``annotation/templates/card.md``; its features are
written by ``datasets.info.DatasetInfosDict.to_dataset_card_data``. Nothing in it is typed for one
campaign: it states what ``stats.json`` holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import datasets
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCard, DatasetCardData

from annotation.release.quality import gold_table, quality_table
from annotation.release.stats import corpus_sentence, stats_markdown
from annotation.release.suggestions import suggestion_table
from annotation.release.texts import TEXT_COLUMNS
from annotation.resources import TEMPLATES_DIR

__all__ = ["CARD_TEMPLATE"]

CARD_TEMPLATE = TEMPLATES_DIR / "card.md"
"""The prose of the dataset card (Jinja, rendered by ``huggingface_hub.DatasetCard.from_template``)."""


_LICENCE_ID = re.compile(r"[a-z0-9][a-z0-9.+-]*")


def _licences(stats: dict[str, Any]) -> list[str]:
    """The card's ``license``: the annotations' licence id, and the texts' terms when the release holds
    texts (their id when they are given as one, else ``other``)."""
    licence = stats["licence"]
    ids = [licence["annotations"]]
    if stats["texts"]["included"]:
        texts = licence["texts"] if _LICENCE_ID.fullmatch(licence["texts"]) else "other"
        ids += [texts] if texts not in ids else []
    return ids


def render_card(stats: dict[str, Any], features: Mapping[str, datasets.Features], files: Mapping[str, Mapping[str, str]]) -> str:
    """The dataset card: YAML through ``huggingface_hub.DatasetCardData``, prose from ``CARD_TEMPLATE``."""
    n = stats["tasks"]
    size = "n<1K" if n < 1000 else "1K<n<10K" if n < 10_000 else "10K<n<100K" if n < 100_000 else "100K<n<1M"
    synthetic, annotations = stats["synthetic_annotations"], stats["annotations"]
    card_data = DatasetCardData(
        license=_licences(stats),
        language=stats["language"],
        pretty_name=stats["title"],
        annotations_creators=(["machine-generated"] if synthetic else []) + (["other"] if synthetic < annotations else []),
        language_creators=["found"],
        multilinguality=["monolingual" if len(stats["language"]) == 1 else "multilingual"],
        source_datasets=["original"],
        size_categories=[size],
        # Stance: one of several labels for a (sentence, target) pair; spans: token tags. No Hub
        # token-classification subtask (named-entity-recognition, part-of-speech, ...) is loaded language.
        task_categories=["text-classification", "token-classification"],
        task_ids=["multi-class-classification"],
        tags=["stance-detection", "loaded-language"]
        + (["synthetic-annotations"] if synthetic else []) + (["human-annotations"] if synthetic < annotations else []),
        configs=[
            {
                "config_name": name,
                **({"default": True} if name == "sentences" else {}),
                "data_files": [{"split": split, "path": path} for split, path in files[name].items()],
            }
            for name in features
        ],
    )
    # The features in the Hub's YAML form, written by `datasets` itself (as `push_to_hub` does); it
    # sorts the configs by name, so they are put back in the order of `features`.
    DatasetInfosDict({name: datasets.DatasetInfo(features=feats) for name, feats in features.items()}).to_dataset_card_data(card_data)
    info = {entry["config_name"]: entry for entry in card_data.dataset_info}
    card_data.dataset_info = [info[name] for name in features]
    sentences = features["sentences"]
    authors = [
        author["name"] + (f", {author['affiliation']}" if "affiliation" in author else "")
        + (f" (ORCID {author['orcid']})" if "orcid" in author else "")
        for author in stats["authors"]
    ]
    card = DatasetCard.from_template(
        card_data,
        template_path=str(CARD_TEMPLATE),
        s=stats,
        labels=", ".join(f"`{name}`" for name in sentences["stance"].names),
        span_labels=", ".join(f"`{name}`" for name in sentences["spans"].feature["label"].names),
        threshold=f"{100 * stats['span_threshold']:g}",
        authors="; ".join(authors) or "not named in the campaign",
        text_columns="; ".join(f"`{config}`: {', '.join(columns)}" for config, columns in TEXT_COLUMNS.items()),
        corpus=corpus_sentence(stats),
        statistics=stats_markdown(stats).strip(),
        quality=quality_table(stats),
        gold=gold_table(stats),
        suggestions=suggestion_table(stats),
        versions=", ".join(f"{name} {version}" for name, version in stats["library_versions"].items()),
    )
    return str(card) + "\n"

