"""The source texts in a release's Arrow tables: word tokens cut from the sentence texts, the sha256
of an article's text, and the text columns filled in or left null.

When ``campaign.licence.redistribute_texts`` is false the release carries no text: article titles
and texts, sentence text, headline and context, tokens and span texts are null (the features stay
the same; ``TEXT_COLUMNS``), while metadata, offsets, sentence ids and the sha256 of each article's
text remain. ``set_texts`` fills those columns from a set of articles (none: all null), for the
build and for ``rehydrate_release``, so that a rehydrated release has the bytes of a build that
shipped the texts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from annotation.ingest import Article
from annotation.spans import TokenIndex, index_tokens

__all__ = ["TEXT_COLUMNS"]

TEXT_COLUMNS = {
    "sentences": ("text", "headline", "context_before", "context_after", "tokens", "spans.text", "gold_spans.text"),
    "annotations": ("spans.text",),
    "articles": ("title", "text"),
}
"""The columns that hold source text: null in a release whose texts may not be redistributed."""
_CUT_CHUNK = 8192  # sentences whose tokens are cut at once

IntArray = npt.NDArray[np.intp]


def list_array(counts: IntArray, values: pa.Array, *, missing: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """A list array whose row ``i`` holds the next ``counts[i]`` items of ``values`` (null where ``missing``)."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=None if missing is None else pa.array(missing))


def token_strings(text: pa.StringArray, tokens: TokenIndex) -> pa.Array:
    """Every token of ``tokens`` as one Arrow string array, cut from the UTF-8 bytes of ``text``.

    ``text`` holds the sentences of ``tokens`` in its order. Numpy gathers the bytes, a block of
    sentences at a time, instead of creating millions of Python strings.
    """
    pieces = [pa.array([], type=pa.string())]
    for begin in range(0, len(text), _CUT_CHUNK):
        stop = min(begin + _CUT_CHUNK, len(text))
        first, last = tokens.offsets[begin], tokens.offsets[stop]
        pieces.append(_cut(
            text.slice(begin, stop - begin), tokens.texts[begin:stop], tokens.offsets[begin : stop + 1] - first,
            tokens.starts[first:last], tokens.ends[first:last],
        ))
    return pa.concat_arrays(pieces)


def _cut(text: pa.StringArray, sentences: Sequence[str], offsets: IntArray, starts: IntArray, ends: IntArray) -> pa.Array:
    """``sentences[i][starts[j]:ends[j]]`` for the tokens ``j`` in ``offsets[i]:offsets[i + 1]``.

    Code point offsets become byte offsets by adding the extra UTF-8 bytes of the non-ASCII
    characters before them, counted in the non-ASCII sentences only.
    """
    byte_offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1].astype(np.int64)
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    row = np.repeat(np.arange(len(text)), np.diff(offsets))
    first, last = byte_offsets[row] + starts, byte_offsets[row] + ends
    wide = np.flatnonzero(~pc.string_is_ascii(text).to_numpy(zero_copy_only=False))  # type: ignore[attr-defined]
    if wide.size:
        non_ascii = [sentences[i] for i in wide.tolist()]
        points = np.frombuffer("".join(non_ascii).encode("utf-32-le"), dtype=np.uint32)
        extra = np.zeros(points.size + 1, dtype=np.int64)
        np.cumsum((points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000), out=extra[1:])
        lengths = np.fromiter(map(len, non_ascii), dtype=np.int64, count=len(non_ascii))
        base = np.full(len(text), -1, dtype=np.int64)
        base[wide] = np.cumsum(lengths) - lengths
        hit = base[row] >= 0
        start = base[row[hit]]
        first[hit] += extra[start + starts[hit]] - extra[start]
        last[hit] += extra[start + ends[hit]] - extra[start]
    length = last - first
    out = np.zeros(length.size + 1, dtype=np.int32)
    np.cumsum(length, out=out[1:])
    picked = np.repeat(first - out[:-1], length) + np.arange(out[-1])
    return pa.StringArray.from_buffers(length.size, pa.py_buffer(out), pa.py_buffer(data[picked]))


