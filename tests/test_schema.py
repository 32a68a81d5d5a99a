from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from label_studio_sdk.label_interface import LabelInterface

from annotation.lexicon import find_loaded_spans, load_lexicon
from annotation.schema import (
    DEFAULT_SCHEMA,
    DEFAULT_SUGGESTIONS,
    SUGGESTION_ID_PREFIX,
    SUGGESTION_STYLE,
    SchemaError,
    load_schema,
    to_instructions,
    to_label_config,
)
from annotation.tasks import lexicon_prediction


def test_label_order_comes_from_the_yaml() -> None:
    schema = load_schema()
    assert schema.stance_names == ["favor", "against", "neutral", "unrelated"]
    assert schema.span_names == ["loaded-negative", "loaded-positive"]
    assert schema.bio_names == ["O", "B-loaded-negative", "I-loaded-negative", "B-loaded-positive", "I-loaded-positive"]


def test_generated_config_is_valid_and_has_every_label_with_its_hotkey() -> None:
    schema = load_schema()
    interface = LabelInterface(to_label_config(schema))
    interface.validate()
    assert interface.get_control("stance").labels == schema.stance_names
    assert interface.get_control("loaded").labels == schema.span_names
    config = to_label_config(schema)
    for label in schema.stance_labels + schema.span_labels:
        assert f'hotkey="{label.hotkey}"' in config
    for variable in ("$text", "$target", "$headline", "$context_before", "$context_after"):
        assert variable in config


def test_instructions_carry_definitions_examples_and_edge_cases() -> None:
    schema = load_schema()
    html = to_instructions(schema)
    for label in schema.stance_labels + schema.span_labels:
        assert label.definition in html
    assert "Edge cases" in html and "regime" in html


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT_SCHEMA.read_text())
    mutate(raw)
    path = tmp_path / "schema.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_missing_field_names_the_file_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["choices"][0].pop("labels"))
    with pytest.raises(SchemaError, match=r"schema.yml:choices\[0\]: missing field 'labels'"):
        load_schema(path)


def test_duplicate_hotkeys_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["spans"]["labels"][0].update(hotkey="1"))
    with pytest.raises(SchemaError, match="duplicate hotkeys"):
        load_schema(path)


def test_unreadable_yaml_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("stance: [unclosed")
    with pytest.raises(SchemaError, match="broken.yml: cannot read schema"):
        load_schema(path)


def test_the_babe_schema_generates_two_questions_and_no_context() -> None:
    schema = load_schema(DEFAULT_SCHEMA.parent / "babe.yml")
    interface = LabelInterface(to_label_config(schema))
    interface.validate()
    assert interface.get_control("bias").labels == ["Biased", "Non-biased"]
    assert len(interface.get_control("opinion").labels) == 3
    assert interface.get_control("biased_words").labels == ["biased"]
    assert "$headline" not in to_label_config(schema) and "$target" not in to_label_config(schema)


def test_instructions_explain_the_suggestions_and_that_they_may_be_wrong() -> None:
    html = to_instructions(load_schema())
    assert "<h3>Suggestions: words highlighted when a task opens</h3>" in html
    text = DEFAULT_SUGGESTIONS.replace('"', "&quot;").replace("'", "&#x27;")
    assert f"<p>{text}</p>" in html
    for point in ("not another annotator&#x27;s work", "They may be wrong", "free-for-all", "dashed outline",
                  "delete the others", "never replace your own reading"):
        assert point in html
    # The section comes after the questions and before the edge cases.
    assert html.index("Suggestions:") > html.index(load_schema().span_question) and html.index(
        "Suggestions:") < html.index("Edge cases")
    # Its example of a wrong suggestion is one the seed lexicon really makes.
    assert find_loaded_spans("It was a free-for-all.", load_lexicon()) == [(9, 13, "loaded-positive")]


def test_a_scheme_can_replace_or_drop_the_suggestions_section(tmp_path: Path) -> None:
    assert load_schema().suggestions == DEFAULT_SUGGESTIONS  # the YAML does not repeat it
    path = _write(tmp_path, lambda raw: raw.update(suggestions="Highlighted words come from a list & may be wrong."))
    assert "<p>Highlighted words come from a list &amp; may be wrong.</p>" in to_instructions(load_schema(path))
    path = _write(tmp_path, lambda raw: raw.update(suggestions=None))
    assert load_schema(path).suggestions is None and "Suggestions" not in to_instructions(load_schema(path))
    path = _write(tmp_path, lambda raw: raw.update(suggestions=["a list"]))
    with pytest.raises(SchemaError, match=r"schema.yml: 'suggestions' must be a text or null"):
        load_schema(path)


def test_the_config_styles_the_lexicons_suggestions_apart_from_the_annotators_spans() -> None:
    schema = load_schema()
    style = ET.fromstring(to_label_config(schema)).find("Style")
    assert style is not None and SUGGESTION_STYLE in style.text
    # The rule selects spans by the region id Label Studio writes into their class
    # (htx-highlight-<id>-<n>), and the lexicon's regions are the ones whose id has the prefix.
    assert f".htx-highlight[class*=htx-highlight-{SUGGESTION_ID_PREFIX}]" in SUGGESTION_STYLE
    assert "outline: 2px dashed" in SUGGESTION_STYLE and "repeating-linear-gradient" in SUGGESTION_STYLE
    assert "background-color" not in SUGGESTION_STYLE  # the label's colour stays Label Studio's
    prediction = lexicon_prediction("The regime continues to terrorize the region.", load_lexicon(), schema)
    assert prediction is not None and len(prediction["result"]) == 2
    assert all(region["id"].startswith(SUGGESTION_ID_PREFIX) for region in prediction["result"])
    LabelInterface(to_label_config(schema)).validate()
