"""Which half of a labelled set a sentence belongs to: ``tune`` (learn and adjust on it) or ``test`` (measure only).

The split is a hash of the sentence and a fixed seed, so it never changes
when sentences are added, removed or reordered, and both runtimes (Rasa's,
which trains on the tune half, and the app's, which measures on the test half)
agree without sharing a file.
"""
from __future__ import annotations

import hashlib

SEED = "hutong-2026"
TUNE, TEST = "tune", "test"


def half_of(text: str, seed: str = SEED) -> str:
    """``tune`` or ``test`` for this sentence, about half each."""
    digest = hashlib.sha256(f"{seed}\x00{text.strip()}".encode("utf-8")).digest()
    return TEST if digest[0] & 1 else TUNE
