"""The curator's morning report: one self-contained HTML file per campaign build.

``render_report`` is pure (the release's ``stats.json`` and the build's long tables in, an HTML
string out). ``annotation build`` puts it in the release as ``report.html`` (linked from the card)
and copies it to the campaign's ``data/report.html``; ``write_report`` (``annotation report``)
renders it again there from what the last build wrote, atomically. Figures are matplotlib SVG inlined in the page, with no script, stylesheet, font or
image fetched at view time, so the file opens offline and can be mailed around. It shows only
what the build computed (``stats.json``: agreement with its intervals, Dawid–Skene confusion,
span and stance suggestion acceptance, gold accuracy) plus counts of the votes; annotators appear by their
pseudonyms only. Sentence texts are shown only when the campaign's licence lets its release carry
them (``stats.json`` ``texts.included``, set from ``licence.redistribute_texts``, the same switch
``release.texts`` obeys); otherwise the disputed tasks are listed by task key.

Examples:
    >>> _cell(None), _cell(0.51234), _pct(0.5)
    ('–', '0.512', '50.0%')
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from annotation.campaign import Campaign, CampaignError
from annotation.io import atomic_write_bytes

__all__ = ["REPORT_FILE", "SECTIONS", "render_report", "write_report", "report_path"]

REPORT_FILE = "report.html"
"""The report's name, in each release (linked from its card) and, as the curator's copy, in the campaign's ``data/``."""
SECTIONS = ("Progress", "Annotators", "Agreement", "Annotator confusion (Dawid–Skene)", "Label distribution", "Most disputed tasks")
"""The report's section headings, in order."""
DISPUTED = 20

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
.figs{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}.figs figure{margin:0;display:flex;flex-direction:column;align-items:center}
figcaption{font-size:.85rem;color:#555;text-align:center}svg{max-width:100%;height:auto}
.note{color:#555;font-size:.9rem}code{font-size:.85rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _cell(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.3f}"


def _minute(moment: pd.Timestamp) -> str:
    """A submission time to the minute, in UTC: ``2026-11-30 19:31 UTC``."""
    moment = pd.Timestamp(moment)
    return f"{moment.tz_convert('UTC') if moment.tzinfo else moment:%Y-%m-%d %H:%M} UTC"


def _pct(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{100 * value:.1f}%"


def _svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (text as text, no metadata, stable ids)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "annotation-report"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    """An HTML table; the cells are already escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _progress(votes: pd.DataFrame, tasks: pd.DataFrame, overlap: int, gold: set[str]) -> str:
    parts = []
    times = pd.to_datetime(votes["created_at"], utc=True, errors="coerce").dropna().sort_values() if "created_at" in votes else pd.Series([], dtype=object)
    if len(times):
        fig = Figure(figsize=(7, 2.6))
        ax = fig.add_subplot()
        ax.step(times.dt.tz_localize(None).to_numpy(), np.arange(1, len(times) + 1), where="post")
        ax.set_ylabel("annotations (cumulative)")
        ax.set_xlabel("time of submission (UTC)")
        fig.autofmt_xdate()
        parts.append(f"<figure>{_svg(fig)}<figcaption>{len(times)} annotation(s) from {_e(_minute(times.iloc[0]))} to {_e(_minute(times.iloc[-1]))}</figcaption></figure>")
    else:
        parts.append('<p class="note">The votes carry no submission times.</p>')
    counts = votes.groupby("task")["worker"].nunique()
    all_tasks = tasks["task"] if len(tasks) else counts.index.to_series()
    per_task = pd.Series(0, index=pd.Index(all_tasks.unique(), name="task")).add(counts, fill_value=0).astype(int)
    per_task = per_task[~per_task.index.isin(gold)]
    short = per_task[per_task < overlap]
    histogram = per_task.value_counts().sort_index()
    rows = [[_e(n), _e(k)] for n, k in histogram.items()]
    parts.append(
        f"<p><b>{len(short)}</b> of {len(per_task)} task(s) have fewer than the overlap of {overlap} annotator(s)"
        f"{' (gold tasks not counted)' if gold else ''}.</p>"
        + _table(["annotators on the task", "tasks"], rows, numeric={0, 1})
    )
    return "".join(parts)


def _annotators(votes: pd.DataFrame, stats: Mapping[str, Any]) -> str:
    quality = stats.get("annotator_quality", {}).get("annotators", {})
    gold = stats.get("gold", {}).get("annotators", {})
    suggestions = stats.get("suggestions", {})
    spans, stances = suggestions.get("annotators", {}), suggestions.get("stance", {}).get("annotators", {})
    volume = votes.groupby("worker").size()
    lead = votes.groupby("worker")["lead_time_s"].median() if "lead_time_s" in votes else pd.Series(dtype=float)
    workers = sorted(set(volume.index) | set(quality))
    rows = []
    for worker in workers:
        g, q = gold.get(worker, {}), quality.get(worker, {})
        rows.append([
            f"<code>{_e(worker)}</code>", _e(int(volume.get(worker, 0))),
            _e(_cell(lead.get(worker)) if worker in lead.index else "–"),
            _e(f"{_cell(g.get('stance_accuracy'))} ({g.get('stance_correct', 0)}/{g.get('gold_tasks', 0)})" if g else "–"),
            *(_e(f"{_pct(s.get('acceptance_rate'))} of {s.get('suggestions', 0)}" if s else "–")
              for s in (spans.get(worker, {}), stances.get(worker, {}))),
            _e(_cell(q.get("accuracy")) if q else "–"),
        ])
    return (_table(["annotator (pseudonym)", "annotations", "median lead time (s)", "gold stance accuracy (correct/answered)",
                    "span suggestions accepted", "stance suggestions accepted", "Dawid–Skene accuracy"], rows, numeric={1, 2, 3, 4, 5, 6})
            + '<p class="note">Gold accuracy and suggestion acceptance from <code>stats.json</code> '
              "(<code>gold</code>, <code>suggestions</code>, <code>suggestions.stance</code>: the share of the pre-filled "
              "spans, and of the pre-filled stances, the annotator submitted as suggested); lead time is Label Studio's "
              "time on the task.</p>"
            + _per_model_version(suggestions))


def _per_model_version(suggestions: Mapping[str, Any]) -> str:
    """Suggestion outcomes per model version (the lexicon's, each ``annotation suggest`` run's), spans and stance."""
    rows = [[f"<code>{_e(version)}</code>", _e(kind), *(_e(entry.get(k, 0)) for k in ("suggestions", "accepted", "changed", "rejected")),
             _e(_pct(entry.get("acceptance_rate")))]
            for kind, per_version in (("spans", suggestions.get("per_model_version", {})),
                                      ("stance", suggestions.get("stance", {}).get("per_model_version", {})))
            for version, entry in sorted(per_version.items())]
    if not rows:
        return ""
    return ("<h3>Suggestions per model version</h3>"
            + _table(["model version", "suggested", "shown", "accepted", "changed", "rejected", "acceptance"], rows, numeric={2, 3, 4, 5, 6}))


def _agreement(stats: Mapping[str, Any]) -> str:
    agreement = stats.get("agreement", {})
    figures = agreement.get("figures", [])
    if not figures:
        return '<p class="note">No agreement figures in <code>stats.json</code>.</p>'
    parts = []
    alpha = [f for f in figures if f["measure"] == "stance_alpha" and f["value"] is not None]
    if alpha:
        fig = Figure(figsize=(6, 0.45 * len(alpha) + 1))
        ax = fig.add_subplot()
        y = np.arange(len(alpha))[::-1]
        values = np.array([f["value"] for f in alpha])
        low = np.array([f["low"] if f["low"] is not None else f["value"] for f in alpha])
        high = np.array([f["high"] if f["high"] is not None else f["value"] for f in alpha])
        ax.errorbar(values, y, xerr=[values - low, high - values], fmt="o", capsize=3)
        ax.set_yticks(y, ["all" if f["by"] == "all" else f"{f['by']} {f['level']}" for f in alpha])
        ax.axvline(0, color="#999", lw=0.8)
        ax.axvline(0.667, color="#c66", lw=0.8, ls="--")
        ax.set_xlabel("Krippendorff's α, stance (dashed: 0.667)")
        parts.append(f"<figure>{_svg(fig)}<figcaption>{agreement.get('confidence', 0.95):.0%} bootstrap intervals, "
                     f"{_e(agreement.get('n_boot', ''))} resamples</figcaption></figure>")
    rows = [[_e(f["measure"]), _e("all" if f["by"] == "all" else f"{f['by']} {f['level']}"), _e(_cell(f["value"])),
             _e("–" if f["low"] is None else f"[{f['low']:.3f}, {f['high']:.3f}]"), _e(f["tasks"])] for f in figures]
    parts.append(_table(["measure", "scope", "value", "interval", "rows"], rows, numeric={2, 4}))
    parts.append(f'<p class="note">Gold tasks left out: {_e(agreement.get("gold_tasks_excluded", 0))}.</p>')
    return "".join(parts)


def _confusion(stats: Mapping[str, Any]) -> str:
    quality = stats.get("annotator_quality", {})
    labels, annotators = quality.get("labels", []), quality.get("annotators", {})
    if not annotators:
        return '<p class="note">No Dawid–Skene estimates in <code>stats.json</code>.</p>'
    figures = []
    for worker, entry in sorted(annotators.items()):
        matrix = np.array(entry["confusion"], dtype=float)
        fig = Figure(figsize=(2.9, 2.7))
        ax = fig.add_subplot()
        ax.imshow(matrix, vmin=0, vmax=1, cmap="Blues")
        for (i, j), p in np.ndenumerate(matrix):
            ax.text(j, i, f"{p:.2f}", ha="center", va="center", fontsize=7, color="white" if p > 0.6 else "black")
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_xlabel("label given", fontsize=7)
        ax.set_ylabel("true label", fontsize=7)
        ax.set_title(worker, fontsize=8)
        figures.append(f"<figure>{_svg(fig)}<figcaption>{entry['tasks']} task(s), "
                       f"accuracy {_cell(entry['accuracy'])}</figcaption></figure>")
    return (f'<div class="figs">{"".join(figures)}</div><p class="note">Rows: the label Dawid–Skene estimates as true; '
            "columns: the label the annotator gave; each row sums to 1.</p>")


def _distribution(votes: pd.DataFrame, tasks: pd.DataFrame, articles: pd.DataFrame | None, labels: list[str], by: str) -> str:
    """Stance votes per label, one bar per value of ``by`` (``target`` or ``outlet``)."""
    frame = votes.merge(tasks[["task", "target", "article_id"]], on="task", how="left")
    if by == "outlet":
        frame = frame.merge(articles[["article_id", "outlet"]], on="article_id", how="left")
    counts = frame.groupby([by, "label"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=[lb for lb in labels if lb in counts.columns] + [c for c in counts.columns if c not in labels])
    fig = Figure(figsize=(7, 0.5 * len(counts) + 1.2))
    ax = fig.add_subplot()
    left = np.zeros(len(counts))
    for label in counts.columns:
        ax.barh(np.arange(len(counts)), counts[label].to_numpy(), left=left, label=label)
        left += counts[label].to_numpy()
    ax.set_yticks(np.arange(len(counts)), [str(i)[:45] for i in counts.index])
    ax.invert_yaxis()
    ax.set_xlabel("stance votes")
    if len(counts.columns):  # no votes (every field unrecorded): nothing to put in a legend
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    rows = [[_e(index), *(_e(int(v)) for v in row)] for index, row in counts.iterrows()]
    return (f"<h3>Per {by}</h3><figure>{_svg(fig)}</figure>"
            + _table([by, *(_e(c) for c in counts.columns)], rows, numeric=set(range(1, len(counts.columns) + 1))))


def _disputed(votes: pd.DataFrame, tasks: pd.DataFrame, texts: bool) -> str:
    counts = votes.groupby(["task", "label"]).size()
    n = counts.groupby(level="task").sum()
    share = (counts.groupby(level="task").max() / n)[n >= 2]
    agreed = int((share == 1).sum())
    share = share[share < 1]
    if not len(share):
        return f'<p class="note">No disagreement: the {agreed} task(s) with two or more votes are unanimous.</p>'
    order = pd.DataFrame({"share": share, "n": n[share.index]}).sort_values(["share", "n"], ascending=[True, False], kind="stable")
    top = order.head(DISPUTED)
    info = tasks.set_index("task")
    rows = []
    for task, row in top.iterrows():
        labels = votes.loc[votes["task"] == task].sort_values("worker")
        given = "<br>".join(f"<code>{_e(w)}</code> {_e(lb)}" for w, lb in zip(labels["worker"], labels["label"]))
        target = info["target"].get(task, "") if "target" in info else ""
        shown = _e(info["text"].get(task, "")) if texts and "text" in info else f"<code>{_e(task)}</code>"
        rows.append([shown, _e(target), _e(f"{row['share']:.0%} of {int(row['n'])} votes"), given])
    note = ("" if texts else '<p class="note">Sentence texts are withheld: the campaign\'s licence does not let its release '
            "redistribute them (<code>licence.redistribute_texts</code>); tasks are named by their key.</p>")
    return (note + f'<p class="note">The {len(top)} of {len(share)} task(s) with disagreement that have the lowest share of votes for '
            f"their most frequent label ({agreed} unanimous task(s) not listed).</p>"
            + _table(["sentence" if texts else "task key", "target", "top label's share", "labels (pseudonym)"], rows, numeric={2}))


def render_report(
    stats: Mapping[str, Any],
    votes: pd.DataFrame,
    tasks: pd.DataFrame,
    *,
    articles: pd.DataFrame | None = None,
    overlap: int = 3,
    gold: pd.DataFrame | None = None,
) -> str:
    """The report as one HTML document.

    Args:
        stats: The release's ``stats.json``.
        votes: Stance votes (``task, worker, label``; ``created_at`` and ``lead_time_s`` when known).
        tasks: The tasks (``task, article_id, target``, and ``text``, shown only when
            ``stats["texts"]["included"]``).
        articles: ``article_id, outlet``; a per-outlet distribution when some article has an outlet.
        overlap: Annotators each task should get.
        gold: Gold tasks (``task``), not counted as short of the overlap.
    """
    labels = list(stats.get("annotator_quality", {}).get("labels") or stats.get("stance_distribution", {}).keys())
    texts = bool(stats.get("texts", {}).get("included"))
    gold_tasks = set(gold["task"]) if gold is not None and len(gold) else set()
    distribution = _distribution(votes, tasks, articles, labels, "target") if len(votes) else '<p class="note">No votes yet.</p>'
    if len(votes) and articles is not None and "outlet" in articles and articles["outlet"].notna().any():
        distribution += _distribution(votes, tasks, articles, labels, "outlet")
    bodies = [
        _progress(votes, tasks, overlap, gold_tasks),
        _annotators(votes, stats),
        _agreement(stats),
        _confusion(stats),
        distribution,
        _disputed(votes, tasks, texts),
    ]
    sections = "".join(f'<section id="s{i}"><h2>{_e(title)}</h2>{body}</section>' for i, (title, body) in enumerate(zip(SECTIONS, bodies)))
    title = f"{stats.get('title', stats.get('name', ''))} — annotation report"
    synthetic = " <b>Synthetic (demo) annotations.</b>" if stats.get("synthetic") else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>'
        f"<h1>{_e(title)}</h1><p class=\"note\"><code>{_e(stats.get('name', ''))}</code> {_e(stats.get('version', ''))}: "
        f"{_e(stats.get('tasks', len(tasks)))} task(s), {_e(len(votes))} stance vote(s), {_e(votes['worker'].nunique() if len(votes) else 0)} "
        f"annotator(s) (pseudonyms).{synthetic}</p>{sections}</body></html>\n"
    )


def report_path(campaign: Campaign) -> Path:
    """Where the campaign's report lives: ``data/report.html``."""
    return campaign.root / "data" / REPORT_FILE


def write_report(campaign: Campaign, release: Path | None = None) -> Path:
    """Render the report of the campaign's last build (``release``: its release, by default the
    campaign's current one) into ``data/report.html``.

    Raises:
        CampaignError: There is no build to report on.
    """
    release = release or campaign.release_dir
    needed = [release / "stats.json", campaign.interim / "stance_votes.parquet", campaign.interim / "tasks.parquet"]
    for path in needed:
        if not path.exists():
            raise CampaignError(f"{path} does not exist; run `annotation build` first")
    stats = json.loads(needed[0].read_text(encoding="utf-8"))
    articles_path, gold_path = campaign.interim / "articles.parquet", campaign.interim / "gold.parquet"
    document = render_report(
        stats, pd.read_parquet(needed[1]), pd.read_parquet(needed[2]),
        articles=pd.read_parquet(articles_path, columns=["article_id", "outlet"]) if articles_path.exists() else None,
        overlap=campaign.overlap, gold=pd.read_parquet(gold_path) if gold_path.exists() else None,
    )
    path = report_path(campaign)
    atomic_write_bytes(path, document.encode("utf-8"))
    return path
