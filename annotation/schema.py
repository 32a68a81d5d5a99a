"""The annotation scheme: label set, guidelines and the names every other module uses.

The YAML file in ``schemas/`` is the single source of truth. From it this module generates the
Label Studio labeling config (XML), the instructions annotators see, and the column names and
validators used by the long tables. Label order in the YAML fixes the ``ClassLabel`` ids.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd
import yaml

from annotation.errors import AnnotationError
from annotation.resources import SCHEMA_DIR

__all__ = [
    "DEFAULT_SCHEMA",
    "DEFAULT_LEXICON",
    "TASK",
    "WORKER",
    "LABEL",
    "VOTE_COLUMNS",
    "SPAN_VOTE_COLUMNS",
    "TASK_COLUMNS",
    "ANNOTATION_COLUMNS",
    "SPAN_RECORD_COLUMNS",
    "INTEGRITY_COLUMNS",
    "SPAN_COLUMNS",
    "TOKEN_VOTE_COLUMNS",
    "ARTICLE_COLUMNS",
    "SENTENCE_COLUMNS",
    "TASK_DATA_KEYS",
    "CONTEXT_FIELDS",
    "LabelDef",
    "Question",
    "Schema",
    "SchemaError",
    "MissingColumnsError",
    "load_schema",
    "to_label_config",
    "to_review_config",
    "to_instructions",
    "check_columns",
    "check_labels",
    "task_key",
    "sentence_id",
    "sentence_index",
]

DEFAULT_SCHEMA = SCHEMA_DIR / "stance_loaded.yml"
DEFAULT_LEXICON = SCHEMA_DIR / "lexicon.yml"

# Long-table column names (crowd-kit's convention); `task` holds our task key, never an LS id.
TASK = "task"
WORKER = "worker"
LABEL = "label"
VOTE_COLUMNS = (TASK, WORKER, LABEL)
SPAN_VOTE_COLUMNS = (TASK, WORKER, "start", "end", "text", LABEL)

# The tables of an export (`exports.Votes`): one row per task, per annotation, per span vote, and
# per record dropped or flagged. Label Studio's own ids carry the `ls_` prefix; they never become keys
# and never reach a release.
TASK_COLUMNS = (TASK, "ls_task_id", "sentence_id", "article_id", "target", "text", "headline",
                "context_before", "context_after", "start", "end")
ANNOTATION_COLUMNS = (TASK, WORKER, LABEL, "ls_task_id", "ls_annotation_id", "created_at",
                      "updated_at", "lead_time_s", "ground_truth", "synthetic", "edited_by_other")
# `origin` is Label Studio's: "prediction" (a kept pre-annotation), "manual", or "prediction-changed".
SPAN_RECORD_COLUMNS = (*SPAN_VOTE_COLUMNS, "ls_annotation_id", "origin")
# `issue` is a key of exports.DROP_REASONS or FLAG_REASONS, `reason` names the record and what is
# wrong with it, `action` starts with "dropped" or "kept".
INTEGRITY_COLUMNS = (TASK, WORKER, "ls_task_id", "ls_annotation_id", "issue", "reason", "action")

# Aggregated spans (one row per consensus span) and token-level span votes.
SPAN_COLUMNS = (TASK, "start", "end", "text", LABEL, "support", "n_annotators")
TOKEN_VOTE_COLUMNS = (TASK, WORKER, "token", "start", "end", LABEL, "tag")

# The columns of the interim articles table (`ingest.articles_table`) that a release reads.
ARTICLE_COLUMNS = ("article_id", "title", "published", "updated", "source", "url", "outlet", "text", "targets")

# The columns of a `sentences` table that the baselines read (a release's `sentences` config, or an
# external corpus through `annotation.external`).
SENTENCE_COLUMNS = ("sentence_id", "article_id", "target", "text", "stance", "spans", "split")

# Fields a task may show around the sentence; a schema's `context` picks some, in this order.
CONTEXT_FIELDS = ("headline", "target", "context_before", "context_after")

# Keys of a Label Studio task's `data`; the labeling config refers to the first five.
TASK_DATA_KEYS = (
    "text",
    "target",
    "headline",
    "context_before",
    "context_after",
    "task_key",
    "sentence_id",
    "article_id",
    "start",
    "end",
)


class SchemaError(AnnotationError, ValueError):
    """A schema file is missing a field or has an invalid value."""


class MissingColumnsError(SchemaError, KeyError):
    """A table lacks columns its record type requires (see ``check_columns``)."""

    __str__ = Exception.__str__  # the message as written, not KeyError's repr of it


@dataclass(frozen=True)
class LabelDef:
    """One label: its name (the stored value), hotkey, colour and guideline text."""

    name: str
    hotkey: str
    definition: str
    examples: tuple[Any, ...] = ()
    counter_examples: tuple[Any, ...] = ()
    background: str | None = None


@dataclass(frozen=True)
class Question:
    """One question of the scheme: single-choice buttons, or span labels over the text."""

    name: str
    question: str
    labels: tuple[LabelDef, ...]

    @property
    def names(self) -> list[str]:
        """Label names in id order."""
        return [label.name for label in self.labels]


@dataclass(frozen=True)
class Schema:
    """Choice questions (the first is the primary label that gets aggregated) plus span labels.

    The ``stance_*`` properties name the primary choice question whatever it asks (stance in the
    default scheme, bias in ``babe.yml``); ``span_*`` name the span question.
    """

    name: str
    version: int
    title: str
    choices: tuple[Question, ...]
    spans: Question
    context: tuple[str, ...] = CONTEXT_FIELDS
    edge_cases: tuple[str, ...] = ()

    @property
    def primary(self) -> Question:
        return self.choices[0]

    @property
    def stance_name(self) -> str:
        return self.primary.name

    @property
    def stance_question(self) -> str:
        return self.primary.question

    @property
    def stance_labels(self) -> tuple[LabelDef, ...]:
        return self.primary.labels

    @property
    def stance_names(self) -> list[str]:
        """Primary label names in id order."""
        return self.primary.names

    @property
    def span_name(self) -> str:
        return self.spans.name

    @property
    def span_question(self) -> str:
        return self.spans.question

    @property
    def span_labels(self) -> tuple[LabelDef, ...]:
        return self.spans.labels

    @property
    def span_names(self) -> list[str]:
        """Span label names in id order."""
        return self.spans.names

    @property
    def bio_names(self) -> list[str]:
        """BIO tag names in id order: ``O``, then ``B-``/``I-`` per span label."""
        return ["O"] + [f"{p}-{name}" for name in self.span_names for p in ("B", "I")]


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise SchemaError(f"{where}: missing field {key!r}")
    return mapping[key]


def _labels(block: dict[str, Any], where: str) -> tuple[LabelDef, ...]:
    raw = _require(block, "labels", where)
    if not isinstance(raw, list) or not raw:
        raise SchemaError(f"{where}.labels: expected a non-empty list, got {raw!r}")
    labels = []
    for i, item in enumerate(raw):
        at = f"{where}.labels[{i}]"
        labels.append(
            LabelDef(
                name=str(_require(item, "name", at)),
                hotkey=str(_require(item, "hotkey", at)),
                definition=str(_require(item, "definition", at)),
                examples=tuple(item.get("examples") or ()),
                counter_examples=tuple(item.get("counter_examples") or ()),
                background=item.get("background"),
            )
        )
    names = [label.name for label in labels]
    if len(set(names)) != len(names):
        raise SchemaError(f"{where}.labels: duplicate label names in {names}")
    return tuple(labels)


def _question(block: Any, where: str) -> Question:
    return Question(
        name=str(_require(block, "name", where)),
        question=str(_require(block, "question", where)),
        labels=_labels(block, where),
    )


def load_schema(path: str | Path = DEFAULT_SCHEMA) -> Schema:
    """Read and validate a schema YAML file.

    Args:
        path: The schema file, by default ``schemas/stance_loaded.yml``.

    Returns:
        The parsed ``Schema``.

    Raises:
        SchemaError: The file is missing a field, or has duplicate names, labels or hotkeys.

    Examples:
        >>> load_schema().stance_names
        ['favor', 'against', 'neutral', 'unrelated']
        >>> [q.name for q in load_schema(SCHEMA_DIR / "babe.yml").choices]
        ['bias', 'opinion']
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SchemaError(f"{path}: cannot read schema: {err}") from err
    where = str(path)
    choices = _require(raw, "choices", where)
    if not isinstance(choices, list) or not choices:
        raise SchemaError(f"{where}: 'choices' must be a non-empty list of questions")
    context = tuple(raw.get("context", CONTEXT_FIELDS))
    unknown = sorted(set(context) - set(CONTEXT_FIELDS))
    if unknown:
        raise SchemaError(f"{where}: unknown context field(s) {unknown}; allowed: {list(CONTEXT_FIELDS)}")
    schema = Schema(
        name=str(_require(raw, "name", where)),
        version=int(_require(raw, "version", where)),
        title=str(raw.get("title", raw["name"])),
        choices=tuple(_question(block, f"{where}:choices[{i}]") for i, block in enumerate(choices)),
        spans=_question(_require(raw, "spans", where), f"{where}:spans"),
        context=context,
        edge_cases=tuple(str(c) for c in raw.get("edge_cases") or ()),
    )
    names = [q.name for q in schema.choices] + [schema.span_name]
    if len(set(names)) != len(names) or "text" in names or set(names) & set(CONTEXT_FIELDS):
        raise SchemaError(f"{where}: question names {names} must be unique and differ from the task fields")
    hotkeys = [label.hotkey for q in (*schema.choices, schema.spans) for label in q.labels]
    if len(set(hotkeys)) != len(hotkeys):
        raise SchemaError(f"{where}: duplicate hotkeys in {hotkeys}")
    return schema


