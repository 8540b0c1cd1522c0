"""Fixtures for the records tests: every test that asks for ``db_url`` runs twice, on SQLite and on PostgreSQL.

The PostgreSQL run uses the real test server of ``tests/services/postgres.py``
(started once per process); each test gets a database of its own, dropped
afterwards. If that server cannot start, the PostgreSQL half of the tests
fails: a records change is never "tested" on SQLite alone without anyone noticing.

Helpers that make people, children and filings are plain functions in
``records_support.py``; they write through ``records.db.session_scope``, so
they use whichever database ``db_url`` set up.
"""
from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

# Where a test that forgot ``db_url`` would connect: nowhere (SQLAlchemy refuses the URL), so no
# test ever writes the real var/records.db.
NO_DATABASE = "no-database-requested://ask-for-the-db_url-fixture"


def _clear_db_caches() -> None:
    from records import db

    db.get_engine.cache_clear()
    db._session_factory.cache_clear()


@pytest.fixture(autouse=True)
def _records_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled village directory, default visit intervals, and no database unless asked for."""
    monkeypatch.setenv("DATABASE_URL", NO_DATABASE)
    for name in ("VILLAGE_DIRECTORY", "VISIT_INTERVAL_DAYS", "TELEGRAM_BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty records database (no tables yet: the first use migrates it), as ``DATABASE_URL``.

    Engine caches are cleared before and after; every engine made during the test
    is disposed, and the PostgreSQL database is dropped.
    """
    from records import db

    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        from tests.services.postgres import session_server

        try:
            server = session_server()
        except Exception as error:  # noqa: BLE001 - not installed, cannot start: the test must fail
            pytest.fail(f"the test PostgreSQL server did not start, so the PostgreSQL run fails: {error}",
                        pytrace=False)
        name = f"records_{uuid.uuid4().hex[:20]}"
        url = server.create_database(name)

        def drop() -> None:
            server.drop_database(name)

    engines = []
    make_engine = db._make_engine

    def tracked_engine(engine_url: str):
        engine = make_engine(engine_url)
        engines.append(engine)
        return engine

    monkeypatch.setattr(db, "_make_engine", tracked_engine)
    monkeypatch.setenv("DATABASE_URL", url)
    _clear_db_caches()
    try:
        yield url
    finally:
        _clear_db_caches()
        for engine in engines:
            engine.dispose()
        if drop is not None:
            drop()
