from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [[], ["ingest"], ["segment"], ["studio"], ["studio", "start"], ["studio", "stop"], ["studio", "status"],
     ["studio", "annotators", "add"], ["studio", "progress"], ["push"], ["pull"], ["build"], ["review"], ["stats"], ["studio", "migrate"], ["baselines"], ["demo"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_ingest_and_segment_the_seed(tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    result = runner.invoke(app, ["ingest", "--root", str(tmp_path), "--seeds", str(seeds)])
    assert result.exit_code == 0, result.output
    assert "1 article(s) ingested, 0 skipped; 2 stance target(s)" in result.output
    result = runner.invoke(app, ["segment", "--root", str(tmp_path)])
    assert "segmented into 12 sentence(s)" in result.output


def test_a_stage_run_too_early_says_what_to_run_first(tmp_path: Path) -> None:
    result = runner.invoke(app, ["segment", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "articles.parquet does not exist; run `annotation ingest` first" in result.output
    assert "Traceback" not in result.output


def test_build_without_exports_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "no exports yet; run `annotation pull` first" in result.output


def test_bad_input_is_skipped_and_reported_while_good_files_ingest(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.jsonl").write_text('{"title": "T", "text": "One sentence. Two."}\n{"title": "no text"}\n')
    (seeds / "articles.yaml").write_text("default_targets: [X]\narticles: []\n")
    result = runner.invoke(app, ["ingest", "--root", str(tmp_path), "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "good.jsonl:2:" in result.output and "1 article(s) ingested, 1 skipped" in result.output
    assert (tmp_path / "data" / "interim" / "articles.parquet").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("name\nAnn\n", "expected a header with an 'email' column"), ("email,name\nnot-an-address,Ann\n", "people.csv:2: 'not-an-address' is not an e-mail")],
)
def test_bad_annotators_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "people.csv").write_text(content)
    result = runner.invoke(app, ["studio", "annotators", "add", str(tmp_path / "people.csv"), "--root", str(tmp_path)])
    assert result.exit_code == 1 and message in result.output
