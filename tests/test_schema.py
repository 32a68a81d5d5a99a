from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from label_studio_sdk.label_interface import LabelInterface

from annotation.schema import DEFAULT_SCHEMA, SchemaError, load_schema, to_instructions, to_label_config


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
