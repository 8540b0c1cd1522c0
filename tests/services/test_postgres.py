"""The test PostgreSQL server: a real one, on a port of its own so that stopping it here does not
disturb the shared session server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.services.postgres import HOST, PostgresServer, session_server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _select_one(url: str) -> int:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("select 1")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """A server of this module's own, under the default /tmp/hutong-test-pg-<port> layout."""
    server = PostgresServer(port=_free_port())
    shutil.rmtree(server.data_dir, ignore_errors=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
        server._lock_file.unlink(missing_ok=True)


@pytest.fixture()
def started(server: PostgresServer) -> PostgresServer:
    """The module's server, running (a test before may have stopped it)."""
    server.start()
    return server


def test_start_runs_and_accepts(started: PostgresServer) -> None:
    assert started.running()
    assert started.accepting()
    assert (started.pgdata / "PG_VERSION").is_file()


def test_connect_with_sqlalchemy_and_psycopg(started: PostgresServer) -> None:
    url = started.url("postgres")
    assert url == f"postgresql+psycopg://postgres@127.0.0.1:{started.port}/postgres"
    assert _select_one(url) == 1


def test_settings(started: PostgresServer) -> None:
    engine = sa.create_engine(started.url("postgres"))
    try:
        with engine.connect() as conn:
            show = {name: conn.execute(sa.text(f"show {name}")).scalar_one()
                    for name in ("server_encoding", "listen_addresses", "fsync", "synchronous_commit",
                                 "unix_socket_directories", "port")}
    finally:
        engine.dispose()
    assert show == {
        "server_encoding": "UTF8", "listen_addresses": "127.0.0.1", "fsync": "off",
        "synchronous_commit": "off", "unix_socket_directories": str(started.data_dir),
        "port": str(started.port),
    }


def test_create_and_drop_database(started: PostgresServer) -> None:
    url = started.create_database("hutong_test_db")
    assert url == started.url("hutong_test_db")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (x text)"))
            conn.execute(sa.text("insert into t values ('护童')"))
        held = engine.connect()  # an open connection must not stop the re-create or the drop
        assert held.execute(sa.text("select x from t")).scalar_one() == "护童"
        # Creating it again gives an empty database, even with a connection open to the old one.
        started.create_database("hutong_test_db")
        with engine.connect() as conn:
            assert conn.execute(sa.text("select to_regclass('t')")).scalar_one() is None
        started.drop_database("hutong_test_db")
        started.drop_database("hutong_test_db")  # dropping a missing database is fine
    finally:
        engine.dispose()
    assert started.psql("select count(*) from pg_database where datname = 'hutong_test_db'") == "0"


def test_stop_makes_connections_fail_and_start_again_works(started: PostgresServer) -> None:
    url = started.url("postgres")
    started.stop()
    assert not started.running()
    started.stop()  # stopping a stopped server is fine
    with pytest.raises(sa.exc.OperationalError):
        _select_one(url)
    started.start()
    started.start()  # starting a running server is fine
    assert _select_one(url) == 1


def test_listens_on_127_0_0_1_only(started: PostgresServer) -> None:
    with socket.create_connection((HOST, started.port), timeout=5):
        pass
    # Another loopback address and IPv6 loopback: nothing there.
    for family, address in ((socket.AF_INET, "127.0.0.2"), (socket.AF_INET6, "::1")):
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            try:
                assert sock.connect_ex((address, started.port)) != 0
            except OSError:
                pass  # no IPv6 on this machine: nothing listens there either
    # The kernel's own list of listening sockets on the port: 127.0.0.1 and nothing else.
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == started.port:  # 0A: LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex


def test_a_second_object_finds_the_running_server(started: PostgresServer) -> None:
    """A server left running by an earlier process: start() leaves it be."""
    other = PostgresServer(port=started.port)
    assert other.running()
    pid = other._pid_file_pid()
    other.start()
    assert other._pid_file_pid() == pid
    assert _select_one(other.url("postgres")) == 1


def test_stale_postmaster_pid_of_a_live_unrelated_process(started: PostgresServer) -> None:
    started.stop()
    pid_file = started.pgdata / "postmaster.pid"
    # The PID of this very test process: alive, but not a postmaster of this cluster.
    pid_file.write_text(f"{os.getpid()}\n{started.pgdata}\n0\n{started.port}\n\n\n\nstopping\n")
    assert not started.running()
    started.start()
    assert started._pid_file_pid() != os.getpid()
    assert _select_one(started.url("postgres")) == 1


def test_killed_postmaster_is_restarted(started: PostgresServer) -> None:
    pid = started._pid_file_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while started.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not started.running()
    assert (started.pgdata / "postmaster.pid").exists()  # left behind by the killed server
    started.start()
    assert _select_one(started.url("postgres")) == 1


def test_cluster_of_another_major_version_is_made_anew(started: PostgresServer) -> None:
    started.stop()
    (started.pgdata / "PG_VERSION").write_text("9\n")  # as if PostgreSQL was upgraded since
    started.start()
    assert _select_one(started.url("postgres")) == 1
    assert (started.pgdata / "PG_VERSION").read_text().strip() != "9"


def test_half_made_cluster_is_made_anew() -> None:
    server = PostgresServer(port=_free_port())
    try:
        shutil.rmtree(server.data_dir, ignore_errors=True)
        server.pgdata.mkdir(parents=True)
        (server.pgdata / "junk").write_text("an initdb that was killed\n")
        server.start()
        assert _select_one(server.url("postgres")) == 1
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
        server._lock_file.unlink(missing_ok=True)


def test_port_taken_by_another_server_fails_clearly(started: PostgresServer) -> None:
    intruder = PostgresServer(data_dir=Path(f"/tmp/hutong-test-pg-intruder-{started.port}"), port=started.port)
    try:
        shutil.rmtree(intruder.data_dir, ignore_errors=True)
        with pytest.raises(RuntimeError, match="Address already in use|did not start"):
            intruder.start(timeout=15)
        assert not intruder.running()
    finally:
        intruder.stop()
        shutil.rmtree(intruder.data_dir, ignore_errors=True)
        intruder._lock_file.unlink(missing_ok=True)


def test_session_server_is_one_running_server() -> None:
    first = session_server()
    assert first is session_server()
    assert first.running()
    assert _select_one(first.url("postgres")) == 1


def test_install_is_a_no_op_when_installed() -> None:
    PostgresServer.install()  # PostgreSQL is here: no apt-get
