"""Text perturbations applied to customer messages on their way to the agent.

Typos (swaps, deletions, doubled letters, neighbouring keys), ASR-style dropped
words and fillers: tokens that carry identifiers (digits, '@', '#') are never
touched by those, the noise models how people type. Speech recognition is
another matter (`asr`): the whole message becomes what a recogniser writes for a
voice caller, emails and numbers spoken, homophones, the odd digit misheard.
"""

from __future__ import annotations

import re

import numpy as np

from convsim.core.records import TextNoise

KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS = {
    c: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in KEYBOARD_ROWS for i, c in enumerate(row)
}
FILLERS = ["um", "uh", "like", "so", "well"]


def _protected(word: str) -> bool:
    return any(ch.isdigit() or ch in "@#" for ch in word) or len(word) < 3


def _typo(word: str, rng: np.random.Generator) -> str:
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 2:
        return word
    i = letters[int(rng.integers(len(letters) - 1))]
    kind = int(rng.integers(4))
    if kind == 0 and i + 1 < len(word):  # swap
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # deletion
        return word[:i] + word[i + 1:]
    if kind == 2:  # doubled letter
        return word[:i] + word[i] + word[i:]
    near = NEIGHBOURS.get(word[i].lower())
    if not near:
        return word
    return word[:i] + near[int(rng.integers(len(near)))] + word[i + 1:]


def apply_noise(text: str, noise: TextNoise, persona_typo_rate: float,
                rng: np.random.Generator) -> tuple[str, list[str]]:
    """Return the perturbed text and the names of the perturbations applied."""
    typo_rate = min(1.0, noise.typo_rate + persona_typo_rate)
    if typo_rate == 0 and noise.drop_rate == 0 and noise.filler_rate == 0:
        return text, []
    applied: set[str] = set()
    out: list[str] = []
    for word in text.split(" "):
        if _protected(word):
            out.append(word)
            continue
        if noise.drop_rate and rng.random() < noise.drop_rate:
            applied.add("drop")
            continue
        if typo_rate and rng.random() < typo_rate:
            word = _typo(word, rng)
            applied.add("typo")
        out.append(word)
    if noise.filler_rate and rng.random() < noise.filler_rate and out:
        pos = int(rng.integers(len(out)))
        out.insert(pos, FILLERS[int(rng.integers(len(FILLERS)))] + ",")
        applied.add("filler")
    return " ".join(out), sorted(applied)


DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
HOMOPHONES = {"to": "two", "for": "four", "there": "their", "right": "write", "no": "know",
              "by": "buy", "here": "hear", "would": "wood", "one": "won", "too": "to"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _spoken_digits(run: str, rng: np.random.Generator, misheard: float) -> str:
    out = []
    for ch in run:
        d = int(ch)
        if rng.random() < misheard:  # a digit misheard as its neighbour
            d = (d + (1 if rng.random() < 0.5 else -1)) % 10
        out.append(DIGITS[d])
    return " ".join(out)


def _spoken_word(word: str, rng: np.random.Generator, misheard: float) -> str:
    """One whitespace-separated token as heard: an email or a token with digits spoken."""
    core = word.strip(".,!?;:()\"'")
    if _EMAIL.fullmatch(core):
        local, _, host = core.lower().partition("@")
        spoken = f"{local} at {host}".replace(".", " dot ").replace("_", " underscore ")
        return re.sub(r"\d+", lambda m: " " + _spoken_digits(m.group(0), rng, misheard) + " ",
                      spoken.replace("-", " dash "))
    if any(ch.isdigit() for ch in core):
        parts = re.findall(r"\d+|[A-Za-z]+", core)
        return " ".join(_spoken_digits(p, rng, misheard) if p.isdigit() else p.lower()
                        for p in parts)
    low = re.sub(r"[^\w']", "", core.lower())
    return HOMOPHONES.get(low, low) if rng.random() < 0.3 else low


def speech_transcript(text: str, rng: np.random.Generator, misheard: float = 0.02) -> str:
    """`text` as a speech recogniser would write it for a voice caller."""
    spoken = (_spoken_word(w, rng, misheard) for w in text.split())
    return " ".join(" ".join(w.split()) for w in spoken if w.strip())


def apply_speech(text: str, noise: TextNoise, rng: np.random.Generator) -> tuple[str, list[str]]:
    """The message as a speech transcript with probability `noise.asr_rate`."""
    if noise.asr_rate and rng.random() < noise.asr_rate:
        return speech_transcript(text, rng), ["asr"]
    return text, []


def split_burst(text: str, rng: np.random.Generator) -> list[str]:
    """A message as 2-4 short messages (at sentence or comma boundaries); [text] if too short."""
    parts = [p.strip() for p in re.split(r"(?<=[.!?,;])\s+", text) if p.strip()]
    if len(parts) < 2:
        return [text]
    n = min(len(parts), int(rng.integers(2, 5)))
    cuts = sorted(int(c) for c in rng.choice(np.arange(1, len(parts)), size=n - 1, replace=False))
    bounds = [0, *cuts, len(parts)]
    return [" ".join(parts[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def cut_reply(text: str, rng: np.random.Generator) -> str | None:
    """Where a customer barges in: the first 30-70% of a reply of 8+ words, else None."""
    words = text.split()
    if len(words) < 8:
        return None
    keep = max(3, int(len(words) * float(rng.uniform(0.3, 0.7))))
    return " ".join(words[:keep]) + " —"
