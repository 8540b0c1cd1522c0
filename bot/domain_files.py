"""The bot's domain as one dictionary: every ``bot/domain/*.yml`` merged, as the action server receives it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DOMAIN_DIR = Path(__file__).resolve().parent / "domain"


def merged_domain(directory: Path = DOMAIN_DIR) -> dict[str, Any]:
    """Intents, entities, slots, forms, responses and actions of all domain files together."""
    merged: dict[str, Any] = {"intents": [], "entities": [], "slots": {}, "forms": {}, "responses": {}, "actions": []}
    for path in sorted(directory.glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("slots", "forms", "responses"):
            merged[key].update(part.get(key) or {})
        for key in ("intents", "entities", "actions"):
            merged[key].extend(part.get(key) or [])
    return merged
