"""Whole conversations as users have them (``tests/conversations/*.yml``), played against both servers.

Each scenario is a list of turns. A turn says something (``say``) and may check
the bot's replies: every pattern of ``expect`` found (regular expressions over
all reply texts and button titles and payloads of that turn), none of ``absent``;
``form`` the form open afterwards (``null`` for none); ``slots`` values kept.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.stack import Stack
from tests.e2e.conftest import User

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "conversations"


def load_scenarios(directory: Path = SCENARIO_DIR) -> list[dict[str, Any]]:
    """Every scenario of every file, each with its file name for the test id."""
    found = []
    for path in sorted(directory.glob("*.yml")):
        for scenario in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            found.append({**scenario, "file": path.stem})
    return found


SCENARIOS = load_scenarios()


def _heard(replies: list[dict]) -> str:
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts.extend(f"{b.get('title', '')} {b.get('payload', '')}" for b in reply.get("buttons") or [])
    return "\n".join(parts)


def play(user: User, scenario: dict[str, Any]) -> None:
    """Play the scenario turn by turn; an assertion names the turn that went wrong."""
    for number, turn in enumerate(scenario["turns"], start=1):
        where = f"{scenario['name']} turn {number} ({turn['say']!r})"
        replies = user.says(turn["say"])
        assert replies, f"{where}: no reply"
        heard = _heard(replies)
        for pattern in map(str, turn.get("expect") or []):
            assert re.search(pattern, heard), f"{where}: missing {pattern!r} in\n{heard}"
        for pattern in map(str, turn.get("absent") or []):
            assert not re.search(pattern, heard), f"{where}: should not say {pattern!r}:\n{heard}"
        if "form" in turn or "slots" in turn:
            tracker = user.tracker()
            if "form" in turn:
                assert (tracker.get("active_loop") or {}).get("name") == turn["form"], f"{where}: form"
            for slot, value in (turn.get("slots") or {}).items():
                assert tracker["slots"].get(slot) == value, f"{where}: {slot} = {tracker['slots'].get(slot)!r}"


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 60


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s['file']}-{i}" for i, s in enumerate(SCENARIOS)])
def test_scenario(stack: Stack, scenario: dict[str, Any]) -> None:
    play(User(stack), scenario)
