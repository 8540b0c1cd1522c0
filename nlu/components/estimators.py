"""Saving and loading the scikit-learn estimators our components train, with skops (no pickle)."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def save_estimator(estimator: Any, path: Path) -> None:
    """Write a fitted estimator to ``path``."""
    import skops.io

    skops.io.dump(estimator, path)


def load_estimator(path: Path) -> Any:
    """Read an estimator written by ``save_estimator``; its types are trusted because our own training wrote it."""
    import skops.io

    return skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
