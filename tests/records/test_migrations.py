"""The schema comes only from the Alembic migrations: they make what the models describe, go down and up
again, and adopt a database made before migrations existed without losing its rows."""
from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, insert, select, table, column, text

from records import db
from records.models import Base

# The newest revision, as the migrations directory says (not a number written here to go stale).
HEAD = ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()

MODEL_TABLES = set(Base.metadata.tables)
FIRST_TABLES = {"registrations", "visit_logs", "concern_reports", "handoff_tickets"}


def _run(engine: Engine, what, revision: str) -> None:
    """Run an Alembic command (upgrade/downgrade) on ``engine``'s database."""
    with engine.begin() as connection:
        config = db.alembic_config(db.database_url())
        config.attributes["connection"] = connection
        what(config, revision)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_from_empty_makes_every_table(db_url: str) -> None:
    engine = db._make_engine(db_url)
    assert _tables(engine) == set()
    db.migrate(engine)
    assert _tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert _revision(engine) == HEAD


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = db.get_engine()
    assert _differences(engine) == []


def test_downgrade_to_base_then_upgrade_again(db_url: str) -> None:
    engine = db.get_engine()
    _run(engine, command.downgrade, "base")
    assert _tables(engine) == {"alembic_version"}
    assert _revision(engine) is None
    _run(engine, command.upgrade, "head")
    assert _tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert _differences(engine) == []


def test_downgrade_one_step_keeps_the_first_tables_and_their_rows(db_url: str) -> None:
    engine = db.get_engine()
    _insert_first_rows(engine)
    _run(engine, command.downgrade, "0001")
    assert _tables(engine) == FIRST_TABLES | {"alembic_version"}
    with engine.connect() as connection:
        assert connection.execute(text("select ref from registrations")).scalars().all() == ["BB20261120-AAAA"]
    _run(engine, command.upgrade, "head")
    assert _differences(engine) == []


def _insert_first_rows(engine: Engine) -> None:
    """One row in each table of revision 0001, with only the columns that revision had."""
    filed = {"submission_key": None, "sender_id": "tg:old-parent",
             "created_at": dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc)}
    registrations = table("registrations", *(column(c) for c in (
        "ref", "submission_key", "sender_id", "created_at", "child_name", "child_age", "village", "carer_name",
        "carer_relation", "carer_phone", "work_city", "parent_phone", "expected_return", "consent_to_share")))
    visits = table("visit_logs", *(column(c) for c in (
        "ref", "submission_key", "sender_id", "created_at", "child_name", "visit_date", "kind", "findings",
        "risk_level", "next_visit_date")))
    reports = table("concern_reports", *(column(c) for c in (
        "ref", "submission_key", "sender_id", "created_at", "description", "situation", "child", "place",
        "occurred", "police_called", "reporter_role")))
    tickets = table("handoff_tickets", *(column(c) for c in (
        "ref", "sender_id", "reason", "urgent", "status", "summary", "created_at")))
    with engine.begin() as connection:
        connection.execute(insert(registrations).values(
            **{**filed, "submission_key": "k-reg"}, ref="BB20261120-AAAA", child_name="王小明", child_age=8,
            village="大磨滩村", carer_name="李秀英", carer_relation="奶奶", carer_phone="13912345678",
            work_city="深圳", parent_phone="13812345678", expected_return="2027-02", consent_to_share=True))
        connection.execute(insert(visits).values(
            **{**filed, "submission_key": "k-visit"}, ref="TF20261120-AAAA", child_name="王小明",
            visit_date=dt.date(2026, 11, 20), kind="入户", findings="一切正常", risk_level="无",
            next_visit_date=dt.date(2027, 2, 18)))
        connection.execute(insert(reports).values(
            **{**filed, "submission_key": "k-report"}, ref="BG20261120-AAAA", description="孩子身上有伤",
            situation=1, child="赵小红", place="村口", occurred="昨天", police_called=False, reporter_role="邻居"))
        connection.execute(insert(tickets).values(
            ref="RG20261120-AAAA", sender_id="tg:old-parent", reason="report", urgent=False, status="open",
            summary="强制报告 BG20261120-AAAA", created_at=filed["created_at"]))


def test_a_database_made_before_migrations_is_adopted_with_its_rows(db_url: str) -> None:
    """The first four tables, no alembic_version: ``migrate`` stamps it 0001 and upgrades it."""
    engine = db._make_engine(db_url)
    _run(engine, command.upgrade, "0001")
    with engine.begin() as connection:
        connection.execute(text("drop table alembic_version"))
    assert _tables(engine) == FIRST_TABLES
    _insert_first_rows(engine)

    db.migrate(engine)

    assert _revision(engine) == HEAD
    assert _tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert _differences(engine) == []
    from records.models import ConcernReport, HandoffTicket, Registration, VisitLog

    with engine.connect() as connection:
        registration = connection.execute(select(Registration)).one()
        assert (registration.ref, registration.child_name, registration.carer_phone, registration.status) == (
            "BB20261120-AAAA", "王小明", "13912345678", "new")
        assert registration.child_id is None and registration.township is None
        visit = connection.execute(select(VisitLog)).one()
        assert (visit.ref, visit.findings, visit.next_visit_date) == ("TF20261120-AAAA", "一切正常",
                                                                       dt.date(2027, 2, 18))
        concern = connection.execute(select(ConcernReport)).one()
        assert (concern.ref, concern.description, concern.urgent) == ("BG20261120-AAAA", "孩子身上有伤", False)
        ticket = connection.execute(select(HandoffTicket)).one()
        assert (ticket.ref, ticket.status, ticket.summary) == ("RG20261120-AAAA", "open", "强制报告 BG20261120-AAAA")


def test_migrating_again_changes_nothing(db_url: str) -> None:
    engine = db.get_engine()
    _insert_first_rows(engine)
    db.migrate(engine)
    db.migrate(engine)
    assert _revision(engine) == HEAD
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from registrations")).scalar_one() == 1


def test_the_migrate_command_brings_the_configured_database_up_to_date(
        db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from records.__main__ import main

    assert main(["migrate"]) == 0
    assert "数据库结构已是最新" in capsys.readouterr().out
    engine = db._make_engine(db_url)
    assert _tables(engine) == MODEL_TABLES | {"alembic_version"}
