from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [[], ["ingest"], ["segment"], ["studio"], ["studio", "start"], ["studio", "stop"], ["studio", "status"],
     ["studio", "annotators", "add"], ["studio", "progress"], ["push"], ["suggest"], ["pull"], ["build"], ["review"], ["stats"], ["studio", "migrate"], ["baselines"], ["demo"],
     ["init"], ["clean"], ["notebooks"], ["rehydrate"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def _campaign(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["init", str(tmp_path / "camp"), "--title", "A test campaign"])
    assert result.exit_code == 0, result.output
    return tmp_path / "camp"


def test_init_makes_a_campaign_that_every_command_reads(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "My Camp")])
    assert result.exit_code == 0, result.output
    camp = tmp_path / "My Camp"
    assert {p.name for p in camp.iterdir()} >= {"campaign.yml", "corpus", "schemas", "DATASHEET.md", ".gitignore"}
    assert "name: my-camp " in (camp / "campaign.yml").read_text()
    again = runner.invoke(app, ["init", str(camp)])
    assert again.exit_code == 1 and "campaign.yml exists already" in again.output


def test_a_command_outside_a_campaign_says_how_to_start_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["segment", "--campaign", str(tmp_path)])
    assert result.exit_code == 1 and "no campaign.yml here; run `annotation init DIR`" in result.output
    assert "Traceback" not in result.output


def test_ingest_and_segment_the_seed(tmp_path: Path) -> None:
    camp = _campaign(tmp_path)
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    result = runner.invoke(app, ["ingest", str(seeds), "--manifest", str(seeds / "articles.yaml"), "--campaign", str(camp)])
    assert result.exit_code == 0, result.output
    assert "1 article(s) ingested, 0 skipped; 2 article × target pair(s), 2 distinct stance target(s)" in result.output
    result = runner.invoke(app, ["segment", "-C", str(camp)])
    assert "segmented into 12 sentence(s)" in result.output


def test_a_stage_run_too_early_says_what_to_run_first(tmp_path: Path) -> None:
    result = runner.invoke(app, ["segment", "--campaign", str(_campaign(tmp_path))])
    assert result.exit_code == 1
    assert "articles.parquet does not exist; run `annotation ingest` first" in result.output
    assert "Traceback" not in result.output


def test_build_without_exports_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--campaign", str(_campaign(tmp_path))])
    assert result.exit_code == 1 and "no exports yet; run `annotation pull` first" in result.output


def test_bad_input_is_skipped_and_reported_while_good_files_ingest(tmp_path: Path) -> None:
    camp = _campaign(tmp_path)
    (camp / "corpus" / "good.jsonl").write_text('{"title": "T", "text": "One sentence. Two."}\n{"title": "no text"}\n')
    (camp / "corpus" / "articles.yaml").write_text("default_targets: [X]\narticles: []\n")
    result = runner.invoke(app, ["ingest", "--campaign", str(camp)])  # the campaign's corpus/ and manifest
    assert result.exit_code == 1
    assert "good.jsonl:2:" in result.output and "1 article(s) ingested, 1 skipped" in result.output
    assert (camp / "data" / "interim" / "articles.parquet").exists()


def test_a_manifest_entry_that_matches_no_article_is_reported(tmp_path: Path) -> None:
    camp = _campaign(tmp_path)
    (camp / "corpus" / "news.jsonl").write_text('{"id": "hv-04", "title": "T", "text": "One sentence. Two."}\n')
    (camp / "corpus" / "articles.yaml").write_text(
        "default_targets: [Airport]\narticles:\n  - article_id: hv-4\n    targets: [County council]\n"
    )
    result = runner.invoke(app, ["ingest", "-C", str(camp)])
    assert result.exit_code == 0, result.output
    assert "1 manifest entry matched no article: article_id 'hv-4'" in result.output
    assert "1 article × target pair(s), 1 distinct stance target(s)" in result.output  # it fell back to the default


def test_an_ingest_that_ingests_nothing_leaves_the_earlier_articles(tmp_path: Path) -> None:
    camp = _campaign(tmp_path)
    (camp / "corpus" / "news.jsonl").write_text('{"title": "T", "text": "One sentence. Two."}\n')
    (camp / "campaign.yml").write_text((camp / "campaign.yml").read_text().replace("targets: []", "targets: [X]", 1))
    assert runner.invoke(app, ["ingest", "-C", str(camp)]).exit_code == 0
    articles = camp / "data" / "interim" / "articles.parquet"
    before = articles.read_bytes()
    (tmp_path / "typo.jsonl").write_text('{"title": "no text"}\n')
    result = runner.invoke(app, ["ingest", str(tmp_path / "typo.jsonl"), "-C", str(camp)])
    assert result.exit_code == 1 and "nothing ingested; data/interim/articles.parquet was left as it was" in result.output
    assert articles.read_bytes() == before


