"""The annotation scheme: label set, questions and guidelines, and the Label Studio config built from it.

The YAML file in ``schemas/`` is the single source of truth. From it this module generates the
Label Studio labeling config (XML) and the instructions annotators see. Label order in the YAML
fixes the ``ClassLabel`` ids. The names of the tables' columns live in ``annotation.records``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

from annotation.errors import AnnotationError, yaml_problem
from annotation.records import CONTEXT_FIELDS
from annotation.resources import SCHEMA_DIR

__all__ = [
    "DEFAULT_SCHEMA",
    "DEFAULT_LEXICON",
    "DEFAULT_SUGGESTIONS",
    "SUGGESTION_ID_PREFIX",
    "SUGGESTION_STYLE",
    "LabelDef",
    "Question",
    "Schema",
    "SchemaError",
    "load_schema",
    "to_label_config",
    "to_review_config",
    "to_instructions",
]

DEFAULT_SCHEMA = SCHEMA_DIR / "stance_loaded.yml"
DEFAULT_LEXICON = SCHEMA_DIR / "lexicon.yml"

# The guidelines' section on pre-marked spans (``Schema.suggestions``): a scheme's YAML may replace
# it with its own ``suggestions:`` text, or drop it with ``suggestions: null``.
DEFAULT_SUGGESTIONS = (
    "Some tasks open with words already highlighted. These are suggestions, marked automatically "
    "wherever a word from the project's word list (its lexicon of loaded words, with their "
    "inflections) occurs; they are not another annotator's work. A suggestion is drawn with a dashed "
    "outline and light stripes over its label's colour (it keeps them if you adjust it); a span you "
    "mark yourself has neither. They may be wrong: the list "
    "cannot read context, so it marks \"free\" in \"a free-for-all\" or \"free of charge\" just "
    "as in \"free the prisoners\". Keep only the suggestions that are loaded language in this "
    "sentence; delete the others, or adjust a span's extent or label. A suggestion you keep is "
    "submitted as your own span. Suggestions never replace your own reading: mark every loaded "
    "word the list missed, as you would in a task that opens with none. Later in the campaign the "
    "curator may switch the suggestions to a model trained on the labels gathered so far; a task "
    "then opens with a stance already chosen as well, and the highlighted words may come from the "
    "model. That stance is the model's guess, not another annotator's, and it is often wrong: read "
    "the sentence, then keep the stance only if it is the one you would have chosen, and change it otherwise."
)


SUGGESTION_ID_PREFIX = "lex"
"""How the region ids of the lexicon's predictions begin (``tasks.lexicon_prediction``: ``lex0``, ``lex1``, …).

Label Studio 1.23 gives every span of a text region the class ``htx-highlight-<region id>-<n>``. A
region pre-filled from a prediction keeps the prediction's region id; one the annotator draws gets a
random 10-character id. So ``SUGGESTION_STYLE`` finds the suggestions by this prefix (a random id
starts with it about once in 260,000 regions)."""

SUGGESTION_STYLE = (
    # Label Studio sets each region's background colour with !important, and its own border
    # (1px dashed transparent; blue when linked) on hover and selection: the outline and the hatching
    # over the label's colour are free to mark a suggestion.
    f".htx-highlight[class*=htx-highlight-{SUGGESTION_ID_PREFIX}] {{"
    " outline: 2px dashed rgba(0, 0, 0, 0.6); outline-offset: 1px;"
    " background-image: repeating-linear-gradient(135deg, rgba(255, 255, 255, 0.6) 0 3px, transparent 3px 6px); }"
)
"""The labeling view's rule that makes a suggestion look like one: the lexicon's pre-filled spans
(``SUGGESTION_ID_PREFIX``) get a dashed outline and white hatching over the label's colour, which a
span the annotator marks never has. A suggestion keeps the look while it stays in the annotation
(also after the annotator changes its extent or label, since it keeps its id)."""


class SchemaError(AnnotationError, ValueError):
    """A schema file is missing a field or has an invalid value."""


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
    suggestions: str | None = DEFAULT_SUGGESTIONS

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
        raise SchemaError(f"{path}: cannot read schema: {yaml_problem(err)}") from err
    where = str(path)
    choices = _require(raw, "choices", where)
    if not isinstance(choices, list) or not choices:
        raise SchemaError(f"{where}: 'choices' must be a non-empty list of questions")
    context = tuple(raw.get("context", CONTEXT_FIELDS))
    unknown = sorted(set(context) - set(CONTEXT_FIELDS))
    if unknown:
        raise SchemaError(f"{where}: unknown context field(s) {unknown}; allowed: {list(CONTEXT_FIELDS)}")
    suggestions = raw.get("suggestions", DEFAULT_SUGGESTIONS)
    if suggestions is not None and not (isinstance(suggestions, str) and suggestions.strip()):
        raise SchemaError(f"{where}: 'suggestions' must be a text or null (no such section), got {suggestions!r}")
    schema = Schema(
        name=str(_require(raw, "name", where)),
        version=int(_require(raw, "version", where)),
        title=str(raw.get("title", raw["name"])),
        choices=tuple(_question(block, f"{where}:choices[{i}]") for i, block in enumerate(choices)),
        spans=_question(_require(raw, "spans", where), f"{where}:spans"),
        context=context,
        edge_cases=tuple(str(c) for c in raw.get("edge_cases") or ()),
        suggestions=suggestions.strip() if suggestions is not None else None,
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
    single-choice stance buttons and the span labels, each with its hotkey. The lexicon's
    suggestions (pre-filled spans) look different from the annotator's own (``SUGGESTION_STYLE``).

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
        f" {SUGGESTION_STYLE}"
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

    After the questions comes ``schema.suggestions``, the section on the pre-marked spans (the
    lexicon's suggestions), then the edge cases.

    Examples:
        >>> "terrorize" in to_instructions(load_schema())
        True
        >>> "<h3>Suggestions: words highlighted when a task opens</h3>" in to_instructions(load_schema())
        True
    """
    out = [f"<h2>{html.escape(schema.title)}</h2>"]
    for question in (*schema.choices, schema.spans):
        out.append(f"<h3>{html.escape(question.question)}</h3><ul>")
        out.extend(_label_html(label) for label in question.labels)
        out.append("</ul>")
    if schema.suggestions:
        out.append("<h3>Suggestions: words highlighted when a task opens</h3>")
        out.append(f"<p>{html.escape(schema.suggestions)}</p>")
    if schema.edge_cases:
        out.append("<h3>Edge cases</h3><ul>")
        out.extend(f"<li>{html.escape(case)}</li>" for case in schema.edge_cases)
        out.append("</ul>")
    return "".join(out)
