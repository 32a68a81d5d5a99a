"""The English word lists of the sentence segmenter (``annotation.ingest.segment``).

Data only, read by the segmenter's rules: abbreviations (lowercase, without the final period) by
how their period behaves, the words that commonly open a sentence, names spelled with ``!`` or
``?``, the lowercase words of a Title Case heading, and the vocabulary of speech tags (reporting
verbs, addressees, the phrases after the verb, the words that make a clause). Extending a list
changes where sentences break: add a case to ``tests/data/segmentation/`` with it.

Package-internal: nothing here is re-exported by ``annotation.ingest`` (``__all__`` is empty).
"""

from __future__ import annotations

__all__: list[str] = []

# --- Abbreviations --------------------------------------------------------------------

# Titles and connectives that always stand before the word they qualify, so their period
# never ends a sentence: "Gen. Mazloum", "Lt. Col. Smith", "Mr. and Mrs.", "e.g. tanks".
NEVER_FINAL = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "gen", "lt", "col", "capt", "cpt", "cmdr",
        "cdr", "maj", "sgt", "cpl", "pvt", "adm", "brig", "gov", "sen", "rep", "rev", "hon",
        "pres", "supt", "insp", "det", "amb", "atty", "messrs", "mme", "mlle", "msgr", "fr",
        "e.g", "i.e", "vs", "cf", "viz", "approx",
    }
)  # fmt: skip

