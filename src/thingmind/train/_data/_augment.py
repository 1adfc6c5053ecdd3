"""Noise for training sentences: typos, speech-recognition slips, fillers, casing, numbers.

Every change keeps the tags aligned: a word that changes stays one word (checked with
``words_of``), inserted words get ``O`` slots (and the clause tag of where they land),
and a number turned into words or digits is re-tagged as one ``value`` span.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

from thingmind.nlu import TaggedExample, words_of
from thingmind.train._data._vocab import number_words

if TYPE_CHECKING:
    import random

_LETTERS = string.ascii_lowercase
_SAFE_SWAPS: dict[str, tuple[str, ...]] = {
    "you": ("u", "ya", "yu"),
    "your": ("ur", "yer"),
    "please": ("pls", "plz", "pleeease", "pleease", "plase"),
    "what's": ("wots", "whats", "wat's", "wats"),
    "what": ("wot", "wat", "whut"),
    "thanks": ("thx", "thanx", "ta"),
    "there": ("their",),
    "are": ("r",),
    "because": ("cos", "coz"),
    "the": ("teh", "da", "th"),
    "is": ("iz",),
    "light": ("lite",),
    "lights": ("lites",),
    "okay": ("ok", "k"),
    "going": ("gonna",),
    "want": ("wanna",),
    "gimme": ("give me",),
}
"""Spelling and speech slips that never change meaning (no "of"/"off", "to"/"two")."""

_FILLERS = ("um", "uh", "er", "erm", "like", "so", "hmm", "uhh", "ah", "well")
_PRE = ("please", "could you", "can you", "hey", "ok", "right", "so", "um", "alexa")
_POST = ("please", "thanks", "thank you", "for me", "now", "cheers", "ta")
_NUMBER_WORDS = {number_words(i): i for i in range(101)}
_NUMBER_WORDS["a hundred"] = 100
_PUNCT = re.compile(r"[^\w%°']")


def _words(text: str) -> list[str]:
    return [w for w, _, _ in words_of(text)]


def _is_one_word(text: str) -> bool:
    return len(_words(text)) == 1 and _words(text)[0] == text


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.3:
        out = word[:i] + word[i + 1 :]
    elif op < 0.55:
        out = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    elif op < 0.8:
        out = word[:i] + word[i] + word[i:]
    else:
        out = word[:i] + rng.choice(_LETTERS) + word[i + 1 :]
    return out if _is_one_word(out) else word


class _Ex:
    """A mutable copy of an example."""

    def __init__(self, ex: TaggedExample) -> None:
        self.words = list(ex.words)
        self.ctags = list(ex.clause_tags)
        self.stags = list(ex.slot_tags)
        self.kind = ex.kind

    def freeze(self) -> TaggedExample:
        return TaggedExample(
            words=tuple(self.words),
            clause_tags=tuple(self.ctags),
            slot_tags=tuple(self.stags),
            kind=self.kind,
        )

    def insert(self, i: int, words: list[str]) -> None:
        """Insert plain words before position ``i`` (inside a clause when ``i`` is)."""
        inside = 0 < i < len(self.words) and self.ctags[i].startswith("I-")
        ctag = "I-" + self.ctags[i][2:] if inside else "O"
        for j, w in enumerate(words):
            self.words.insert(i + j, w)
            self.ctags.insert(i + j, ctag)
            self.stags.insert(i + j, "O")

    def replace_span(self, i: int, j: int, words: list[str]) -> None:
        """Replace words ``[i, j)`` of one slot span with other words of that span."""
        slot_tag = self.stags[i]
        ctag = self.ctags[i]
        new_s = [slot_tag] + ["I-" + slot_tag[2:] if slot_tag != "O" else "O"] * (
            len(words) - 1
        )
        new_c = [ctag] + ["I-" + ctag[2:] if ctag != "O" else "O"] * (len(words) - 1)
        self.words[i:j] = words
        self.stags[i:j] = new_s
        self.ctags[i:j] = new_c


def _typos(ex: _Ex, rng: random.Random) -> None:
    spots = [
        i
        for i, s in enumerate(ex.stags)
        if s.endswith(("-target", "-location", "-except")) and len(ex.words[i]) >= 4
    ]
    for i in rng.sample(spots, min(len(spots), rng.choice([1, 1, 2]))):
        ex.words[i] = _typo(ex.words[i], rng)


def _asr(ex: _Ex, rng: random.Random) -> None:
    ex.words = [w.lower() for w in ex.words]
    keep = [
        k
        for k, w in enumerate(ex.words)
        if not (
            _PUNCT.fullmatch(w)
            and ex.stags[k] == "O"
            and not ex.ctags[k].startswith("B-")
        )
    ]
    ex.words = [ex.words[k] for k in keep]
    ex.ctags = [ex.ctags[k] for k in keep]
    ex.stags = [ex.stags[k] for k in keep]
    for k, w in enumerate(ex.words):
        if w == "%":
            ex.words[k] = "percent"
        elif w in _SAFE_SWAPS and ex.stags[k] == "O" and rng.random() < 0.35:
            new = rng.choice(_SAFE_SWAPS[w])
            if _is_one_word(new):
                ex.words[k] = new
        elif "'" in w and ex.stags[k] == "O" and rng.random() < 0.3:
            new = w.replace("'", "")
            if _is_one_word(new):
                ex.words[k] = new


_SLIPS: dict[str, tuple[str, str, float]] = {
    "turn_off": ("off", "of", 0.5),
    "turn_on": ("on", "one", 0.1),
}
"""Speech slips that keep the meaning only inside one intent ("turn of the light")."""


def _slips(ex: _Ex, rng: random.Random) -> None:
    for k, w in enumerate(ex.words):
        slip = _SLIPS.get(ex.ctags[k][2:])
        if (
            slip
            and ex.stags[k] == "O"
            and w.lower() == slip[0]
            and rng.random() < slip[2]
        ):
            ex.words[k] = slip[1] if not w.isupper() else slip[1].upper()


def _fillers(ex: _Ex, rng: random.Random) -> None:
    # only where no slot span continues across the gap
    spots = [
        i
        for i in range(len(ex.words) + 1)
        if i == len(ex.words) or not ex.stags[i].startswith("I-")
    ]
    i = rng.choice(spots)
    ex.insert(i, _words(rng.choice(_FILLERS)))


def _politeness(ex: _Ex, rng: random.Random) -> None:
    if rng.random() < 0.5:
        ex.insert(0, _words(rng.choice(_PRE)))
    else:
        ex.insert(len(ex.words), _words(rng.choice(_POST)))


def _casing(ex: _Ex, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.35:
        ex.words = [w.upper() for w in ex.words]
    elif roll < 0.8:
        ex.words = [w.lower() for w in ex.words]
    else:
        ex.words = [w.capitalize() for w in ex.words]


def _numbers(ex: _Ex, rng: random.Random) -> None:
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(ex.words):
        if ex.stags[i] == "B-value":
            j = i + 1
            while j < len(ex.words) and ex.stags[j] == "I-value":
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    if not spans:
        return
    i, j = rng.choice(spans)
    text = " ".join(ex.words[i:j]).lower()
    if text.isdigit() and int(text) <= 100:
        ex.replace_span(i, j, number_words(int(text)).split())
    elif text in _NUMBER_WORDS:
        ex.replace_span(i, j, [str(_NUMBER_WORDS[text])])


_OPS = (
    (_typos, 0.35),
    (_asr, 0.35),
    (_fillers, 0.25),
    (_politeness, 0.2),
    (_casing, 0.15),
    (_numbers, 0.3),
    (_slips, 0.3),
)


def augment(example: TaggedExample, rng: random.Random) -> TaggedExample:
    """Return a noisy copy of an example, its tags still aligned.

    Applies, each with some probability (and at least one): typos inside target, place
    and exception words; speech-recognition slips (lower case, no punctuation, "u" for
    "you", "wots", "pleeease"); a filler word; politeness; casing; a number written as
    words instead of digits or back; "of" for "off" in turn_off clauses and, rarely,
    "one" for "on" in turn_on clauses.

    Args:
        example: The example.
        rng: The random source.

    Returns:
        A new example.
    """
    ex = _Ex(example)
    ops = [op for op, p in _OPS if rng.random() < p] or [rng.choice(_OPS)[0]]
    for op in ops:
        op(ex, rng)
    if not ex.words:
        return example
    return ex.freeze()
