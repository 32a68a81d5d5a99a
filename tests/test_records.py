"""The record contracts: one owner for column names, task keys and sentence ids."""

from __future__ import annotations

import pandas as pd
import pytest

from annotation.ingest import Article, split_sentences
from annotation.records import (
    ANNOTATION_COLUMNS,
    SPAN_RECORD_COLUMNS,
    SPAN_VOTE_COLUMNS,
    TASK_COLUMNS,
    VOTE_COLUMNS,
    MissingColumnsError,
    check_columns,
    check_labels,
    sentence_id,
    sentence_index,
)


def test_the_export_tables_extend_the_long_tables() -> None:
    assert ANNOTATION_COLUMNS[: len(VOTE_COLUMNS)] == VOTE_COLUMNS
    assert SPAN_RECORD_COLUMNS[: len(SPAN_VOTE_COLUMNS)] == SPAN_VOTE_COLUMNS
    assert [c for c in TASK_COLUMNS if c.startswith("ls_")] == ["ls_task_id"]  # Label Studio's id, never a key


def test_a_missing_column_is_a_user_error_that_callers_catching_key_error_still_catch() -> None:
    with pytest.raises(MissingColumnsError) as raised:
        check_columns(pd.DataFrame(columns=["task"]), VOTE_COLUMNS, "votes")
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == "votes is missing column(s) ['worker', 'label']; expected task, worker, label"  # no KeyError quotes


@pytest.mark.parametrize(("labels", "error"), [("favor", TypeError), ([], ValueError), (["a", "a"], ValueError), (["a", None], ValueError)])
def test_bad_label_lists_are_refused(labels: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_labels(labels)  # type: ignore[arg-type]


def test_the_segmenter_and_the_release_agree_on_the_sentence_id() -> None:
    article = Article(article_id="a-1", title="", text="One sentence here. Another one there.", source="t.txt")
    sentences = split_sentences(article)
    assert len(sentences) == 2
    assert [s.sentence_id for s in sentences] == [sentence_id("a-1", s.index) for s in sentences]
    assert sentence_index(pd.Series([s.sentence_id for s in sentences])).tolist() == [float(s.index) for s in sentences]
