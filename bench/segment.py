"""Benchmark ``annotation.ingest.segment`` against pySBD: accuracy on the case collection and throughput.

Run with ``python bench/segment.py`` (not part of the tests). It prints

1. exact-match accuracy on the 48 English Golden Rules and on the project's own news cases
   (``tests/data/segmentation/*.yml``), for this project's segmenter and for
   ``pysbd.Segmenter(language="en", clean=False)`` (its plain output, compared after strip);
2. throughput in characters per second on >= 20 MB of generated news text: articles built
   from the seed and the case texts, shuffled with a fixed seed, written to a temporary JSONL
   file and streamed back one article at a time. pySBD is timed on the first ~1.5 MB only,
   because it is slow; throughput is a rate, so the ratio stays comparable. Only the
   segmentation calls are timed, not reading or JSON decoding;
3. worst cases: CPU time on texts built around one long run (100,000 characters; the line
   without punctuation 1 MB), for both segmenters, each call in a child process stopped after
   WORST_CASE_LIMIT seconds (wall clock). The runs of marks glued to the next word and the
   spaces inside an inline list were quadratic in this project's segmenter before.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pysbd
import yaml

from annotation.ingest import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "tests" / "data" / "segmentation"
SEED_FILE = ROOT / "seeds" / "000_9ea230396c6002b4.txt"
TARGET_CHARS = 20_000_000
PYSBD_SAMPLE_CHARS = 1_500_000
RANDOM_SEED = 20191103
RUN_CHARS = 100_000
WORST_CASE_LIMIT = 20.0
WORST_CASES = {
    "periods glued to a word": "The regime fell" + "." * RUN_CHARS + "Then it rained.",
    "exclamations glued to a word": "The regime fell" + "!" * RUN_CHARS + "Then it rained.",
    "ellipses glued to a word": "The regime fell" + "…" * RUN_CHARS + "Then it rained.",
    "spaces in an inline list": "1. The regime fell" + " " * RUN_CHARS + "x 2. Then it rained.",
    "quoted questions": "“Why?” " * (RUN_CHARS // 7),
    "1 MB line, no punctuation": "word " * (1_000_000 // 5),
}


def ours(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


_PYSBD = pysbd.Segmenter(language="en", clean=False)


def theirs(text: str) -> list[str]:
    return [s.strip() for s in _PYSBD.segment(text) if s.strip()]


def load_cases() -> dict[str, list[dict[str, Any]]]:
    suites: dict[str, list[dict[str, Any]]] = {"golden rules": [], "news cases": []}
    for path in sorted(CASES_DIR.glob("*.yml")):
        suite = "golden rules" if path.name == "golden_rules_en.yml" else "news cases"
        suites[suite].extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    return suites


def accuracy(suites: dict[str, list[dict[str, Any]]]) -> None:
    header = f"pysbd {pysbd.__version__}"
    print(f"{'accuracy (exact sentence lists)':34} {'annotation':>12} {header:>12}")
    for name, cases in suites.items():
        scores = []
        for segmenter in (ours, theirs):
            failed = [c["id"] for c in cases if segmenter(c["text"]) != c["sentences"]]
            scores.append((len(cases) - len(failed), failed))
        label = f"{name} ({len(cases)})"
        print(f"{label:34} {scores[0][0]:>9}/{len(cases)} {scores[1][0]:>9}/{len(cases)}")
        for who, (_, failed) in zip(("annotation", "pysbd"), scores, strict=True):
            print(f"    {who} fails: {', '.join(failed) or '-'}")


def seed_paragraphs() -> list[str]:
    lines = [line.strip() for line in SEED_FILE.read_text(encoding="utf-8").splitlines()]
    return [
        line
        for line in lines[1:]
        if line
        and not line.startswith(("Published ", "Updated "))
        and line != "Share on Facebook Share on Twitter"
    ]


def generate_corpus(path: Path, suites: dict[str, list[dict[str, Any]]]) -> tuple[int, int]:
    """Write shuffled news-like articles as JSONL until TARGET_CHARS; return (articles, chars)."""
    rng = random.Random(RANDOM_SEED)
    paragraphs = seed_paragraphs()
    texts = [c["text"] for cases in suites.values() for c in cases if c["text"].strip()]
    headlines = [SEED_FILE.read_text(encoding="utf-8").splitlines()[0], *texts]
    n_articles = n_chars = 0
    with path.open("w", encoding="utf-8") as out:
        while n_chars < TARGET_CHARS:
            body = []
            for _ in range(rng.randint(4, 12)):
                if rng.random() < 0.5:
                    body.append(rng.choice(paragraphs))
                else:
                    body.append(" ".join(rng.sample(texts, rng.randint(2, 4))))
            text = rng.choice(headlines) + "\n\n" + "\n\n".join(body)
            out.write(json.dumps({"article_id": f"b{n_articles:06d}", "text": text}) + "\n")
            n_articles += 1
            n_chars += len(text)
    return n_articles, n_chars


def stream_texts(path: Path, limit: int | None = None) -> Iterator[str]:
    seen = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if limit is not None and seen >= limit:
                return
            text: str = json.loads(line)["text"]
            seen += len(text)
            yield text


def throughput(segmenter: Callable[[str], list[str]], texts: Iterator[str]) -> tuple[int, float]:
    chars, seconds = 0, 0.0
    for text in texts:
        start = time.perf_counter()
        segmenter(text)
        seconds += time.perf_counter() - start
        chars += len(text)
    return chars, seconds


def _timed_child(segmenter: Callable[[str], list[str]], text: str, result: Any) -> None:
    start = time.process_time()
    segmenter(text)
    result.put(time.process_time() - start)


def cpu_seconds(segmenter: Callable[[str], list[str]], text: str) -> float | None:
    """CPU seconds of ``segmenter(text)`` in a child process; None if it ran over WORST_CASE_LIMIT."""
    result: Any = multiprocessing.Queue()
    child = multiprocessing.Process(target=_timed_child, args=(segmenter, text, result))
    child.start()
    child.join(WORST_CASE_LIMIT)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    seconds: float = result.get()
    return seconds


def worst_cases() -> None:
    print(f"\n{'worst cases (CPU seconds)':34} {'annotation':>12} {'pysbd':>12}")
    for name, text in WORST_CASES.items():
        cells = []
        for segmenter in (ours, theirs):
            seconds = cpu_seconds(segmenter, text)
            cells.append(f"{seconds:.4f}" if seconds is not None else f"> {WORST_CASE_LIMIT:.0f} (wall)")
        print(f"{name:34} {cells[0]:>12} {cells[1]:>12}")


def main() -> None:
    suites = load_cases()
    accuracy(suites)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "news.jsonl"
        n_articles, n_chars = generate_corpus(corpus, suites)
        size_mb = corpus.stat().st_size / 1e6
        print(f"\nthroughput: {n_chars / 1e6:.1f} M characters in {n_articles} articles")
        print(f"            ({size_mb:.1f} MB JSONL, random seed {RANDOM_SEED})")
        our_chars, our_seconds = throughput(ours, stream_texts(corpus))
        their_chars, their_seconds = throughput(theirs, stream_texts(corpus, PYSBD_SAMPLE_CHARS))
    our_rate, their_rate = our_chars / our_seconds, their_chars / their_seconds
    print(
        f"  annotation.ingest.segment  {our_chars / 1e6:6.2f} M chars in {our_seconds:6.2f} s"
        f"  {our_rate / 1e6:6.2f} M chars/s"
    )
    print(
        f"  pysbd (sample)      {their_chars / 1e6:6.2f} M chars in {their_seconds:6.2f} s"
        f"  {their_rate / 1e6:6.2f} M chars/s"
    )
    print(f"  ratio               {our_rate / their_rate:.1f}x pysbd")
    worst_cases()


if __name__ == "__main__":
    main()
