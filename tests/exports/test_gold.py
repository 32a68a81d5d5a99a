"""Gold tasks: the gold file (``annotation.gold``), the split of ground-truth annotations out of the
votes (``exports.votes``), each annotator's gold accuracy (``exports.accuracy``) and ``studio progress``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from annotation.exports import gold_accuracy, progress, pseudonymize, to_votes
from annotation.gold import GoldError, gold_result, read_gold
from annotation.schema import load_schema
from tests.exports.records import USERS, span_region, stance_region, votes_of

TEXT = "The regime shelled the town."  # regime 4..10, shelled 11..18, town 23..27
TEXTS = {"s-0001|T": TEXT, "s-0002|T": "Rebels freed the prisoners."}


def test_a_gold_file_reports_each_bad_row_with_its_line_and_keeps_the_good_ones(tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "sentence_id,target,task_key,stance,spans\n"
        's-0001,T,,against,"[{""start"": 4, ""end"": 10, ""label"": ""loaded-negative""}]"\n'  # 2: good
        ",,s-0002|T,favor,\n"                                       # 3: good, no spans
        "s-0009,T,,favor,[]\n"                                      # 4: not pushed
        "s-0001,T,,sceptical,[]\n"                                  # 5: stance outside the scheme
        's-0002,T,,favor,"[{""start"": 0, ""end"": 99, ""label"": ""loaded-positive""}]"\n'  # 6: offsets
        's-0002,T,,favor,"[{""start"": 0, ""end"": 6, ""label"": ""loaded""}]"\n'  # 7: span label
        "s-0002,T,,favor,[{oops\n"                                  # 8: spans not JSON
        ",T,,favor,[]\n"                                            # 9: no key
        "s-0001,T,s-0002|T,favor,[]\n"                              # 10: key and parts disagree
        's-0002,T,,favor,"[{""start"": 0, ""end"": 6, ""text"": ""rebels"", ""label"": ""loaded-positive""}]"\n'  # 11: text
        "s-0001,T,,favor,[]\n",                                     # 12: given twice
        encoding="utf-8",
    )
    rows, problems = read_gold(gold, schema=load_schema(), texts=TEXTS)
    assert [(r.task_key, r.stance, r.spans, r.where) for r in rows] == [
        ("s-0001|T", "against", ((4, 10, "loaded-negative"),), f"{gold}:2"),
        ("s-0002|T", "favor", (), f"{gold}:3"),
    ]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{gold}:{line}" for line in range(4, 13)]
    whats = [p.split(": ", 1)[1] for p in problems]
    assert whats[0].startswith("task 's-0009|T' is not in the project")
    assert whats[1] == "stance 'sceptical' is not one of ['favor', 'against', 'neutral', 'unrelated']"
    assert whats[2] == "span 0: offsets 0..99 are not a range inside the sentence (length 27)"
    assert whats[3] == "span 0: label 'loaded' is not one of ['loaded-negative', 'loaded-positive']"
    assert whats[4].startswith("spans is not JSON")
    assert whats[5] == "no task_key, and no sentence_id and target to make it"
    assert whats[6] == "task_key 's-0002|T' is not sentence_id|target ('s-0001|T')"
    assert whats[7] == "span 0: text 'rebels' is not the sentence's 'Rebels' at 0..6"
    assert whats[8] == f"task 's-0001|T' is already gold at {gold}:2; this row is skipped"


def test_a_jsonl_gold_file_reads_like_a_csv_one(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"task_key": "s-0001|T", "stance": "against", "spans": [{"start": 11, "end": 18, "label": "loaded-negative"}]}\n'
                    "\nnot json\n[1, 2]\n", encoding="utf-8")
    rows, problems = read_gold(gold, schema=load_schema(), texts=TEXTS)
    assert [(r.task_key, r.spans) for r in rows] == [("s-0001|T", ((11, 18, "loaded-negative"),))]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{gold}:3", f"{gold}:4"]
    (tmp_path / "gold.txt").write_text("x")
    with pytest.raises(GoldError, match=r"a gold file is \.csv or \.jsonl, not '\.txt'"):
        read_gold(tmp_path / "gold.txt", schema=load_schema(), texts=TEXTS)


def _annotation(id_: int, user: int, stance: str, *spans: tuple[int, int], ground_truth: bool = False, minute: int = 0) -> dict:
    result = [stance_region(stance), *(span_region(a, b, TEXT[a:b]) for a, b in spans)]
    stamp = f"2026-01-01T00:{minute:02d}:00Z"
    return {"id": id_, "completed_by": user, "result": result, "created_at": stamp, "updated_at": stamp, "ground_truth": ground_truth}


def _task(id_: int, annotations: list[dict]) -> dict:
    return {"id": id_, "data": {"task_key": f"s-{id_:04d}|T", "text": TEXT, "target": "T", "sentence_id": f"s-{id_:04d}",
                                "article_id": "s"}, "annotations": annotations}


def _export() -> list[dict]:
    """Task 1 is gold (the admin's ground truth: against, regime + shelled); users 2-4 answer it.
    Task 2 is ordinary, with the same three annotators: the overlap (2) keeps the first two."""
    return [
        _task(1, [_annotation(10, 1, "against", (4, 10), (11, 18), ground_truth=True),
                  _annotation(11, 2, "against", (4, 10), (11, 18), minute=1),  # all right
                  _annotation(12, 3, "against", (4, 10), minute=2),            # stance right, one span missed
                  _annotation(13, 4, "favor", (4, 18), (23, 27), minute=3)]),  # stance wrong, two wrong spans
        _task(2, [_annotation(20, 2, "neutral", minute=1), _annotation(21, 3, "neutral", minute=2),
                  _annotation(22, 4, "neutral", minute=3)]),
    ]


def test_ground_truth_is_gold_not_a_vote_and_the_overlap_does_not_cap_a_gold_task() -> None:
    votes = to_votes(_export(), USERS, schema=load_schema(), salt="s", source="t", max_annotations=2)
    assert votes.gold[["task", "label", "ls_annotation_id"]].values.tolist() == [["s-0001|T", "against", 10]]
    assert votes.gold_spans[["task", "start", "end", "text"]].values.tolist() == [["s-0001|T", 4, 10, "regime"],
                                                                                  ["s-0001|T", 11, 18, "shelled"]]
    admin = pseudonymize(USERS[1], "s")
    assert admin not in set(votes.annotations["worker"]) and admin not in set(votes.spans["worker"])
    assert 10 not in set(votes.annotations["ls_annotation_id"])
    per_task = votes.annotations.groupby("task")["ls_annotation_id"].apply(sorted).to_dict()
    assert per_task == {"s-0001|T": [11, 12, 13], "s-0002|T": [20, 21]}  # all three on gold; two elsewhere
    assert votes.dropped["over_assigned"] == 1 and votes.integrity["ls_annotation_id"].tolist() == [22]
    assert votes.summary().startswith("5 annotation(s) and 5 span(s) kept from 2 task(s) (1 of them gold)")


def test_a_task_keeps_its_latest_ground_truth_and_a_gold_without_stance_is_dropped() -> None:
    export = [_task(1, [_annotation(10, 1, "favor", ground_truth=True), _annotation(11, 1, "against", ground_truth=True, minute=5),
                        _annotation(12, 2, "against", minute=1)]),
              _task(2, [{**_annotation(20, 1, "favor", ground_truth=True), "result": [span_region(4, 10, "regime")]}])]
    votes = votes_of(export)
    assert votes.gold[["task", "label"]].values.tolist() == [["s-0001|T", "against"]]
    assert (votes.dropped["superseded_gold"], votes.dropped["bad_gold"]) == (1, 1)
    assert votes.integrity["ls_annotation_id"].tolist() == [10, 20]
    assert len(votes.annotations) == 1


def test_gold_accuracy_by_hand() -> None:
    """Gold spans on task 1: regime (4..10), shelled (11..18), both loaded-negative.

    ======  ======  ===============================  =================  ==========================
    user    stance  spans                            exact TP/FP/FN F1  tokens (regime, shelled)
    ======  ======  ===============================  =================  ==========================
    2       right   regime, shelled                  2/0/0  1.0         2/0/0  1.0
    3       right   regime                           1/0/1  2/3         1/0/1  2/3
    4       wrong   "regime shelled" 4..18, town     0/2/2  0.0         2/1/0  4/5 (town is the FP)
    ======  ======  ===============================  =================  ==========================
    """
    votes = votes_of(_export())
    table = gold_accuracy(votes, span_labels=load_schema().span_names)
    table.index = [next(uid for uid, email in USERS.items() if pseudonymize(email, "s") == w) for w in table.index]
    table = table.sort_index()
    assert table["gold_tasks"].tolist() == [1, 1, 1]
    assert table["stance_correct"].tolist() == [1, 1, 0] and table["stance_accuracy"].tolist() == [1.0, 1.0, 0.0]
    assert table[["span_tp", "span_fp", "span_fn"]].values.tolist() == [[2, 0, 0], [1, 0, 1], [0, 2, 2]]
    assert table["span_f1"].tolist() == pytest.approx([1.0, 2 / 3, 0.0])
    assert table["token_f1"].tolist() == pytest.approx([1.0, 2 / 3, 4 / 5])


def test_gold_accuracy_is_micro_over_the_gold_tasks_an_annotator_answered() -> None:
    second = _task(3, [_annotation(30, 1, "neutral", ground_truth=True), _annotation(31, 3, "favor", (23, 27), minute=1)])
    votes = votes_of([*_export(), second])
    row = gold_accuracy(votes, span_labels=load_schema().span_names).loc[pseudonymize(USERS[3], "s")]
    # task 1: right, 1/0/1; task 3: wrong, 0/1/0 -> 1/2 right, TP 1, FP 1, FN 1
    assert (row["gold_tasks"], row["stance_correct"], row["span_tp"], row["span_fp"], row["span_fn"]) == (2, 1, 1, 1, 1)
    assert row["stance_accuracy"] == 0.5 and row["span_f1"] == pytest.approx(0.5)
    only_task_3 = gold_accuracy(votes_of([second]), span_labels=load_schema().span_names)
    assert only_task_3["span_f1"].iloc[0] == 0.0
    none = votes_of([_task(3, [_annotation(30, 1, "neutral", ground_truth=True), _annotation(31, 3, "neutral", minute=1)])])
    assert pd.isna(gold_accuracy(none, span_labels=load_schema().span_names)["span_f1"].iloc[0])  # nothing marked by anyone
    assert gold_accuracy(votes_of(_export()[1:]), span_labels=load_schema().span_names).empty  # no gold task


def test_progress_counts_no_ground_truth_and_shows_gold_accuracy() -> None:
    table, short = progress(_export(), USERS, overlap=3, schema=load_schema())
    assert USERS[1] not in table.index  # the admin's gold is nobody's submission
    assert table["submitted"].to_dict() == {USERS[2]: 2, USERS[3]: 2, USERS[4]: 2}
    assert short == 0  # the gold task has three annotators besides its gold
    assert table.loc[USERS[4], ["gold_tasks", "gold_stance_accuracy", "gold_span_f1"]].tolist() == [1, 0.0, 0.0]
    assert table.loc[USERS[3], "gold_span_f1"] == pytest.approx(2 / 3)
    assert table.loc[USERS[4], "gold_token_f1"] == pytest.approx(4 / 5)
    plain, _ = progress(_export()[1:], USERS, overlap=3, schema=load_schema())
    assert plain["gold_tasks"].tolist() == [0, 0, 0] and plain["gold_stance_accuracy"].isna().all()


def test_gold_result_reads_back_as_the_same_gold(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"task_key": "s-0001|T", "stance": "against", "spans": [{"start": 4, "end": 10, "label": "loaded-negative"}]}\n')
    (row,), _ = read_gold(gold, schema=load_schema(), texts=TEXTS)
    export = [_task(1, [{**_annotation(10, 1, "favor", ground_truth=True), "result": gold_result(row, TEXT, load_schema())}])]
    votes = votes_of(export)
    assert votes.gold["label"].tolist() == ["against"]
    assert votes.gold_spans[["start", "end", "text", "label"]].values.tolist() == [[4, 10, "regime", "loaded-negative"]]
