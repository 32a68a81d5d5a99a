"""Loaders that turn other annotated corpora into this project's ``sentences`` tables.

Each loader reads files from a path the user gives (nothing is downloaded or bundled) and returns a
pandas DataFrame with the columns that ``annotation.models`` reads (``SENTENCE_COLUMNS``):
``sentence_id, article_id, target, text, stance, spans, split``, where ``spans`` is a list of
``{"start", "end", "text", "label"}`` dicts with character offsets into ``text`` (end exclusive,
``text[start:end] == span["text"]``). Ids are stable: the same file gives the same ids.

- ``load_babe``: BABE and MBIC (Spinde et al., 2021, doi:10.18653/v1/2021.findings-emnlp.101),
  the ``final_labels_*.csv`` files. ``stance`` holds the sentence's bias label (``Biased``,
  ``Non-biased``, ``No agreement``): the corpus has no targets, so every row gets one constant
  target (``BABE_TARGET``) and a classifier of this project sees the text only; the ``topic``
  column is kept for anyone who wants the topic as the target instead. The marked ``biased_words``
  become ``biased`` spans by whole-word matching within the sentence; words that cannot be found
  are listed in ``unmatched``.
- ``load_semeval_stance``: a SemEval-2016 Task 6 style stance file (Mohammad et al., 2016,
  doi:10.18653/v1/S16-1003) with columns ``Tweet, Target, Stance``.
- ``load_propaganda``: the propaganda techniques corpus format (Da San Martino et al., 2019,
  doi:10.18653/v1/D19-1565): ``article<id>.txt`` files and span labels
  ``article_id, technique, start, end`` (tab-separated, offsets into the article). One line of an
  article is one sentence, as in that corpus; spans become sentence-relative.

Mind the licences of these corpora: BABE and MBIC are distributed under AGPL-3.0, so use them for
evaluation, not as rows of a release under another licence.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from annotation.errors import AnnotationError
from annotation.records import SENTENCE_COLUMNS, sentence_id
from annotation.spans import fits_text

__all__ = [
    "BABE_TARGET",
    "BIASED",
    "ExternalFormatError",
    "match_words",
    "load_babe",
    "load_semeval_stance",
    "load_propaganda",
]

BABE_TARGET = "the article's subject"
"""The constant target of every BABE/MBIC row: bias is judged on the text alone."""

BIASED = "biased"
"""The span label of BABE/MBIC's marked biased words."""

SEMEVAL_STANCES = {"FAVOR": "favor", "AGAINST": "against", "NONE": "neutral"}
"""SemEval-2016 Task 6 stance values and the project's labels they become by default."""

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_STRIP = "\"' "