# Abbreviations written before a number: no break when the next token starts with a
# digit ("No. 10", "p. 55", "N°. 1026", "Nov. 2", "Sept. 17"), a break otherwise
# ("He said no. 10 people ..." is the accepted error).
BEFORE_NUMBER = frozenset(
    {
        "no", "nos", "nr", "n°", "nº", "p", "pp", "vol", "vols", "art", "arts", "fig",
        "figs", "ch", "chap", "sec", "para", "op", "tel", "ca", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip

# Abbreviations that may also end a sentence ("... & Co. It closed", "Main St. The"):
# break only when the next word is a typical sentence opener (SENTENCE_STARTERS). Dotted
# acronyms ("U.S.", "a.m.", "Ph.D.") and single capital initials ("E.", "I.") behave alike.
MAYBE_FINAL = frozenset(
    {
        "co", "corp", "inc", "ltd", "llc", "plc", "bros", "jr", "sr", "esq", "etc", "al",
        "st", "mt", "ft", "ave", "blvd", "rd", "dept", "univ", "assn", "govt", "intl",
    }
)  # fmt: skip

# Words that commonly open an English sentence; see MAYBE_FINAL ("U.S. How" breaks,
# "U.S. Government" does not).
SENTENCE_STARTERS = frozenset(
    {
        "A", "An", "The", "This", "That", "These", "Those", "It", "Its", "He", "She",
        "They", "We", "I", "You", "His", "Her", "Their", "Our", "My", "Your", "There",
        "Here", "What", "When", "Where", "Why", "How", "Who", "Which", "But", "And", "So",
        "Yet", "However", "Meanwhile", "Moreover", "Still", "Then", "Now", "Thus", "In",
        "On", "At", "For", "If", "As", "After", "Before", "Since", "While", "Although",
        "Though", "Despite", "During", "According", "Did", "Does", "Do", "Is", "Are",
        "Was", "Were", "Can", "Could", "Will", "Would", "Should", "Has", "Have", "Had",
        "Many", "Some", "Most", "All", "Both", "Several", "Each", "Every", "No", "Other",
        "Others", "Today", "Yesterday", "Earlier", "Later", "Also", "One", "Two",
        "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    }
)  # fmt: skip

# Names spelled with a final "!" or "?": like an abbreviation that may end a sentence
# (MAYBE_FINAL), the mark ends the sentence only before a common sentence opener ("Yahoo! News
# reported", "Yum! Brands", "Guess? Inc.", but "at Yahoo! Then he left").
MARKED_NAMES = {
    "!": ("Yahoo", "Jeopardy", "Yum", "E", "Wham", "Oklahoma", "Airplane", "Mamma Mia"),
    "?": ("Guess",),
}

# Lowercase words allowed inside a Title Case heading line ("Clash With Regime in Idlib").
MINOR_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for",
        "by", "with", "from", "as", "vs", "via", "per", "into", "over", "amid", "than",
        "de", "al", "el", "la", "le", "van", "von", "bin", "ibn",
    }
)  # fmt: skip

# --- Speech tags ----------------------------------------------------------------------
# The vocabulary of a speech tag after a quoted question or exclamation (see
# ``segment._speech_tag``): "“Why now?” Foreign Minister Sergei Lavrov asked reporters."

# Reporting verbs, past and present. Left out: present forms that are common plural nouns
# ("claims", "notes", "protests"), and verbs that as often report an action ("continued",
# "charged", "cheered", "roared").
REPORTING_VERBS = frozenset(
    {
        "said", "says", "say", "asked", "asks", "ask", "added", "adds", "told", "tells", "tell",
        "wrote", "writes", "write", "replied", "answered", "responded", "responds", "retorted",
        "retorts", "countered", "shouted", "yelled", "yells", "screamed", "cried", "exclaimed",
        "exclaims", "demanded", "wondered", "wonders", "wonder", "insisted", "insists", "insist",
        "declared", "declares", "announced", "announces", "explained", "explains", "noted",
        "stressed", "stresses", "argued", "argues", "argue", "warned", "warns", "warn", "urged",
        "urges", "pleaded", "pleads", "begged", "implored", "appealed", "chanted", "whispered",
        "whispers", "murmured", "muttered", "mutters", "sighed", "laughed", "joked", "quipped",
        "quips", "mused", "muses", "recalled", "recalls", "remarked", "observed", "observes",
        "claimed", "complained", "complains", "protested", "objected", "conceded", "concedes",
        "admitted", "admits", "acknowledged", "acknowledges", "suggested", "suggests", "queried",
        "inquired", "inquires", "enquired", "pressed", "challenged", "thundered", "bellowed",
        "fumed", "snapped", "vowed", "promised", "alleged", "alleges", "contended", "maintained",
        "maintains", "reiterated", "reiterates", "repeated", "stated", "confirmed", "confirms",
        "denied", "denies", "mocked", "scoffed", "taunted", "tweeted", "posted", "texted",
        "emailed", "wailed", "sobbed", "gasped", "groaned", "hissed", "growled", "grumbled",
        "cautioned", "reminded", "assured", "commented", "interjected", "interrupted", "offered",
        "ventured", "boasted", "lamented", "laments", "predicted", "predicts", "concluded",
        "agreed", "reasoned", "teased", "thought",
    }
)  # fmt: skip
# Reporting verbs that may name the person addressed: "asked reporters", "told Anadolu Agency".
ADDRESSING_VERBS = frozenset(
    {
        "asked", "asks", "ask", "told", "tells", "tell", "urged", "urges", "warned", "warns",
        "warn", "reminded", "assured", "pressed", "begged", "implored", "challenged", "taunted",
        "teased", "mocked",
    }
)  # fmt: skip
# Lowercase words that may make up the person addressed (capitalised words always may).
ADDRESSEES = frozenset(
    {
        "the", "a", "an", "his", "her", "their", "its", "our", "him", "them", "us", "me", "you",
        "reporters", "journalists", "lawmakers", "parliament", "supporters", "protesters",
        "crowd", "audience", "residents", "viewers", "followers", "delegates", "officials",
        "colleagues", "students", "troops", "soldiers", "mourners", "worshippers", "listeners",
        "readers", "members", "ministers", "diplomats", "counterpart", "counterparts",
    }
)  # fmt: skip
# Words that open a phrase after the verb ("asked in a statement", "wrote on Twitter").
TAG_ADJUNCTS = frozenset(
    {
        "in", "on", "at", "during", "after", "before", "from", "to", "via", "with", "as",
        "while", "when", "through", "outside", "inside", "near", "amid", "over", "again",
        "later", "aloud", "then", "too", "back",
    }
)  # fmt: skip
# Lowercase words that make what surrounds them a clause rather than a speaker or a phrase of
# the tag ("Nobody knows what analysts say", "said on Monday the talks would resume").
CLAUSE_WORDS = frozenset(
    {
        "that", "what", "whether", "if", "because", "but", "not", "is", "was", "are", "were",
        "be", "been", "has", "have", "had", "will", "would", "can", "could", "should", "may",
        "might", "must", "do", "does", "did",
    }
)  # fmt: skip
