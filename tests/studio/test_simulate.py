from __future__ import annotations

import random

from annotation.exports import pseudonymize, to_votes
from annotation.lexicon import load_lexicon
from annotation.schema import load_schema
from annotation.studio.simulate import DEMO_ANNOTATORS, SimulatedAnnotator, reference_stance, simulate_result

DATA = {"text": "Despite the risks, the regime and its backers continue to terrorize the region.",
        "target": "Syrian government (Assad regime)"}


def test_the_export_parser_marks_every_simulated_annotator_synthetic_and_a_person_not() -> None:
    emails = [a.email for a in DEMO_ANNOTATORS] + ["person@example.org"]
    stance = {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["neutral"]}}
    task = {"id": 1, "data": {**DATA, "task_key": "a-0001|T", "sentence_id": "a-0001", "article_id": "a"},
            "annotations": [{"id": 10 + user, "completed_by": user, "result": [stance]} for user in range(len(emails))]}
    votes = to_votes([task], dict(enumerate(emails)), schema=load_schema(), salt="s")
    marked = dict(zip(votes.annotations["worker"], votes.annotations["synthetic"]))
    assert marked == {pseudonymize(email, "s"): email != "person@example.org" for email in emails}


def test_reference_stance_rules() -> None:
    lexicon = load_lexicon()
    assert reference_stance(DATA["text"], DATA["target"], lexicon) == "against"
    assert reference_stance("The opposition liberated two villages.", "Syrian opposition forces", lexicon) == "favor"
    assert reference_stance("The opposition met in Geneva.", "Syrian opposition forces", lexicon) == "neutral"
    assert reference_stance("Ankara warns of refugees.", "Syrian opposition forces", lexicon) == "unrelated"


def test_same_seed_same_annotation() -> None:
    schema, lexicon, annotator = load_schema(), load_lexicon(), DEMO_ANNOTATORS[1]
    runs = [simulate_result(DATA, annotator, random.Random("7"), schema=schema, lexicon=lexicon) for _ in range(2)]
    assert runs[0] == runs[1]


def test_noise_follows_the_annotator_accuracy() -> None:
    schema, lexicon = load_schema(), load_lexicon()
    annotator = SimulatedAnnotator("t", accuracy=0.7, span_recall=1.0, span_noise=0.0)
    rng = random.Random(0)
    labels = [simulate_result(DATA, annotator, rng, schema=schema, lexicon=lexicon)[0][0]["value"]["choices"][0] for _ in range(2000)]
    assert abs(labels.count("against") / 2000 - 0.7) < 0.03


def test_spans_are_valid_regions_of_the_text() -> None:
    schema, lexicon = load_schema(), load_lexicon()
    annotator = SimulatedAnnotator("t", accuracy=1.0, span_recall=1.0, span_noise=1.0)
    result, lead_time = simulate_result(DATA, annotator, random.Random(1), schema=schema, lexicon=lexicon)
    spans = [r["value"] for r in result if r["from_name"] == "loaded"]
    assert {"regime", "terrorize"} <= {s["text"] for s in spans} and lead_time > 0
    assert all(DATA["text"][s["start"] : s["end"]] == s["text"] and s["labels"][0] in schema.span_names for s in spans)
