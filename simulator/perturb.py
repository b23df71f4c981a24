"""Text perturbations applied to customer messages on their way to the agent.

Typos (swaps, deletions, doubled letters, neighbouring keys), ASR-style dropped
words and fillers. Tokens that carry identifiers (digits, '@', '#') are never
touched: the noise models how people type, not corrupted account numbers.
"""

from __future__ import annotations

import numpy as np

from convsim.simulator.records import TextNoise

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