class ExternalFormatError(AnnotationError, ValueError):
    """An external corpus file is missing, unreadable or not in the expected format."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _read_csv(path: Path, columns: Collection[str], encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Read a delimited file as strings: tab-separated if the header has a tab, semicolon-separated
    if it has semicolons and no comma, else comma-separated."""
    try:
        with path.open(encoding=encoding, newline="") as file:
            header = file.readline()
            sep = "\t" if "\t" in header else ";" if ";" in header and "," not in header else ","
            file.seek(0)
            frame = pd.read_csv(file, sep=sep, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ExternalFormatError(f"{path}: no such file; pass the corpus file's path") from None
    except UnicodeDecodeError as err:
        raise ExternalFormatError(
            f"{path}: not valid {encoding} ({err.reason} at byte {err.start}); "
            "pass encoding= the file's encoding, e.g. encoding='cp1252'"
        ) from err
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ExternalFormatError(f"{path}: cannot read as CSV: {err}") from err
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ExternalFormatError(
            f"{path}: missing column(s) {missing}; expected {', '.join(columns)}, "
            f"found {', '.join(map(str, frame.columns))}"
        )
    return frame


def match_words(text: str, words: Collection[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """Find marked words in a sentence as character spans, by whole-word matching.

    Matching ignores case and treats curly and straight quotes and apostrophes alike; quotes
    around a word are dropped (``'"held"'`` matches ``“held”`` as ``held``). Every occurrence
    of a word is a span; a word occurring nowhere (a typo such as ``bizzare``, a form that
    differs from the text) is unmatched. Overlapping matches of different words are all kept.

    Args:
        text: The sentence.
        words: The marked words or phrases.

    Returns:
        The sorted, de-duplicated ``(start, end)`` spans, and the words that were not found, in
        input order.

    Examples:
        >>> text = "Trump said, in his “characteristically” bizarre way, it’s bizarre."
        >>> spans, unmatched = match_words(text, ['"characteristically"', "bizarre", "bizzare"])
        >>> [text[s:e] for s, e in spans], unmatched
        (['characteristically', 'bizarre', 'bizarre'], ['bizzare'])
    """
    folded = text.translate(_QUOTES)
    spans: set[tuple[int, int]] = set()
    unmatched = []
    for word in words:
        key = word.translate(_QUOTES).strip(_STRIP)
        found = [
            m.span()
            for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", folded, re.IGNORECASE)
        ] if key else []
        spans.update(found)
        if not found:
            unmatched.append(word)
    return sorted(spans), unmatched


def _word_list(cell: str, where: str) -> list[str]:
    if not cell.strip():
        return []
    try:
        words = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        words = None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ExternalFormatError(
            f"{where}: biased_words must be a Python list of strings such as \"['flood']\", "
            f"got {cell[:80]!r}"
        )
    return words


def load_babe(path: str | Path, *, target: str = BABE_TARGET, votes: str | Path | None = None) -> pd.DataFrame:
    """Read a BABE or MBIC ``final_labels_*.csv`` file as a ``sentences`` table.

    Articles are identified by ``news_link``: ``article_id`` is the first 16 hex digits of the
    sha256 of the URL, or of the text for the rows without a URL (each its own article), and
    ``sentence_id`` is ``f"{article_id}-{index:04d}"`` with ``index`` counting the article's rows
    in file order. Group cross-validation by ``article_id`` so that no article straddles folds.

    Args:
        path: A ``final_labels_SG1.csv``, ``final_labels_SG2.csv`` (BABE) or
            ``final_labels_MBIC.csv`` file: UTF-8, comma-separated (as converted from the xlsx
            release) or semicolon-separated (as the source repository ships the CSV files).
        target: The target of every row.
        votes: The matching ``raw_labels_*.csv`` file (one row per annotator × sentence, with
            ``text`` and ``label_bias``), or None.

    Returns:
        The ``sentences`` columns (``stance`` = ``label_bias`` as given; ``spans`` = the matched
        ``biased_words``, labelled ``BIASED``; ``split`` = ``"train"``), then ``outlet, topic,
        type, label_opinion, news_link``, ``biased_words`` (list) and ``unmatched`` (the marked
        words not found in the sentence; ``frame["unmatched"].map(len).sum()`` counts them).
        With ``votes``, also ``stance_votes``: a mapping ``label_bias`` → number of raw labels
        whose text, stripped of surrounding white space, is the row's (``{}`` for none).

    Raises:
        ExternalFormatError: A file is missing, not CSV, lacks a column, or has a malformed
            ``biased_words`` cell.

    Examples:
        >>> from pathlib import Path
        >>> babe = load_babe(Path("tests/data/external/babe_SG2_sample.csv"))
        >>> babe.loc[0, ["stance", "target"]].tolist()
        ['Biased', "the article's subject"]
        >>> [span["text"] for span in babe.loc[0, "spans"]], babe.loc[0, "unmatched"]
        (['held', 'Islamist', 'radicals'], [])
    """
    path = Path(path)
    needed = ("text", "news_link", "outlet", "topic", "type", "label_bias", "label_opinion",
              "biased_words")
    raw = _read_csv(path, needed)
    article_ids = [
        _digest(link.strip()) if link.strip() else _digest(f"text:{text}")
        for link, text in zip(raw["news_link"], raw["text"], strict=True)
    ]
    index = pd.Series(article_ids).groupby(article_ids).cumcount()
    rows = []
    for i, row in enumerate(raw.itertuples(index=False)):
        words = _word_list(row.biased_words, f"{path}: row {i + 2}")
        found, unmatched = match_words(row.text, words)
        rows.append({
            "sentence_id": sentence_id(article_ids[i], index[i]),
            "article_id": article_ids[i],
            "target": target,
            "text": row.text,
            "stance": row.label_bias,
            "spans": [
                {"start": s, "end": e, "text": row.text[s:e], "label": BIASED} for s, e in found
            ],
            "split": "train",
            "outlet": row.outlet,
            "topic": row.topic,
            "type": row.type,
            "label_opinion": row.label_opinion,
            "news_link": row.news_link,
            "biased_words": words,
            "unmatched": unmatched,
        })
    frame = pd.DataFrame(rows, columns=[*SENTENCE_COLUMNS, "outlet", "topic", "type", "label_opinion",
                                        "news_link", "biased_words", "unmatched"])
    if votes is not None:
        frame["stance_votes"] = _vote_counts(Path(votes), frame["text"])
    return frame


def _vote_counts(path: Path, texts: pd.Series) -> list[dict[str, int]]:
    """Per text: its raw labels in ``path`` counted by label, matched on the stripped text."""
    raw = _read_csv(path, ("text", "label_bias"))
    raw = raw[raw["label_bias"].str.strip() != ""]
    counts = raw.groupby([raw["text"].str.strip(), "label_bias"]).size()
    by_text: dict[str, dict[str, int]] = {}
    for (text, label), n in counts.items():
        by_text.setdefault(text, {})[label] = int(n)
    return [dict(by_text.get(text.strip(), {})) for text in texts]


def load_semeval_stance(
    path: str | Path,
    *,
    split: str = "train",
    labels: dict[str, str] | None = None,
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Read a SemEval-2016 Task 6 style stance file as a ``sentences`` table.

    The file has a header row with at least ``Tweet``, ``Target`` and ``Stance`` (further columns
    such as ``ID`` or ``Opinion Towards`` are ignored); comma- or tab-separated (detected). Each
    tweet is its own article: ``article_id`` is the first 16 hex digits of the sha256 of the
    tweet, ``sentence_id`` is ``f"{article_id}-0000"``, and one row per tweet × target is kept.

    Args:
        path: The file.
        split: The ``split`` of every row (the corpus ships train and test as separate files).
        labels: Stance value → project label; by default ``SEMEVAL_STANCES`` (``NONE`` →
            ``neutral``: SemEval's ``NONE`` covers both neutral and unrelated tweets).
        encoding: The file's text encoding (``utf-8-sig`` reads UTF-8 with or without a byte
            order mark); some copies of the original release are ``cp1252``.

    Returns:
        The ``sentences`` columns; ``spans`` is empty.

    Raises:
        ExternalFormatError: The file is missing, unreadable in ``encoding``, lacks a column, or
            has a stance outside ``labels``.

    Examples:
        >>> from pathlib import Path
        >>> tweets = load_semeval_stance(Path("tests/data/external/semeval_stance_sample.csv"))
        >>> tweets[["target", "stance"]].head(2).values.tolist()
        [['Climate Change is a Real Concern', 'favor'], ['Atheism', 'against']]
    """
    path = Path(path)
    mapping = SEMEVAL_STANCES if labels is None else labels
    raw = _read_csv(path, ("Tweet", "Target", "Stance"), encoding=encoding)
    unknown = sorted(set(raw["Stance"]) - set(mapping))
    if unknown:
        raise ExternalFormatError(
            f"{path}: Stance value(s) {unknown} are not in labels={mapping}; "
            "pass labels= mapping every value to a project label"
        )
    article_ids = [_digest(tweet) for tweet in raw["Tweet"]]
    frame = pd.DataFrame({
        "sentence_id": [sentence_id(a, 0) for a in article_ids],
        "article_id": article_ids,
        "target": raw["Target"].str.strip(),
        "text": raw["Tweet"],
        "stance": raw["Stance"].map(mapping),
        "spans": [[] for _ in article_ids],
        "split": split,
    })
    return frame.drop_duplicates(["sentence_id", "target"], ignore_index=True)


def _label_rows(path: Path) -> list[tuple[str, str, int, int, str]]:
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        where = f"{path}:{number}"
        if len(fields) != 4 or not (fields[2].isdigit() and fields[3].isdigit()):
            raise ExternalFormatError(
                f"{where}: expected 'article_id<TAB>technique<TAB>start<TAB>end' with integer "
                f"offsets, got {line!r}"
            )
        rows.append((fields[0].strip(), fields[1].strip(), int(fields[2]), int(fields[3]), where))
    return rows


def load_propaganda(
    articles: str | Path,
    labels: str | Path,
    *,
    techniques: Collection[str] | None = None,
    target: str = "",
    split: str = "train",
) -> pd.DataFrame:
    """Read propaganda-technique span labels and their articles as a ``sentences`` table.

    Each article is ``<articles>/article<id>.txt`` (UTF-8). Its lines are the sentences (blank
    lines are skipped), and every label ``article_id<TAB>technique<TAB>start<TAB>end`` (offsets
    into the article, end exclusive) becomes a span of each sentence it overlaps, clipped to that
    sentence and stripped of surrounding whitespace. Articles without labels are not read.

    Args:
        articles: The directory of ``article<id>.txt`` files.
        labels: A labels file, or a directory whose ``*.labels`` files are all read.
        techniques: Keep only these techniques (e.g. ``{"Loaded_Language"}``); ``None`` keeps all.
        target: The ``target`` of every row (the corpus has none).
        split: The ``split`` of every row.

    Returns:
        The ``sentences`` columns (``stance`` is ``None``; span labels are the technique names;
        ``article_id`` is the corpus id, ``sentence_id`` is ``f"{article_id}-{line:04d}"`` with
        the 0-based line number), plus ``start`` and ``end``: the sentence's offsets in the
        article.

    Raises:
        ExternalFormatError: A file is missing or a labels line is malformed or falls outside its
            article.

    Examples:
        >>> from pathlib import Path
        >>> data = Path("tests/data/external/propaganda")
        >>> table = load_propaganda(data / "articles", data / "labels.tsv",
        ...                         techniques={"Loaded_Language"})
        >>> row = table.iloc[1]
        >>> row["sentence_id"], [span["text"] for span in row["spans"]]
        ('111111111-0002', ['gang of thugs'])
    """
    articles, labels = Path(articles), Path(labels)
    if labels.is_dir():
        files = sorted(labels.glob("*.labels"))
    elif labels.is_file():
        files = [labels]
    else:
        raise ExternalFormatError(f"{labels}: no such file or directory of *.labels files")
    by_article: dict[str, list[tuple[str, int, int, str]]] = {}
    for file in files:
        for article_id, technique, start, end, where in _label_rows(file):
            if techniques is None or technique in techniques:
                by_article.setdefault(article_id, []).append((technique, start, end, where))
    rows = []
    for article_id in sorted(by_article):
        file = articles / f"article{article_id}.txt"
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as err:
            raise ExternalFormatError(f"{file}: cannot read the article of labels: {err}") from err
        for technique, start, end, where in by_article[article_id]:
            if not fits_text(start, end, len(text)):
                raise ExternalFormatError(
                    f"{where}: span ({start}, {end}) needs 0 <= start < end <= {len(text)}, "
                    f"the length of {file.name}"
                )
        offset = 0
        for number, line in enumerate(text.split("\n")):
            line_start, offset = offset, offset + len(line) + 1
            if not line.strip():
                continue
            line_end = line_start + len(line)
            spans = []
            for technique, start, end, _ in by_article[article_id]:
                s, e = max(start, line_start) - line_start, min(end, line_end) - line_start
                piece = line[s:e] if s < e else ""
                if piece.strip():
                    s += len(piece) - len(piece.lstrip())
                    e -= len(piece) - len(piece.rstrip())
                    spans.append({"start": s, "end": e, "text": line[s:e], "label": technique})
            rows.append({
                "sentence_id": sentence_id(article_id, number),
                "article_id": article_id,
                "target": target,
                "text": line,
                "stance": None,
                "spans": sorted(spans, key=lambda span: (span["start"], span["end"])),
                "split": split,
                "start": line_start,
                "end": line_end,
            })
    return pd.DataFrame(rows, columns=[*SENTENCE_COLUMNS, "start", "end"])