def test_clean_keeps_raw_exports_unless_the_campaign_is_named(tmp_path: Path) -> None:
    camp = _campaign(tmp_path)
    for folder in ("data/raw", "data/interim", "dist"):
        (camp / folder).mkdir(parents=True)
        (camp / folder / "file").write_text("x")
    result = runner.invoke(app, ["clean", "-C", str(camp)])
    assert result.exit_code == 0 and (camp / "data" / "raw" / "file").exists()
    assert not (camp / "data" / "interim").exists() and not (camp / "dist").exists()
    wrong = runner.invoke(app, ["clean", "-C", str(camp), "--delete-raw-exports", "another-campaign"])
    assert wrong.exit_code == 1 and "does not name this campaign ('camp')" in wrong.output
    assert (camp / "data" / "raw" / "file").exists()
    named = runner.invoke(app, ["clean", "-C", str(camp), "--delete-raw-exports", "camp"])
    assert named.exit_code == 0 and not (camp / "data" / "raw").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("name\nAnn\n", "expected a header with an 'email' column"), ("email,name\nnot-an-address,Ann\n", "people.csv:2: 'not-an-address' is not an e-mail")],
)
def test_bad_annotators_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "people.csv").write_text(content)
    result = runner.invoke(app, ["studio", "annotators", "add", str(tmp_path / "people.csv"), "-C", str(_campaign(tmp_path))])
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize("args", [["baselines"], ["baselines", "--release", "nowhere"], ["stats"], ["review"], ["build"]])
def test_a_stage_without_its_inputs_is_one_clear_error_not_a_traceback(tmp_path: Path, args: list[str]) -> None:
    runner.invoke(app, ["init", str(tmp_path / "c")])
    result = runner.invoke(app, [*args, "-C", str(tmp_path / "c")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1, result.output



@pytest.mark.parametrize(("args", "message"), [(["--stance", "svm"], "kind='svm' is not one of 'majority'"),
                                              (["--tagger", "bert"], "kind='bert' is not one of 'lexicon'")])
def test_baselines_name_an_unknown_kind_in_one_line_before_reading_the_release(tmp_path: Path, args: list[str], message: str) -> None:
    runner.invoke(app, ["init", str(tmp_path / "c")])
    result = runner.invoke(app, ["baselines", *args, "-C", str(tmp_path / "c")])
    assert result.exit_code == 1 and result.output.startswith("error: ") and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "finetuned-minilm" in result.output


def test_push_with_a_broken_campaign_yml_is_one_error_line(tmp_path: Path) -> None:
    folder = _campaign(tmp_path)
    with (folder / "campaign.yml").open("a") as config:
        config.write("labels: [\n")
    result = runner.invoke(app, ["push", "-C", str(folder)])
    assert result.exit_code == 1 and result.output.startswith("error: ") and "campaign.yml" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_a_release_built_by_an_older_version_is_one_clear_error(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path / "c")])
    old = tmp_path / "old-0.1.0"  # a release from before stats.json said whether it ships its texts
    (old / "sentences").mkdir(parents=True)
    (old / "README.md").write_text("# old\n")
    (old / "stats.json").write_text('{"version": "0.1.0"}\n')
    result = runner.invoke(app, ["baselines", "--release", str(old), "-C", str(tmp_path / "c")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "stats.json" in result.output and "older version" in result.output and "annotation build" in result.output


def test_output_prints_brackets_verbatim() -> None:
    # The baselines table says how to install an extra: `pip install 'annotation[embedding]'`; rich
    # markup once swallowed the "[embedding]" as a style tag.
    from annotation.cli import console

    with console.capture() as captured:
        console.print("pip install 'annotation[embedding]'")
    assert captured.get().strip() == "pip install 'annotation[embedding]'"


def test_studio_progress_shows_the_stance_columns_only_when_a_stance_was_suggested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotation import pipeline
    from annotation.exports import progress
    from annotation.schema import load_schema
    from tests.exports import test_stance_suggestions, test_suggestions
    from tests.exports.records import USERS

    camp = _campaign(tmp_path)
    for tasks, stance in ((test_stance_suggestions.TASKS, True), ([test_suggestions._task(test_suggestions.ANNOTATIONS)], False)):
        table, short = progress(tasks, USERS, overlap=1, schema=load_schema())
        monkeypatch.setattr(pipeline, "annotation_progress", lambda campaign: (table, short, len(tasks), None))
        result = runner.invoke(app, ["studio", "progress", "-C", str(camp)])
        assert result.exit_code == 0, result.output
        assert ("stance_acceptance_rate" in result.output) is stance
        assert ("stance_accepted (submitted as suggested)" in result.output) is stance


def test_studio_stop_and_status_still_work_while_campaign_yml_does_not_load(tmp_path: Path) -> None:
    root = _campaign(tmp_path)
    config = root / "campaign.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nqueue:\n  active: maybe\n", encoding="utf-8")
    status = runner.invoke(app, ["studio", "status", "-C", str(root)])
    assert status.exit_code == 3 and "not running" in status.output, status.output
    assert "queue.active must be true or false" in status.output and "looking for the server" in status.output
    result = runner.invoke(app, ["studio", "stop", "-C", str(root)])
    assert result.exit_code == 0, result.output
    assert "queue.active must be true or false" in result.output and "stopping the server" in result.output
    assert "no Label Studio server was running" in result.output
