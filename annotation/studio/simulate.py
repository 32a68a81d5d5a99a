"""Simulated annotators for the demo and the tests only. Everything they make is synthetic.

Each simulated annotator is a real Label Studio user whose e-mail is in the reserved
``synthetic.invalid`` domain; ``exports.to_votes`` marks their annotations ``synthetic=True`` and the
release card says so.

Noise model (documented in the README and DATASHEET.md): a deterministic *reference* stance is
computed from the sentence (``reference_stance``: "unrelated" if no keyword of the target occurs,
else "against"/"favor" by the majority of lexicon hits, else "neutral"). Annotator *a* gives the
reference label with probability ``accuracy[a]`` and otherwise a uniformly random other label. For
spans, it keeps each lexicon hit with probability ``span_recall[a]`` and, with probability
``span_noise[a]``, adds one extra span over a random word of five letters or more with a random
label. Lead times are drawn from a gamma distribution. All draws come from an RNG seeded by
(seed, annotator, task), so a demo run gives the same annotations whatever order Label Studio
serves the tasks in.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from annotation.exports import SYNTHETIC_DOMAIN
from annotation.lexicon import Lexicon, find_loaded_spans
from annotation.schema import Schema

__all__ = [
    "SimulatedAnnotator",
    "DEMO_ANNOTATORS",
    "reference_stance",
    "simulate_result",
    "run_simulated_annotators",
]

_WORD = re.compile(r"\w{5,}")
_TARGET_STOPWORDS = frozenset({"the", "of", "and", "forces", "syrian", "government", "group", "party"})


@dataclass(frozen=True)
class SimulatedAnnotator:
    """One simulated annotator's noise parameters (see the module docstring)."""

    name: str
    accuracy: float
    span_recall: float
    span_noise: float

    @property
    def email(self) -> str:
        return f"{self.name}@{SYNTHETIC_DOMAIN}"


DEMO_ANNOTATORS = (
    SimulatedAnnotator("sim-careful", accuracy=0.9, span_recall=0.9, span_noise=0.05),
    SimulatedAnnotator("sim-average", accuracy=0.75, span_recall=0.7, span_noise=0.15),
    SimulatedAnnotator("sim-hasty", accuracy=0.55, span_recall=0.5, span_noise=0.3),
)


def _target_keywords(target: str) -> set[str]:
    words = re.findall(r"\w+", target.lower())
    return {w for w in words if w not in _TARGET_STOPWORDS and len(w) > 2}


def reference_stance(text: str, target: str, lexicon: Lexicon) -> str:
    """The deterministic reference label the simulated annotators start from.

    Examples:
        >>> from annotation.lexicon import load_lexicon
        >>> reference_stance("The regime terrorized them.", "Syrian government (Assad regime)", load_lexicon())
        'against'
        >>> reference_stance("It rained.", "Syrian opposition forces", load_lexicon())
        'unrelated'
    """
    words = set(re.findall(r"\w+", text.lower()))
    if not words & _target_keywords(target):
        return "unrelated"
    labels = [label for _, _, label in find_loaded_spans(text, lexicon)]
    negative, positive = labels.count("loaded-negative"), labels.count("loaded-positive")
    if negative > positive:
        return "against"
    if positive > negative:
        return "favor"
    return "neutral"


def simulate_result(
    data: dict[str, Any], annotator: SimulatedAnnotator, rng: random.Random, *, schema: Schema, lexicon: Lexicon
) -> tuple[list[dict[str, Any]], float]:
    """One simulated annotation of a task: Label Studio ``result`` regions and a lead time."""
    text = data["text"]
    reference = reference_stance(text, data["target"], lexicon)
    if rng.random() < annotator.accuracy:
        stance = reference
    else:
        stance = rng.choice([name for name in schema.stance_names if name != reference])
    spans = [s for s in find_loaded_spans(text, lexicon) if rng.random() < annotator.span_recall]
    if rng.random() < annotator.span_noise:
        words = list(_WORD.finditer(text))
        if words:
            word = rng.choice(words)
            spans.append((word.start(), word.end(), rng.choice(schema.span_names)))
    result: list[dict[str, Any]] = [
        {"from_name": schema.stance_name, "to_name": "text", "type": "choices", "value": {"choices": [stance]}}
    ]
    seen: set[tuple[int, int]] = set()
    for start, end, label in spans:
        if (start, end) in seen:
            continue
        seen.add((start, end))
        result.append(
            {
                "from_name": schema.span_name,
                "to_name": "text",
                "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
            }
        )
    return result, round(rng.gammavariate(2.0, 6.0), 2)


class _AnnotatorClient(Protocol):
    def next_task(self, project_id: int) -> dict[str, Any] | None: ...

    def submit_annotation(self, task_id: int, result: list[dict[str, Any]], lead_time: float) -> int: ...


def run_simulated_annotators(
    clients: dict[SimulatedAnnotator, _AnnotatorClient],
    project_id: int,
    *,
    schema: Schema,
    lexicon: Lexicon,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> dict[str, int]:
    """Let each simulated annotator label through the labeling stream until it runs dry, or until
    ``limit`` annotations were submitted in all (then they resume where they stopped on the next call).

    Annotators take turns one task at a time, as people working in parallel would.

    Returns:
        Annotations submitted per annotator name.
    """
    counts = {a.name: 0 for a in clients}
    active = list(clients)
    while active:
        for annotator in list(active):
            if limit is not None and sum(counts.values()) >= limit:
                return counts
            task = clients[annotator].next_task(project_id)
            if task is None:
                active.remove(annotator)
                continue
            # One RNG per annotator × task: the labels do not depend on the order Label Studio serves tasks in.
            rng = random.Random(f"{seed}:{annotator.name}:{task['data'].get('task_key', task['id'])}")
            result, lead_time = simulate_result(task["data"], annotator, rng, schema=schema, lexicon=lexicon)
            clients[annotator].submit_annotation(int(task["id"]), result, lead_time)
            counts[annotator.name] += 1
            if progress:
                progress(1)
    return counts
