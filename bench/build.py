"""Benchmark the release build on 100k synthetic sentence × target rows, against a plain pandas writer.

Run with ``python bench/build.py [--rows 100000] [--seed 0]`` (not part of the tests). Targets:
``build_release`` under 20 s and 1 GB peak RSS for 100k rows.

1. Synthetic long tables shaped like ``exports.to_votes`` output: 25-sentence articles, 2 stance
   targets each, 2-4 annotators per row (3 on average) from a pool of 400 with accuracies in
   [0.55, 0.9], sentences of 5-80 words (about 140 characters, some with curly quotes, accents or
   an emoji), 0-3 loaded phrases per sentence that annotators mark with jittered boundaries, plus
   false alarms. They are written to parquet in a temp directory, as ``data/interim/`` would be.
2. ``ours``, in a fresh process: read the tables and run ``annotation.release.build_release`` (checks,
   aggregation, agreement with 1000 bootstrap resamples, card, parquet, checksums); wall time and
   peak RSS of the process (VmHWM). It runs twice, in two processes, and the SHA256SUMS must
   match. Then, for a breakdown only, ``aggregate_votes`` and ``agreement_report`` on their own.
3. ``pandas``, in a fresh process: the straightforward alternative to the writing step. The rows
   of the release (read back from our parquet into plain pandas objects, untimed) go through
   ``datasets.Dataset.from_pandas(frame, features)`` and ``to_parquet`` per config and split;
   wall time and peak RSS. The tables it writes must equal ours.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from annotation.exports import Votes
from annotation.records import sentence_id, task_key
from annotation.schema import load_schema
from annotation.spans import token_spans

TARGETS = ["Government forces", "Opposition forces", "Russian forces", "Turkish army", "The United Nations",
           "Local council", "Rebel groups", "Civilians", "The president", "Aid agencies"]
LOADED = [("regime", 0), ("terrorize", 0), ("radicals", 0), ("brutal", 0), ("thugs", 0), ("massacre", 0),
          ("crackdown", 0), ("freed", 1), ("liberated", 1), ("heroic", 1), ("brave", 1), ("restored", 1)]
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "ne", "vo", "di", "an", "er", "ol", "ut", "is", "ba", "gre", "tor", "sel"]
PRIORS = [0.15, 0.3, 0.25, 0.3]


def _peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM; ``ru_maxrss`` would include the parent's at fork)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def _vocabulary(rng: np.random.Generator) -> np.ndarray:
    """2,000 words of 1-4 syllables, some capitalised, hyphenated, possessive or accented."""
    words = ["".join(rng.choice(SYLLABLES, size=rng.integers(1, 5))) for _ in range(2000)]
    extras = ["U.N.", "al-Assad", "ceasefire", "Idlib’s", "Aleppo", "café", "1,000", "4.5", "de-escalation", "“we", "said”"]
    return np.array(words + [w for w, _ in LOADED] * 5 + extras, dtype=object)


def synthetic_votes(n_rows: int, seed: int) -> tuple[Votes, pd.DataFrame]:
    """Long tables (``exports.Votes``) and the articles table for about ``n_rows`` sentence × target rows."""
    rng = np.random.default_rng(seed)
    schema = load_schema()
    vocabulary = _vocabulary(rng)
    n_sentences = n_rows // 2
    per_article = 25
    n_articles = -(-n_sentences // per_article)
    n_words = np.clip(rng.lognormal(np.log(21), 0.45, n_sentences), 5, 80).astype(int)
    words = rng.choice(vocabulary, size=int(n_words.sum()))
    cut = np.cumsum(n_words)[:-1]
    sentences = []
    for i, chunk in enumerate(np.split(words, cut)):
        text = " ".join(chunk)
        text = text[0].upper() + text[1:] + ("." if i % 97 else " 🙂.")
        sentences.append(text.replace(" ka ", ", ka ", 1))
    article_ids = [hashlib.sha256(f"article-{seed}-{i}".encode()).hexdigest()[:16] for i in range(n_articles)]
    article_of = np.arange(n_sentences) // per_article
    index = np.arange(n_sentences) % per_article
    sentence_ids = [sentence_id(article_ids[a], k) for a, k in zip(article_of, index)]
    targets = [list(rng.choice(TARGETS, size=2, replace=False)) for _ in range(n_articles)]
    headline = [sentences[a * per_article] for a in article_of]
    before = ["" if k == 0 else sentences[i - 1] for i, k in enumerate(index)]
    after = ["" if i + 1 == n_sentences or index[i + 1] == 0 else sentences[i + 1] for i in range(n_sentences)]

    rows = [(s, t) for s in range(n_sentences) for t in targets[article_of[s]]]
    sentence_of = np.array([s for s, _ in rows])
    tasks = pd.DataFrame({
        "task": [task_key(sentence_ids[s], t) for s, t in rows],
        "ls_task_id": np.arange(len(rows)) + 1,
        "sentence_id": [sentence_ids[s] for s in sentence_of],
        "article_id": [article_ids[article_of[s]] for s in sentence_of],
        "target": [t for _, t in rows],
        "text": [sentences[s] for s in sentence_of],
        "headline": [headline[s] for s in sentence_of],
        "context_before": [before[s] for s in sentence_of],
        "context_after": [after[s] for s in sentence_of],
        "start": 0,
        "end": [len(sentences[s]) for s in sentence_of],
    })

    # Annotators: 2-4 distinct ones per row from a pool of 400.
    n_tasks = len(tasks)
    pool, accuracy = 400, rng.uniform(0.55, 0.9, 400)
    k = rng.choice([2, 3, 4], p=[0.15, 0.7, 0.15], size=n_tasks)
    task_of = np.repeat(np.arange(n_tasks), k)
    slot = np.arange(task_of.size) - np.repeat(np.cumsum(k) - k, k)
    worker = (rng.integers(0, pool, n_tasks)[task_of] + slot * rng.integers(1, pool // 4, n_tasks)[task_of]) % pool
    truth = rng.choice(4, p=PRIORS, size=n_tasks)
    right = rng.random(task_of.size) < accuracy[worker]
    given = np.where(right, truth[task_of], (truth[task_of] + rng.integers(1, 4, task_of.size)) % 4)
    workers = np.array([f"ann-{hashlib.sha256(f'w{w}'.encode()).hexdigest()[:12]}" for w in range(pool)], dtype=object)
    annotation_id = np.arange(task_of.size) + 1
    annotations = pd.DataFrame({
        "task": tasks["task"].to_numpy()[task_of],
        "worker": workers[worker],
        "label": np.array(schema.stance_names, dtype=object)[given],
        "ls_task_id": task_of + 1,
        "ls_annotation_id": annotation_id,
        "created_at": pd.Timestamp("2026-11-01") + pd.to_timedelta(rng.integers(0, 86400 * 20, task_of.size), unit="s"),
        "updated_at": None,
        "lead_time_s": rng.gamma(2.0, 9.0, task_of.size).round(3),
        "ground_truth": False,
        "synthetic": False,
        "edited_by_other": False,
    })
    annotations["created_at"] = annotations["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    annotations = annotations.sort_values(["task", "worker"], ignore_index=True)

    # Loaded phrases: 0-3 word runs per sentence; each annotator marks each with probability 0.7
    # (end moved by a word in a quarter of the marks, label flipped in a tenth) plus false alarms.
    word_tokens = []
    for text in sentences:
        word_tokens.append([(s, e) for s, e in token_spans(text) if text[s].isalnum()])
    n_word = np.array([len(w) for w in word_tokens])
    flat = np.array([p for w in word_tokens for p in w])
    word_offset = np.r_[0, np.cumsum(n_word)]
    n_runs = np.minimum(rng.poisson(0.9, n_sentences), 3)
    run_sentence = np.repeat(np.arange(n_sentences), n_runs)
    run_length = np.minimum(rng.integers(1, 4, run_sentence.size), n_word[run_sentence])
    run_first = (rng.random(run_sentence.size) * (n_word[run_sentence] - run_length + 1)).astype(int)
    run_label = (rng.random(run_sentence.size) < 0.25).astype(int)
    sentence_of_annotation = sentence_of[annotations["ls_task_id"].to_numpy() - 1]
    runs_per_sentence = np.bincount(run_sentence, minlength=n_sentences)
    run_start_of = np.r_[0, np.cumsum(runs_per_sentence)]
    m = runs_per_sentence[sentence_of_annotation]
    owner = np.repeat(np.arange(len(annotations)), m)
    run = np.repeat(run_start_of[sentence_of_annotation], m) + np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)
    marked = rng.random(run.size) < 0.7
    owner, run = owner[marked], run[marked]
    length = np.clip(run_length[run] + rng.choice([-1, 0, 0, 0, 0, 0, 0, 1], size=run.size), 1, None)
    sentence = run_sentence[run]
    first = run_first[run]
    length = np.minimum(length, n_word[sentence] - first)
    label = np.where(rng.random(run.size) < 0.1, 1 - run_label[run], run_label[run])
    alarms = np.flatnonzero(rng.random(len(annotations)) < 0.2)
    owner = np.r_[owner, alarms]
    sentence = np.r_[sentence, sentence_of_annotation[alarms]]
    first = np.r_[first, (rng.random(alarms.size) * n_word[sentence_of_annotation[alarms]]).astype(int)]
    length = np.r_[length, np.ones(alarms.size, dtype=int)]
    label = np.r_[label, rng.integers(0, 2, alarms.size)]
    start = flat[word_offset[sentence] + first, 0]
    end = flat[word_offset[sentence] + first + length - 1, 1]
    spans = pd.DataFrame({
        "task": annotations["task"].to_numpy()[owner],
        "worker": annotations["worker"].to_numpy()[owner],
        "start": start.astype(np.int64),
        "end": end.astype(np.int64),
        "text": [sentences[s][a:b] for s, a, b in zip(sentence, start, end)],
        "label": np.array(schema.span_names, dtype=object)[label],
        "ls_annotation_id": annotations["ls_annotation_id"].to_numpy()[owner],
    }).drop_duplicates(["task", "worker", "start", "end", "label"])
    spans = spans.sort_values(["task", "worker", "start", "end"], ignore_index=True)

    articles = pd.DataFrame({
        "article_id": article_ids,
        "source": [f"synthetic/{a}.txt" for a in article_ids],
        "url": None,
        "outlet": "Synthetic Wire",
        "published": "2026-11-01T09:00:00",
        "updated": None,
        "title": [sentences[a * per_article] for a in range(n_articles)],
        "text": ["\n\n".join([sentences[a * per_article], " ".join(sentences[a * per_article + 1 : (a + 1) * per_article])])
                 for a in range(n_articles)],
        "targets": targets,
    })
    dropped = {"cancelled": 0, "superseded": 0, "without_stance": 0, "over_assigned": 0, "edited_by_other": 0}
    return Votes(tasks=tasks, annotations=annotations, spans=spans, dropped=dropped), articles


def _load(directory: Path) -> tuple[Votes, pd.DataFrame]:
    tables = {name: pd.read_parquet(directory / f"{name}.parquet") for name in ("tasks", "annotations", "spans", "articles")}
    articles = tables.pop("articles")
    articles["targets"] = articles["targets"].map(list)
    dropped = json.loads((directory / "dropped.json").read_text())
    return Votes(**tables, dropped=dropped), articles


def run_ours(directory: Path, out: Path) -> dict[str, Any]:
    """Child process: build the release once (as ``annotation build`` does); then time aggregation
    and agreement alone, after the peak RSS of the build was taken."""
    from annotation.aggregate import agreement_report
    from annotation.campaign import Campaign, Licence
    from annotation.release import MIN_ARTICLES, aggregate_votes, build_release, read_split_manifest

    schema = load_schema()
    votes, articles = _load(directory)
    loaded_mb = _peak_rss_mb()
    splits = read_split_manifest(directory / "splits.yaml")
    start = time.perf_counter()
    release = build_release(votes, articles, Campaign(root=out, name="bench", title="Benchmark (synthetic texts and votes)", version="0.0.0",
                                                      licence=Licence(redistribute_texts=True)), schema=schema, splits=splits)
    build_s = time.perf_counter() - start
    peak_mb = _peak_rss_mb()
    start = time.perf_counter()
    aggregate_votes(votes, schema)
    aggregate_s = time.perf_counter() - start
    by_task = votes.tasks.set_index("task")["article_id"]
    start = time.perf_counter()
    agreement_report(
        votes.annotations[["task", "worker", "label"]], votes.spans[["task", "worker", "start", "end", "text", "label"]],
        dict(zip(votes.tasks["task"], votes.tasks["text"])), labels=schema.stance_names, span_labels=schema.span_names,
        groups=by_task.map(splits).rename("split"), clusters=by_task.rename("article"), min_clusters=MIN_ARTICLES,
    )
    agreement_s = time.perf_counter() - start
    return {
        "build_s": build_s, "release": str(release), "sha256sums": (release / "SHA256SUMS").read_text(),
        "loaded_mb": loaded_mb, "peak_mb": peak_mb, "aggregate_s": aggregate_s, "agreement_s": agreement_s,
    }


def run_pandas(release: Path, out: Path) -> dict[str, Any]:
    """Child process: the same rows as pandas objects -> Dataset.from_pandas -> to_parquet."""
    import datasets
    import pyarrow.parquet as pq

    from annotation.release import features_for

    datasets.disable_progress_bars()
    features = features_for(load_schema())
    frames = {
        (config, path.stem): pq.read_table(path).to_pandas()
        for config in features for path in sorted((release / config).glob("*.parquet"))
    }
    loaded_mb = _peak_rss_mb()
    start = time.perf_counter()
    for (config, split), frame in frames.items():
        (out / config).mkdir(parents=True, exist_ok=True)
        dataset = datasets.Dataset.from_pandas(frame, features=features[config], preserve_index=False)
        dataset.to_parquet(str(out / config / f"{split}.parquet"), batch_size=len(frame))
    seconds = time.perf_counter() - start
    peak_mb = _peak_rss_mb()
    same = all(
        pq.read_table(out / config / f"{split}.parquet").equals(pq.read_table(release / config / f"{split}.parquet"))
        for config, split in frames
    )
    return {"write_s": seconds, "loaded_mb": loaded_mb, "peak_mb": peak_mb, "same_tables": same}


def _child(mode: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "--child", mode, *args], capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{mode} run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="sentence × target rows to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *paths = args.child
        run = run_ours if mode == "ours" else run_pandas
        print(json.dumps(run(Path(paths[0]), Path(paths[1]))))
        return

    from annotation.release import freeze_splits, write_split_manifest

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        votes, articles = synthetic_votes(args.rows, args.seed)
        for name, frame in (("tasks", votes.tasks), ("annotations", votes.annotations), ("spans", votes.spans), ("articles", articles)):
            frame.to_parquet(root / f"{name}.parquet", index=False)
        (root / "dropped.json").write_text(json.dumps(votes.dropped))
        write_split_manifest(root / "splits.yaml", freeze_splits({}, articles["article_id"]))
        chars = votes.tasks["text"].str.len()
        print(
            f"== synthetic input (seed {args.seed}, {time.perf_counter() - start:.1f} s to generate): {len(votes.tasks):,} "
            f"sentence × target rows of {votes.tasks['sentence_id'].nunique():,} sentences in {len(articles):,} articles; "
            f"{len(votes.annotations):,} stance votes ({len(votes.annotations) / len(votes.tasks):.2f} per row) by "
            f"{votes.annotations['worker'].nunique()} annotators; {len(votes.spans):,} marked spans; sentences "
            f"{chars.mean():.0f} characters on average ({chars.quantile(0.05):.0f}-{chars.quantile(0.95):.0f})"
        )
        del votes, articles
        ours = [_child("ours", str(root), str(root / attempt)) for attempt in ("a", "b")]
        first, second = (run["build_s"] for run in ours)
        peak = max(run["peak_mb"] for run in ours)
        print(
            f"ours    build_release: {first:.2f} s, again in a new process {second:.2f} s; peak RSS {peak:.0f} MB "
            f"({ours[0]['loaded_mb']:.0f} MB after imports and reading the input); targets < 20 s, < 1024 MB: "
            f"{'met' if max(first, second) < 20 and peak < 1024 else 'MISSED'}\n"
            f"        byte-identical on rebuild: {ours[0]['sha256sums'] == ours[1]['sha256sums']}; of which, timed "
            f"alone: aggregate_votes {ours[1]['aggregate_s']:.2f} s, agreement_report (1000 resamples of articles; "
            f"from plain texts, so it tokenises again) {ours[1]['agreement_s']:.2f} s"
        )
        theirs = _child("pandas", ours[0]["release"], str(root / "pandas"))
        print(
            f"pandas  Dataset.from_pandas -> to_parquet of the same rows (writing only): {theirs['write_s']:.2f} s; "
            f"peak RSS {theirs['peak_mb']:.0f} MB ({theirs['loaded_mb']:.0f} MB after reading the rows into pandas); "
            f"same tables as ours: {theirs['same_tables']}\n"
            f"ratio   pandas writing alone / our whole build: {theirs['write_s'] / first:.2f}x time, "
            f"{theirs['peak_mb'] / peak:.2f}x peak RSS"
        )


if __name__ == "__main__":
    main()