def to_label_config(schema: Schema) -> str:
    """Generate the Label Studio labeling config for ``schema``.

    The view shows the headline, the target in bold, then the passage: the previous sentence
    (grey), the sentence to label (boxed) and the next sentence (grey); below it the
    single-choice stance buttons and the span labels, each with its hotkey.

    Examples:
        >>> from label_studio_sdk.label_interface import LabelInterface
        >>> interface = LabelInterface(to_label_config(load_schema()))
        >>> interface.validate()  # raises if the config is invalid
        >>> interface.get_control("loaded").labels
        ['loaded-negative', 'loaded-positive']
    """
    view = ET.Element("View")
    style = ET.SubElement(view, "Style")
    style.text = (
        # Specific enough to beat the weight of Label Studio's heading classes.
        ".target :is(h1, h2, h3, h4, h5, h6) { font-weight: 700; }"
        " .passage { margin: 8px 0 16px; }"
        " .context { color: #666; margin: 4px 0 4px 12px; }"
        " .sentence { background: #eef4fb; border-left: 4px solid #1f77b4; padding: 8px 12px; margin: 4px 0; }"
    )
    if "headline" in schema.context:
        ET.SubElement(view, "Header", value="$headline", size="4")
    if "target" in schema.context:
        target = ET.SubElement(view, "View", className="target")
        ET.SubElement(target, "Header", value="Target: $target", size="5")
    # The target sits above the passage so that the context reads on into the sentence.
    passage = ET.SubElement(view, "View", className="passage")
    if "context_before" in schema.context:
        before = ET.SubElement(passage, "View", className="context")
        ET.SubElement(before, "Text", name="context_before", value="$context_before")
    sentence = ET.SubElement(passage, "View", className="sentence")
    ET.SubElement(sentence, "Text", name="text", value="$text")
    if "context_after" in schema.context:
        after = ET.SubElement(passage, "View", className="context")
        ET.SubElement(after, "Text", name="context_after", value="$context_after")

    for question in schema.choices:
        ET.SubElement(view, "Header", value=question.question, size="5")
        choices = ET.SubElement(
            view,
            "Choices",
            name=question.name,
            toName="text",
            choice="single-radio",
            required="true",
            showInline="true",
        )
        for label in question.labels:
            ET.SubElement(choices, "Choice", value=label.name, hotkey=label.hotkey, hint=label.definition)

    ET.SubElement(view, "Header", value=schema.span_question, size="5")
    labels = ET.SubElement(view, "Labels", name=schema.span_name, toName="text")
    for label in schema.span_labels:
        attrs = {"value": label.name, "hotkey": label.hotkey, "hint": label.definition}
        if label.background:
            attrs["background"] = label.background
        ET.SubElement(labels, "Label", attrs)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def to_review_config(schema: Schema) -> str:
    """The adjudication view: the task as annotators saw it, every annotator's label, one choice.

    Examples:
        >>> from label_studio_sdk.label_interface import LabelInterface
        >>> LabelInterface(to_review_config(load_schema())).get_control("stance").labels
        ['favor', 'against', 'neutral', 'unrelated']
    """
    view = ET.Element("View")
    if "headline" in schema.context:
        ET.SubElement(view, "Header", value="$headline", size="4")
    if "target" in schema.context:
        ET.SubElement(view, "Header", value="Target: $target", size="5")
    ET.SubElement(view, "Text", name="text", value="$text")
    ET.SubElement(view, "Header", value="Annotators' labels (pseudonymous)", size="5")
    ET.SubElement(view, "Text", name="votes", value="$votes")
    ET.SubElement(view, "Header", value=f"Adjudicated label: {schema.stance_question}", size="5")
    choices = ET.SubElement(view, "Choices", name=schema.stance_name, toName="text", choice="single-radio",
                            required="true", showInline="true")
    for label in schema.stance_labels:
        ET.SubElement(choices, "Choice", value=label.name, hotkey=label.hotkey, hint=label.definition)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def _example_html(example: Any) -> str:
    if isinstance(example, dict):
        text = html.escape(str(example.get("text", "")))
        extra = []
        if example.get("target"):
            extra.append(f"target: <b>{html.escape(str(example['target']))}</b>")
        if example.get("why"):
            extra.append(html.escape(str(example["why"])))
        return f"<q>{text}</q>" + (f" ({'; '.join(extra)})" if extra else "")
    return f"<q>{html.escape(str(example))}</q>"


