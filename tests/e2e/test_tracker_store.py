"""The conversation store Rasa runs with (bot/tracker_store.py), on SQLite and on PostgreSQL.

It runs in the rasa runtime, so each check is a short script under that runtime's Python.
"""
from __future__ import annotations

import os
import subprocess

import pytest

from bot.stack import ROOT
from tests.services.postgres import PostgresServer

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def run_check(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RASA_PYTHON), str(ROOT / "tests" / "e2e" / "tracker_store_check.py"), url],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
    )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_conversations_are_saved_and_an_erased_one_is_deleted(database, tmp_path, records_server: PostgresServer):
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        url = records_server.url("hutong_tracker_check", driver="")
        records_server.create_database("hutong_tracker_check")
    done = run_check(url)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-3000:]
