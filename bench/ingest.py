"""Benchmark streaming ingestion against loading a whole JSONL file first: throughput and peak memory.

Run with ``python bench/ingest.py [MEGABYTES]`` (default 200; not part of the tests). It writes
a JSONL corpus of at least that many MB of news-like articles (the seed's paragraphs shuffled
with a fixed seed, each article made unique by its headline) and runs each variant in a fresh
Python process, so that each peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own:

- **streaming**: ``annotation.ingest.articles.iter_articles`` (the file checked in chunks, then read
  line by line: records normalised, hashed and checked for duplicates) feeding
  ``annotation.ingest.segment.split_sentences``;
- **naive**: the whole file read and parsed first (``json.loads`` on every line of
  ``read_text()``, the JSONL form of ``json.load``), the articles built in a list, then the
  same segmentation.

Both count the sentences without keeping them, so the memory difference is the ingestion
alone. Timings cover reading, parsing, normalisation and segmentation. It prints MB/s, peak
RSS, the RSS after imports, and the ratio of the peak RSS (naive / streaming).
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotation.ingest import Article, Manifest, iter_articles, normalise_text, split_sentences

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "seeds" / "000_9ea230396c6002b4.txt"
RANDOM_SEED = 20191103
MANIFEST = Manifest(default_targets=("Syrian government",))
VARIANTS = ("streaming", "naive")


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def generate_corpus(path: Path, megabytes: int) -> int:
    """Write unique news-like articles as JSONL until ``megabytes``; return the article count."""
    rng = random.Random(RANDOM_SEED)
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    headline = lines[0]
    paragraphs = [
        line.strip()
        for line in lines[1:]
        if line.strip() and not line.startswith(("Published ", "Updated ", "Share on"))
    ]
    n_articles = 0
    with path.open("w", encoding="utf-8") as out:
        while out.tell() < megabytes * 1_000_000:
            record = {
                "id": f"bench-{n_articles:07d}",
                "title": f"{headline} ({n_articles})",
                "text": "\n\n".join(rng.choices(paragraphs, k=rng.randint(4, 16))),
                "published": f"2019-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:48:00Z",
                "url": f"https://example.org/news/{n_articles}",
                "outlet": "Example Wire",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_articles += 1
    return n_articles


def run_streaming(corpus: Path) -> tuple[int, int]:
    articles = sentences = 0
    for item in iter_articles(corpus, MANIFEST, max_bytes=None):
        if isinstance(item, Article):
            articles += 1
            sentences += len(split_sentences(item))
    return articles, sentences


def run_naive(corpus: Path) -> tuple[int, int]:
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    articles = [
        Article(
            article_id=r["id"],
            title=r["title"],
            text=normalise_text(f"{r['title']}\n\n{r['text']}").strip(),
            source=f"{corpus.name}:{i}",
            published=r["published"],
            url=r["url"],
            outlet=r["outlet"],
            targets=MANIFEST.default_targets,
        )
        for i, r in enumerate(records, start=1)
    ]
    return len(articles), sum(len(split_sentences(a)) for a in articles)


def measure(variant: str, corpus: Path) -> None:
    """Child process: run one variant and print its figures as one JSON line."""
    baseline = peak_rss_mb()
    start = time.perf_counter()
    articles, sentences = (run_streaming if variant == "streaming" else run_naive)(corpus)
    seconds = time.perf_counter() - start
    print(json.dumps({"articles": articles, "sentences": sentences, "seconds": seconds, "baseline": baseline, "peak": peak_rss_mb()}))


def main(megabytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "news.jsonl"
        n_articles = generate_corpus(corpus, megabytes)
        size_mb = corpus.stat().st_size / 1e6
        print(f"corpus: {size_mb:.1f} MB JSONL, {n_articles} articles (random seed {RANDOM_SEED})")
        results = {}
        for variant in VARIANTS:
            child = subprocess.run(
                [sys.executable, __file__, "--measure", variant, str(corpus)], capture_output=True, text=True, check=True
            )
            results[variant] = json.loads(child.stdout)
    print(f"{'variant':10} {'articles':>9} {'sentences':>10} {'seconds':>8} {'MB/s':>7} {'peak RSS MB':>12} {'after imports':>14}")
    for variant, r in results.items():
        print(
            f"{variant:10} {r['articles']:>9} {r['sentences']:>10} {r['seconds']:>8.1f} {size_mb / r['seconds']:>7.1f}"
            f" {r['peak']:>12.0f} {r['baseline']:>14.0f}"
        )
    streaming, naive = results["streaming"], results["naive"]
    print(f"peak RSS ratio naive / streaming: {naive['peak'] / streaming['peak']:.1f}x")
    print(f"throughput ratio streaming / naive: {naive['seconds'] / streaming['seconds']:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], Path(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
