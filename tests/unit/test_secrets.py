"""Shared secrets are never a published default: generated once, owner-only, or given long enough."""
from __future__ import annotations

import pytest

from records.server_secrets import MIN_LENGTH, shared_secret


def test_a_secret_is_generated_once_owner_only_and_reused(tmp_path) -> None:
    first = shared_secret("ACTION_SERVER_TOKEN", tmp_path, {})
    assert len(first) >= MIN_LENGTH
    assert shared_secret("ACTION_SERVER_TOKEN", tmp_path, {}) == first
    path = tmp_path / "secrets" / "action_server_token"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700


def test_a_secret_from_the_environment_wins_but_must_be_long(tmp_path) -> None:
    given = "x" * MIN_LENGTH
    assert shared_secret("ACTION_SERVER_TOKEN", tmp_path, {"ACTION_SERVER_TOKEN": given}) == given
    with pytest.raises(ValueError):
        shared_secret("ACTION_SERVER_TOKEN", tmp_path, {"ACTION_SERVER_TOKEN": "dev-token-change-me"})
