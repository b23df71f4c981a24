"""Explicit customer consent: is this customer message a clear yes?

Robust to chat and speech-recognition text: lower case, no punctuation,
fillers ("um yeah go ahead"), short forms ("ya", "yep", "k"), one typo in a
longer yes-word ("yse", "yeha"). A message that also says no, asks a question
back, or hedges ("wait", "not yet", "hold on", "maybe") is not consent.
"""

from __future__ import annotations

import re
from functools import lru_cache

_YES_WORDS = {
    "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "yess", "ye", "yeh", "y", "ok", "okay", "k",
    "kk", "okey", "sure", "alright", "aye", "absolutely", "definitely", "certainly", "correct",
    "confirm", "confirmed", "affirmative", "proceed", "please", "right", "fine", "agreed",
}
"""Words that, alone or together, make a yes ("please" only with another one)."""
_YES_ALONE = _YES_WORDS - {"please", "right", "fine", "proceed", "confirm"}
_YES_PHRASES = re.compile(
    r"\b(?:go ahead|go for it|do it|please do|let'?s do (?:it|that)|sounds good|that'?s (?:right|"
    r"correct|fine|ok|okay)|(?:that|it) is (?:right|correct|fine)|of course|by all means|"
    r"i (?:do|agree|confirm|consent|accept)|(?:please )?proceed|you can (?:proceed|go ahead|do "
    r"(?:it|that))|(?:yes|yeah|ok|okay),? (?:please|proceed)|make the change|works for me)\b")
_NO = re.compile(
    r"\b(?:no|nope|nah|not|don'?t|do not|dont|never|stop|wait|hold on|hang on|cancel that|"
    r"changed my mind|maybe|not sure|unsure|hmm+|rather not|wouldn'?t|shouldn'?t|isn'?t|"
    r"wrong|mistake in|let me think)\b")
# Phrases with a "no" word that still agree.
_NO_FALSE = re.compile(r"\b(?:no problem|no worries|no doubt|why not|not a problem|"
                       r"sure,? no problem)\b")
_FILLERS = re.compile(r"\b(?:um+|uh+|er+|erm|ah+|like|so|well|oh|hey|just|i mean|you know|"
                      r"yeah yeah)\b")
_QUESTION_BACK = re.compile(
    r"\?|^(?:what|why|how|which|when|who|can you|could you|will (?:it|this|that|i)|"
    r"do i|does it|is (?:it|there|that))\b")


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"[^\w'?\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _near(word: str, targets: set[str]) -> bool:
    """One edit (insert, delete, substitute, swap) from a target of 3+ letters."""
    if len(word) < 3:
        return False
    for t in targets:
        if len(t) < 3 or abs(len(t) - len(word)) > 1:
            continue
        if len(t) == len(word):
            diff = [i for i, (a, b) in enumerate(zip(t, word, strict=True)) if a != b]
            if len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and t[diff[0]] == word[diff[1]] and t[diff[1]] == word[diff[0]]):
                return True
        else:
            short, long_ = (t, word) if len(t) < len(word) else (word, t)
            if any(long_[:i] + long_[i + 1:] == short for i in range(len(long_))):
                return True
    return False


_FUZZY_TARGETS = {"yes", "yeah", "okay", "sure", "proceed", "correct", "absolutely", "confirm"}
_NEAR_MISSES = {"yet", "yesterday", "yours", "course", "procedure", "cure"}


@lru_cache(maxsize=16384)
def is_explicit_yes(text: str) -> bool:
    """Whether a customer message gives an explicit yes to the agent's proposed action."""
    norm = _normalise(text)
    if not norm:
        return False
    if _QUESTION_BACK.search(norm):
        return False
    cleaned = _NO_FALSE.sub(" ", norm)
    if _NO.search(cleaned):
        return False
    if _YES_PHRASES.search(cleaned):
        return True
    words = _FILLERS.sub(" ", cleaned).split()
    yes = [w for w in words if w in _YES_WORDS
           or (w not in _NEAR_MISSES and _near(w, _FUZZY_TARGETS))]
    if not yes:
        return False
    if not any(w in _YES_ALONE or _near(w, _FUZZY_TARGETS) for w in yes) and len(yes) < 2:
        return False
    # "yes" then a long new request is still a yes; a message that only mentions "okay" deep
    # inside a sentence is not: the yes must open the message (after fillers).
    return words.index(yes[0]) <= 2


@lru_cache(maxsize=16384)
def is_explicit_no(text: str) -> bool:
    """Whether a customer message refuses (no, don't, stop, wait...)."""
    norm = _NO_FALSE.sub(" ", _normalise(text))
    return bool(_NO.search(norm)) and not _YES_PHRASES.search(norm)