def text_sha256(text: str) -> str:
    """The sha256 of an article's stored text (UTF-8), as in ``articles.text_sha256``.

    Examples:
        >>> text_sha256("Headline\\n\\nBody.")[:16]
        'cc814880f0c8439d'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replace_column(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    """``table`` with the column ``name`` replaced, its field (type, nullability) kept."""
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), column)


def _strings_at(n: int, rows: IntArray, values: Sequence[str]) -> pa.Array:
    """A string array of length ``n`` holding ``values`` at ``rows`` and null elsewhere."""
    filled = np.full(n, None, dtype=object)
    filled[rows] = np.asarray(values, dtype=object)
    return pa.array(filled, type=pa.string())


def _with_span_texts(table: pa.Table, texts: npt.NDArray[np.object_], column: str = "spans") -> pa.Table:
    """``table`` with the ``text`` of each span in ``column`` cut from its row's text (null for a row without)."""
    spans = table[column].combine_chunks()
    items = spans.flatten()
    fields = list(items.type)
    children = items.flatten()
    rows = pc.list_parent_indices(spans).to_numpy()
    cut = np.flatnonzero(pd.notna(texts)[rows])
    starts, ends = (children[[f.name for f in fields].index(name)].to_numpy()[cut].tolist() for name in ("start", "end"))
    text = _strings_at(len(rows), cut, [texts[row][a:b] for row, a, b in zip(rows[cut].tolist(), starts, ends)])
    children = [text if f.name == "text" else child for f, child in zip(fields, children)]
    offsets = pc.subtract(spans.offsets, spans.offsets[0])
    return _replace_column(
        table, column, pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(children, fields=fields), type=spans.type)
    )


def _token_column(n: int, rows: IntArray, keys: Sequence[str], texts: Sequence[str]) -> pa.Array:
    """The ``tokens`` column of ``n`` rows: the word tokens (``spans.index_tokens``) of ``texts``
    (whose task keys are ``keys``) at ``rows``, null elsewhere."""
    tokens = index_tokens(dict(zip(keys, texts)))
    counts = np.zeros(n, dtype=np.intp)
    counts[rows] = np.diff(tokens.offsets)
    missing = np.ones(n, dtype=bool)
    missing[rows] = False
    return list_array(counts, token_strings(pa.array(texts, type=pa.string()), tokens), missing=missing if missing.any() else None)


def set_texts(
    tables: Mapping[str, pa.Table], articles: Mapping[str, Article], contexts: Mapping[str, Mapping[str, Any]]
) -> dict[str, pa.Table]:
    """The tables with every column of ``TEXT_COLUMNS`` filled from ``articles`` (article id ->
    article, whose ``text`` the offsets refer to) and null for the rows of other articles.

    ``contexts`` gives, by sentence id, the ``headline``, ``context_before`` and ``context_after``
    of the sentences of ``articles`` (as ``tasks.make_tasks`` shows them to annotators). With no
    articles, every text column is null: the release of a campaign whose texts may not be shared.
    """
    known = pa.array(list(articles), type=pa.string())

    def rows_of(table: pa.Table) -> IntArray:
        return np.flatnonzero(pc.is_in(table["article_id"], value_set=known).to_numpy(zero_copy_only=False))

    table = tables["articles"]
    rows = rows_of(table)
    ids = table["article_id"].take(rows).to_pylist()
    for name in ("title", "text"):
        table = _replace_column(table, name, _strings_at(table.num_rows, rows, [getattr(articles[i], name) for i in ids]))
    out = {"articles": table}

    table = tables["sentences"]
    n, rows = table.num_rows, rows_of(table)
    picked = table.select(["article_id", "sentence_id", "task_key", "start", "end"]).take(rows).to_pydict()
    texts = [articles[a].text[start:end] for a, start, end in zip(picked["article_id"], picked["start"], picked["end"])]
    table = _replace_column(table, "text", _strings_at(n, rows, texts))
    for name in ("headline", "context_before", "context_after"):
        table = _replace_column(table, name, _strings_at(n, rows, [contexts[i][name] for i in picked["sentence_id"]]))
    table = _replace_column(table, "tokens", _token_column(n, rows, picked["task_key"], texts))
    sentence_texts = np.full(n, None, dtype=object)
    sentence_texts[rows] = np.asarray(texts, dtype=object)
    out["sentences"] = _with_span_texts(_with_span_texts(table, sentence_texts), sentence_texts, "gold_spans")

    table = tables["annotations"]
    row_of = pc.index_in(table["task_key"], value_set=tables["sentences"]["task_key"].combine_chunks()).to_numpy(zero_copy_only=False)
    out["annotations"] = _with_span_texts(table, sentence_texts[row_of])
    return {name: out[name] for name in tables}

