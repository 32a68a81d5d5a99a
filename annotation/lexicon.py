"""A lexicon of loaded words and the whole-word matcher used for pre-annotations and baselines.

Inflections come from LemmInflect's English tables (``getAllLemmas``/``getAllInflections``; no
model, nothing fetched), not from hand-made suffix rules. Each entry is expanded into its surface
forms once, when the lexicon is first used (``load_lexicon`` does it at once, so a bad lexicon fails
there); matching is then one case-insensitive whole-word regex over all forms, longest first.

What an entry expands to (``inflections``):

- A single lower-case word: every form of every lemma it can be a form of, for each part of speech
  LemmInflect knows it as (number for nouns; -s, -ed, -ing for verbs). ``freed`` → ``free``,
  ``frees``, ``freeing``; ``regime`` → ``regimes``; ``butcher`` → ``butchers``, ``butchered``,
  ``butchering``. Comparatives and superlatives are left out (LemmInflect's tables hold unattested
  ones such as ``freeer``). Words LemmInflect does not know (``free-for-all``) stay as written.
  Derivations are never forms: ``freed`` does not give ``freedom``, nor ``liberate`` ``liberation``.
- A phrase: only a noun compound is inflected, at its last word (its head in English), for number
  only: ``freedom fighter`` ↔ ``freedom fighters``. It is a noun compound when every word before the
  last can be a noun or an adjective (or is capitalised, a name) and the last can be a noun and not
  an adverb. Other phrases (``reign of terror``, ``bring to justice``, ``wipe out``: head first, or a
  particle last) stay as written; list their forms yourself.
- An entry with a capital letter where inflection would happen (``ISIS``, ``Daesh``) is a name or an
  acronym and stays as written.

A curator who wants only the listed forms writes ``inflect: false`` at the top of the lexicon file
(the default is ``true``). A form generated from entries under two labels is an error; a form that
is itself listed keeps the label it is listed under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from annotation.errors import AnnotationError, yaml_problem
from annotation.schema import DEFAULT_LEXICON

__all__ = ["Lexicon", "LexiconError", "load_lexicon", "find_loaded_spans", "inflections"]

# Penn tags of comparatives and superlatives: not generated (see the module docstring).
_DEGREE = frozenset({"JJR", "JJS", "RBR", "RBS"})


class LexiconError(AnnotationError, ValueError):
    """A lexicon file is malformed."""


def _forms(word: str, parts_of_speech: frozenset[str] | None = None) -> set[str]:
    """``word`` and the forms of each lemma LemmInflect gives it, in ``parts_of_speech`` if given."""
    from lemminflect import getAllInflections, getAllLemmas  # loads its tables on first use

    forms = {word}
    for upos, lemmas in getAllLemmas(word).items():
        if parts_of_speech is not None and upos not in parts_of_speech:
            continue
        for lemma in lemmas:
            for tag, inflected in getAllInflections(lemma, upos=upos).items():
                if tag not in _DEGREE:
                    forms.update(inflected)
    return forms


@lru_cache(maxsize=None)
def inflections(entry: str) -> tuple[str, ...]:
    """The surface forms a lexicon entry matches with inflection on: the entry and its inflections.

    Examples:
        >>> inflections("freed")
        ('free', 'freed', 'freeing', 'frees')
        >>> inflections("freedom fighter")
        ('freedom fighter', 'freedom fighters')
        >>> inflections("reign of terror"), inflections("ISIS")
        (('reign of terror',), ('ISIS',))
    """
    from lemminflect import getAllLemmas

    words = entry.split()
    if not words or not words[-1].islower():
        return (entry,)
    if len(words) == 1:
        return tuple(sorted(_forms(entry)))
    *modifiers, last = words
    compound = all(
        not word.islower() or {"NOUN", "ADJ"} & set(getAllLemmas(word)) for word in modifiers
    ) and "ADV" not in getAllLemmas(last)
    if not compound:
        return (entry,)
    prefix = entry.rstrip()[: -len(last)]
    return tuple(sorted(prefix + form for form in _forms(last, frozenset({"NOUN"}))))


@dataclass(frozen=True)
class Lexicon:
    """Loaded words grouped by span label; ``model_version`` tags the predictions it makes.

    ``entries`` are the words as the curator listed them; with ``inflect`` each also matches its
    inflections (``inflections``), computed once per lexicon.
    """

    model_version: str
    entries: dict[str, tuple[str, ...]]
    inflect: bool = True

    @cached_property
    def forms(self) -> dict[str, str]:
        """Every surface form matched (an entry or one of its inflections) → its label.

        Raises:
            LexiconError: With ``inflect``, one form is generated from entries under two labels.
        """
        listed = {w.lower(): (label, w) for label, ws in self.entries.items() for w in ws}
        forms = {w: label for label, ws in self.entries.items() for w in ws}
        if not self.inflect:
            return forms
        generated: dict[str, tuple[str, str]] = {}
        for label, words in self.entries.items():
            for word in words:
                for form in inflections(word):
                    low = form.lower()
                    if low in listed:
                        continue  # a listed form keeps the label it is listed under
                    other_label, other_word = generated.setdefault(low, (label, word))
                    if other_label != label:
                        raise LexiconError(
                            f"{form!r} is an inflection of {other_word!r} ({other_label}) and of "
                            f"{word!r} ({label}); list it under one label or set 'inflect: false'"
                        )
                    forms.setdefault(form, label)
        return forms

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """One case-insensitive whole-word regex; longer forms first so phrases win."""
        words = sorted(set(self.forms), key=lambda w: (-len(w), w))
        return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)

    @cached_property
    def label_of(self) -> dict[str, str]:
        """Lower-cased surface form (an entry or one of its inflections) → label."""
        return {form.lower(): label for form, label in self.forms.items()}

    def label(self, match: str) -> str:
        """The label of a string ``pattern`` matched (the regex folds case more widely than
        ``str.lower``: ``ſ`` matches ``s``, ``İ`` matches ``i``)."""
        try:
            return self.label_of[match.lower()]
        except KeyError:
            return next(label for form, label in self.forms.items()
                        if re.fullmatch(re.escape(form), match, re.IGNORECASE))


def _words(path: Path, label: Any, words: Any) -> tuple[str, ...]:
    if not isinstance(words, list) or any(
        isinstance(w, bool) or not isinstance(w, (str, int, float)) or not str(w).strip() for w in words
    ):
        raise LexiconError(f"{path}: entries.{label}: expected a list of words, got {words!r}")
    return tuple(str(w) for w in words)


def load_lexicon(path: str | Path = DEFAULT_LEXICON, labels: list[str] | None = None) -> Lexicon:
    """Read a lexicon YAML file (``entries: {label: [word, ...]}``, optionally ``inflect: false``).

    Args:
        path: The lexicon file, by default ``schemas/lexicon.yml``.
        labels: If given, every lexicon label must be one of these (the schema's span labels).

    Raises:
        LexiconError: The file is unreadable or empty, a field is malformed, it uses a label
            outside ``labels``, or lists a word (or generates an inflection) under two labels.

    Examples:
        >>> load_lexicon().label_of["regime"]
        'loaded-negative'
        >>> load_lexicon().label_of["frees"]  # an inflection of the entry "freed"
        'loaded-positive'
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise LexiconError(f"{path}: cannot read lexicon: {yaml_problem(err)}") from err
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise LexiconError(f"{path}: expected a non-empty mapping 'entries: {{label: [words]}}'")
    inflect = raw.get("inflect", True)
    if not isinstance(inflect, bool):
        raise LexiconError(f"{path}: 'inflect' must be true or false, got {inflect!r}")
    if labels is not None:
        unknown = sorted(set(entries) - set(labels))
        if unknown:
            raise LexiconError(f"{path}: labels {unknown} are not in the schema's {labels}")
    words_of = {str(label): _words(path, label, words) for label, words in entries.items()}
    seen: dict[str, str] = {}
    for label, words in words_of.items():
        for word in words:
            other = seen.setdefault(word.lower(), label)
            if other != label:
                raise LexiconError(f"{path}: {word!r} is listed under both {other!r} and {label!r}")
    lexicon = Lexicon(
        model_version=str(raw.get("model_version", f"lexicon-{raw.get('version', 0)}")),
        entries=words_of,
        inflect=inflect,
    )
    try:
        lexicon.forms  # expand once, here, so that a conflict names the file
    except LexiconError as err:
        raise LexiconError(f"{path}: {err}") from None
    return lexicon


def find_loaded_spans(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """Whole-word, case-insensitive lexicon matches (inflections included) as ``(start, end, label)``.

    Offsets are Python code points into ``text``; ``text[start:end]`` is the matched form.

    Examples:
        >>> find_loaded_spans("The regime freed nobody.", load_lexicon())
        [(4, 10, 'loaded-negative'), (11, 16, 'loaded-positive')]
        >>> find_loaded_spans("Regimes kept freeing nobody; freedom waited.", load_lexicon())
        [(0, 7, 'loaded-negative'), (13, 20, 'loaded-positive')]
    """
    return [(m.start(), m.end(), lexicon.label(m.group(0))) for m in lexicon.pattern.finditer(text)]
