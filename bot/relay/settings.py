"""Reading the relays' settings from the environment: a malformed number falls back to its default."""
from __future__ import annotations

import os


def env_int(name: str, default: int) -> int:
    """``name`` as an integer, or ``default`` when unset or malformed."""
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def env_float(name: str, default: float) -> float:
    """``name`` as a number, or ``default`` when unset or malformed."""
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default