def _label_html(label: LabelDef) -> str:
    parts = [f"<li><b>{html.escape(label.name)}</b> [key {html.escape(label.hotkey)}]: "]
    parts.append(html.escape(label.definition))
    if label.examples:
        parts.append("<br>Examples: " + "; ".join(_example_html(e) for e in label.examples))
    if label.counter_examples:
        parts.append(
            "<br>Not this label: " + "; ".join(_example_html(e) for e in label.counter_examples)
        )
    parts.append("</li>")
    return "".join(parts)


def to_instructions(schema: Schema) -> str:
    """Render the guidelines as the HTML shown in Label Studio's instructions panel.

    Examples:
        >>> "terrorize" in to_instructions(load_schema())
        True
    """
    out = [f"<h2>{html.escape(schema.title)}</h2>"]
    for question in (*schema.choices, schema.spans):
        out.append(f"<h3>{html.escape(question.question)}</h3><ul>")
        out.extend(_label_html(label) for label in question.labels)
        out.append("</ul>")
    if schema.edge_cases:
        out.append("<h3>Edge cases</h3><ul>")
        out.extend(f"<li>{html.escape(case)}</li>" for case in schema.edge_cases)
        out.append("</ul>")
    return "".join(out)


def check_columns(frame: Any, columns: tuple[str, ...], name: str) -> None:
    """Raise ``MissingColumnsError`` naming the missing columns of ``frame``.

    Raises:
        MissingColumnsError: A ``SchemaError`` and a ``KeyError``, so callers that catch either keep working.

    Examples:
        >>> import pandas as pd
        >>> check_columns(pd.DataFrame(columns=["task", "label"]), VOTE_COLUMNS, "votes")
        Traceback (most recent call last):
        ...
        annotation.schema.MissingColumnsError: votes is missing column(s) ['worker']; expected task, worker, label
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnsError(f"{name} is missing column(s) {missing}; expected {', '.join(columns)}")


def check_labels(labels: Sequence[Hashable]) -> pd.Index:
    """Validate a ``labels=`` argument (label names in schema order).

    Args:
        labels: The label names, each once, in schema order.

    Returns:
        ``labels`` as an Index named ``label``.

    Raises:
        TypeError: ``labels`` is a string or not list-like.
        ValueError: ``labels`` is empty, has a missing value or repeats a label.

    Examples:
        >>> check_labels(["favor", "against"]).tolist()
        ['favor', 'against']
    """
    if isinstance(labels, (str, bytes)) or not pd.api.types.is_list_like(labels):
        raise TypeError(f"labels must be a sequence of label names in schema order, got {labels!r}")
    index = pd.Index(list(labels), name=LABEL)
    if index.empty:
        raise ValueError("labels is empty; pass the schema's label names in order")
    if index.hasnans:
        raise ValueError(f"labels={list(index)} contains a missing value; remove it")
    if index.has_duplicates:
        dups = list(index[index.duplicated()].unique())
        raise ValueError(f"labels has duplicate value(s) {dups}; list each label once")
    return index


def task_key(sentence_id: str, target: str) -> str:
    """The stable key of one annotation task: a sentence judged toward one target.

    Examples:
        >>> task_key("a1-0003", "Syrian opposition forces")
        'a1-0003|Syrian opposition forces'
    """
    return f"{sentence_id}|{target}"


def sentence_id(article_id: str, index: int) -> str:
    """The id of an article's ``index``-th sentence (0-based): ``f"{article_id}-{index:04d}"``.

    Examples:
        >>> sentence_id("9ea230396c6002b4", 3)
        '9ea230396c6002b4-0003'
    """
    return f"{article_id}-{index:04d}"


def sentence_index(sentence_ids: pd.Series) -> pd.Series:
    """The sentence indices packed into ``sentence_ids`` by ``sentence_id``; NaN where none is.

    Args:
        sentence_ids: Ids as ``sentence_id`` makes them (``"<article_id>-0003"``).

    Returns:
        A float Series aligned with ``sentence_ids``: the index, or NaN for an id that does not end
        in ``-<digits>``.

    Examples:
        >>> sentence_index(pd.Series(["a1-0003", "b-x-0012", "broken"])).tolist()
        [3.0, 12.0, nan]
    """
    return pd.to_numeric(sentence_ids.str.extract(r"-(\d+)$", expand=False), errors="coerce")

