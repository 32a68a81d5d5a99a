"""Loaders of external corpora, on small fixtures in tests/data/external (see its README)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from annotation.external import (
    BABE_TARGET,
    BIASED,
    ExternalFormatError,
    load_babe,
    load_propaganda,
    load_semeval_stance,
    match_words,
)
from annotation.records import SENTENCE_COLUMNS

DATA = Path(__file__).resolve().parent / "data" / "external"


def check_spans(frame: pd.DataFrame) -> None:
    for text, spans in zip(frame["text"], frame["spans"], strict=True):
        for span in spans:
            assert text[span["start"] : span["end"]] == span["text"], span


def test_babe_rows_become_sentences_with_matched_spans() -> None:
    babe = load_babe(DATA / "babe_SG2_sample.csv")
    assert list(babe.columns[: len(SENTENCE_COLUMNS)]) == list(SENTENCE_COLUMNS)
    assert len(babe) == 9
    assert set(babe["target"]) == {BABE_TARGET} and set(babe["split"]) == {"train"}
    counts = babe["stance"].value_counts().to_dict()
    assert counts == {"Biased": 6, "Non-biased": 2, "No agreement": 1}
    check_spans(babe)
    assert {span["label"] for spans in babe["spans"] for span in spans} == {BIASED}
    # The misspelt "insance" is counted as unmatched; "insane" and "dumb" are found.
    typo = babe[babe["unmatched"].map(len) > 0]
    assert typo["unmatched"].tolist() == [["insance"]]
    assert sorted(s["text"] for s in typo.iloc[0]["spans"]) == ["dumb", "insane"]
    # Curly apostrophe in the text, straight one in the marked word.
    shot = babe[babe["text"].str.contains("couldn’t let")].iloc[0]
    assert "couldn’t" in [s["text"] for s in shot["spans"]] and shot["unmatched"] == []


def test_babe_ids_group_rows_by_article_and_are_stable() -> None:
    babe = load_babe(DATA / "babe_SG2_sample.csv")
    by_link = babe[babe["news_link"] != ""].groupby("news_link")["article_id"].nunique()
    assert (by_link == 1).all()
    held = babe[babe["news_link"] == babe.loc[0, "news_link"]]
    first = babe.loc[0, "article_id"]
    assert held["sentence_id"].tolist() == [f"{first}-{i:04d}" for i in range(3)]
    # Rows without a link are each their own article.
    no_link = babe[babe["news_link"] == ""]
    assert len(no_link) == 2 and no_link["article_id"].nunique() == 2
    assert babe["sentence_id"].is_unique
    pd.testing.assert_frame_equal(babe, load_babe(DATA / "babe_SG2_sample.csv"))


def test_babe_loader_reads_mbic_and_semicolon_files(tmp_path: Path) -> None:
    mbic = load_babe(DATA / "mbic_sample.csv")
    assert [[s["text"] for s in spans] for spans in mbic["spans"]][:2] == [
        ["birtherism", "belated"], ["crisis", "crisis"]  # every occurrence is a span
    ]
    assert mbic["unmatched"].map(len).sum() == 0
    source = pd.read_csv(DATA / "babe_SG2_sample.csv", dtype=str, keep_default_na=False)
    semicolons = tmp_path / "final_labels_SG2.csv"
    source.to_csv(semicolons, sep=";", index=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(load_babe(semicolons), load_babe(DATA / "babe_SG2_sample.csv"))


def test_babe_votes_are_counted_per_sentence_from_the_raw_labels(tmp_path: Path) -> None:
    babe = load_babe(DATA / "babe_SG2_sample.csv")
    first, second = babe["text"].iloc[:2]
    raw = pd.DataFrame({
        "text": [first, f"  {first} ", first, second, second],  # raw texts may carry white space
        "label_bias": ["Biased", "Biased", "Non-biased", "Non-biased", ""],  # an empty label is no vote
        "annotator_id": ["1", "2", "3", "1", "2"],
    })
    raw.to_csv(tmp_path / "raw_labels_SG2.csv", index=False)
    voted = load_babe(DATA / "babe_SG2_sample.csv", votes=tmp_path / "raw_labels_SG2.csv")
    assert voted["stance_votes"].tolist() == [{"Biased": 2, "Non-biased": 1}, {"Non-biased": 1}] + [{}] * 7
    pd.testing.assert_frame_equal(voted.drop(columns="stance_votes"), babe)
    with pytest.raises(ExternalFormatError, match=r"semeval_stance_sample.csv: missing column\(s\) \['text', 'label_bias'\]"):
        load_babe(DATA / "babe_SG2_sample.csv", votes=DATA / "semeval_stance_sample.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,label_bias\nA,Biased\n", r"missing column\(s\) \['news_link'"),
        (
            "text,news_link,outlet,topic,type,label_bias,label_opinion,biased_words\n"
            "Some text,,o,t,left,Biased,x,not-a-list\n",
            r"row 2: biased_words must be a Python list",
        ),
    ],
)
def test_babe_loader_names_the_file_and_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExternalFormatError, match=message):
        load_babe(path)
    with pytest.raises(ExternalFormatError, match="no such file"):
        load_babe(tmp_path / "missing.csv")


def test_match_words_is_whole_word_and_quote_blind() -> None:
    text = "He called the “radical” radicals radically wrong, radical!"
    spans, unmatched = match_words(text, ['"radical"', "radic", ""])
    assert [text[s:e] for s, e in spans] == ["radical", "radical"]
    assert unmatched == ["radic", ""]
    assert match_words("Freed 🙂 freed", ["FREED"])[0] == [(0, 5), (8, 13)]


def test_semeval_stance_maps_labels_and_drops_duplicate_rows(tmp_path: Path) -> None:
    tweets = load_semeval_stance(DATA / "semeval_stance_sample.csv", split="test")
    assert list(tweets.columns) == list(SENTENCE_COLUMNS)
    assert len(tweets) == 4  # one duplicated row
    assert tweets["stance"].tolist() == ["favor", "against", "neutral", "favor"]
    assert set(tweets["split"]) == {"test"}
    assert tweets.loc[0, "text"].startswith("We need to cut emissions now, before")
    custom = load_semeval_stance(
        DATA / "semeval_stance_sample.csv",
        labels={"FAVOR": "favor", "AGAINST": "against", "NONE": "unrelated"},
    )
    assert custom["stance"].tolist()[2] == "unrelated"
    # Tab-separated and cp1252, as in the original release.
    source = pd.read_csv(DATA / "semeval_stance_sample.csv", dtype=str)
    source.loc[0, "Tweet"] = "Caf\u00e9 owners say it’s time. #SemST"
    tsv = tmp_path / "train.txt"
    source.to_csv(tsv, sep="\t", index=False, encoding="cp1252")
    assert load_semeval_stance(tsv, encoding="cp1252").loc[0, "text"].startswith("Café")
    with pytest.raises(ExternalFormatError, match="encoding='cp1252'"):
        load_semeval_stance(tsv)


def test_semeval_stance_rejects_unknown_labels(tmp_path: Path) -> None:
    path = tmp_path / "stance.csv"
    path.write_text("Tweet,Target,Stance\nHi,Atheism,MAYBE\n", encoding="utf-8")
    with pytest.raises(ExternalFormatError, match=r"Stance value\(s\) \['MAYBE'\]"):
        load_semeval_stance(path)


def test_propaganda_spans_become_sentence_relative() -> None:
    data = DATA / "propaganda"
    table = load_propaganda(data / "articles", data / "labels.tsv", split="test")
    assert table["sentence_id"].tolist() == [
        "111111111-0000", "111111111-0002", "111111111-0003", "222222222-0000"
    ]
    check_spans(table)
    article = (data / "articles" / "article111111111.txt").read_text(encoding="utf-8")
    for row in table[table["article_id"] == "111111111"].itertuples():
        assert article[row.start : row.end] == row.text
    # The span across the line break is clipped into both sentences.
    crossing = [
        s["text"]
        for spans in table["spans"]
        for s in spans
        if s["label"] == "Exaggeration,Minimisation"
    ]
    assert crossing == ["the mayor said.", "Never again will we allow such barbarism"]
    assert table.loc[3, "spans"] == [
        {"start": 19, "end": 30, "text": "“fake news”", "label": "Name_Calling,Labeling"}
    ]
    assert set(table["split"]) == {"test"} and table["stance"].isna().all()


def test_propaganda_reads_a_directory_of_label_files_and_filters(tmp_path: Path) -> None:
    data = DATA / "propaganda"
    (tmp_path / "article111111111.task2-TC.labels").write_text(
        (data / "labels.tsv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    table = load_propaganda(data / "articles", tmp_path, techniques={"Slogans"})
    assert table["sentence_id"].tolist()[-1] == "111111111-0003"
    assert [s["text"] for spans in table["spans"] for s in spans] == ["Never again"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("111111111\tLoaded_Language\t12\n", "expected 'article_id<TAB>technique"),
        ("111111111\tLoaded_Language\t12\t9999\n", r"needs 0 <= start < end <= 131"),
        ("999\tLoaded_Language\t0\t3\n", "article999.txt: cannot read"),
    ],
)
def test_propaganda_rejects_bad_labels(tmp_path: Path, line: str, message: str) -> None:
    labels = tmp_path / "bad.labels"
    labels.write_text(line, encoding="utf-8")
    with pytest.raises(ExternalFormatError, match=message):
        load_propaganda(DATA / "propaganda" / "articles", labels)
