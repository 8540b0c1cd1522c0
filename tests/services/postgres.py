"""A throw-away PostgreSQL server for the test suite.

The server is the distribution's own PostgreSQL (``/usr/lib/postgresql/<version>/bin``, the highest
version wins), run from a private cluster that this module creates:

* it listens on 127.0.0.1 only, on port ``HUTONG_TEST_PG_PORT`` (default 54329), and on a Unix
  socket inside its own directory, never on the system's ``/var/run/postgresql``;
* everyone on this machine may connect as the superuser ``postgres`` without a password (trust);
* fsync, synchronous_commit and full_page_writes are off: fast, and not crash-safe, which a test
  database need not be.

Layout of the directory (default ``/tmp/hutong-test-pg-<port>``)::

    <dir>/pgdata/      the cluster (PGDATA); made by initdb when it holds no cluster
    <dir>/server.log   the server's log, whose tail is shown when it does not start
    <dir>/.s.PGSQL.<port>   the Unix socket
    <dir>.lock         serialises start/stop between processes

As root the server runs as the ``postgres`` OS user (through ``runuser``), since PostgreSQL refuses to
run as root; as any other user it runs as that user.

Everything is idempotent: ``start`` on a running server does nothing, ``stop`` on a stopped one does
nothing, and a ``postmaster.pid`` left by a server that was killed is noticed and removed.

Command line::

    python -m tests.services.postgres install      # apt-get install postgresql, when it is missing
    python -m tests.services.postgres start|stop|status
    python -m tests.services.postgres url NAME     # the SQLAlchemy URL of database NAME
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import functools
import os
import pwd
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

__all__ = ["PostgresError", "PostgresServer", "session_server", "DEFAULT_PORT", "PORT_ENV"]

PORT_ENV = "HUTONG_TEST_PG_PORT"
DEFAULT_PORT = 54329
SUPERUSER = "postgres"
HOST = "127.0.0.1"
OS_USER = "postgres"
PG_ROOT = Path("/usr/lib/postgresql")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30

_CONF_NAME = "hutong_test.conf"
_LOG_TAIL_LINES = 40


class PostgresError(RuntimeError):
    """PostgreSQL could not be installed, started, stopped or asked something."""


def _bin_dir() -> Path | None:
    """The ``bin`` directory of the highest PostgreSQL version installed, or None."""
    found: list[tuple[tuple[int, ...], Path]] = []
    for postgres in PG_ROOT.glob("*/bin/postgres"):
        version = postgres.parent.parent.name
        if re.fullmatch(r"\d+(\.\d+)*", version) and os.access(postgres, os.X_OK):
            found.append((tuple(int(part) for part in version.split(".")), postgres.parent))
    return max(found)[1] if found else None


def _is_root() -> bool:
    return os.geteuid() == 0


def _clean_env() -> dict[str, str]:
    """This process's environment without the libpq variables (PGHOST, PGOPTIONS, ...)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8" if _has_c_utf8() else "C"
    return env


@functools.cache
def _has_c_utf8() -> bool:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return False
    return any(line.strip().lower() in {"c.utf8", "c.utf-8"} for line in out.splitlines())


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_conf(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _check_db_name(name: str) -> None:
    if not name or "\x00" in name or len(name.encode()) > 63:
        raise ValueError(f"not a usable PostgreSQL database name: {name!r}")


class PostgresServer:
    """One private PostgreSQL cluster on 127.0.0.1:<port>, started and stopped on demand."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        """``port`` defaults to $HUTONG_TEST_PG_PORT, else 54329; ``data_dir`` to
        ``/tmp/hutong-test-pg-<port>``, a path the ``postgres`` OS user can reach."""
        if port is None:
            port = int(os.environ.get(PORT_ENV) or DEFAULT_PORT)
        if not 0 < port < 65536:
            raise ValueError(f"not a TCP port: {port}")
        self.port: int = port
        self.data_dir: Path = Path(data_dir or f"/tmp/hutong-test-pg-{port}").absolute()
        self.pgdata: Path = self.data_dir / "pgdata"
        self.log_file: Path = self.data_dir / "server.log"
        self.socket_dir: Path = self.data_dir
        self._lock_file: Path = self.data_dir.with_name(self.data_dir.name + ".lock")

    def __repr__(self) -> str:
        return f"PostgresServer(data_dir={str(self.data_dir)!r}, port={self.port})"

    # ---- installing -------------------------------------------------------------------------

    @staticmethod
    def install() -> None:
        """Install Debian's ``postgresql`` package unless some PostgreSQL server is installed."""
        if _bin_dir() is not None:
            return
        if not _is_root():
            raise PostgresError(
                f"PostgreSQL is not installed (no {PG_ROOT}/*/bin/postgres) and this is not root: "
                "install it with 'sudo apt-get install postgresql', or run this as root."
            )
        if shutil.which("apt-get") is None:
            raise PostgresError("PostgreSQL is not installed and there is no apt-get to install it with.")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
        if subprocess.run(install, env=env, check=False).returncode != 0:
            # A fresh machine's package lists may be missing or old: refresh them once, then retry.
            subprocess.run(["apt-get", "update"], env=env, check=True)
            subprocess.run(install, env=env, check=True)
        if _bin_dir() is None:
            raise PostgresError(f"apt-get installed postgresql, yet there is no {PG_ROOT}/*/bin/postgres.")

    # ---- the state on disk ------------------------------------------------------------------

    def _bin(self, program: str) -> str:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise PostgresError(
                f"PostgreSQL is not installed (no {PG_ROOT}/*/bin/postgres); "
                "run 'python -m tests.services.postgres install' (or 'make services')."
            )
        return str(bin_dir / program)

    def _as_server_user(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run as the OS user that owns the cluster."""
        if _is_root():
            return ["runuser", "-u", OS_USER, "--", *argv]
        return list(argv)

    def _run(self, argv: Sequence[str], *, as_server: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = self._as_server_user(argv) if as_server else list(argv)
        # cwd: the server user must be able to enter it (it may not enter /root, say).
        return subprocess.run(
            command, cwd=self.data_dir if self.data_dir.is_dir() else "/", env=_clean_env(),
            capture_output=True, text=True, check=False, timeout=timeout,
        )

    def _prepare_dir(self) -> None:
        """Make the directory, owned by the server user, and prove that user can write there."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _is_root():
            try:
                entry = pwd.getpwnam(OS_USER)
            except KeyError:
                raise PostgresError(
                    f"there is no '{OS_USER}' OS user to run PostgreSQL as (Debian's postgresql "
                    "package makes it): run 'python -m tests.services.postgres install'."
                ) from None
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        probe = self._run(["test", "-w", str(self.data_dir), "-a", "-x", str(self.data_dir)], as_server=True)
        if probe.returncode != 0:
            raise PostgresError(
                f"the '{OS_USER}' OS user cannot write {self.data_dir} (is one of its parents closed "
                "to it?): pass a data_dir under /tmp."
            )

    def _initdb(self) -> None:
        """Make a new cluster in pgdata/, unless one is there; a half-made one, or one of another
        major version than the server installed now, is thrown away (it only ever holds test data)."""
        version_file = self.pgdata / "PG_VERSION"
        if version_file.is_file():
            if version_file.read_text().strip() == Path(self._bin("postgres")).parent.parent.name:
                return
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        base = [self._bin("initdb"), "-D", str(self.pgdata), "-U", SUPERUSER, "-E", "UTF8",
                "--auth=trust", "--no-instructions"]
        result = None
        for locale in (["--locale=C.UTF-8"] if _has_c_utf8() else []) + ["--locale=C"]:
            result = self._run([*base, locale], as_server=True)
            if result.returncode == 0:
                break
            shutil.rmtree(self.pgdata, ignore_errors=True)
        assert result is not None
        if result.returncode != 0:
            raise PostgresError(f"initdb failed in {self.pgdata}:\n{result.stdout}{result.stderr}")
        (self.pgdata / "pg_hba.conf").write_text(
            "# Written by tests/services/postgres.py: a test server, open to this machine only.\n"
            "# TYPE  DATABASE  USER  ADDRESS       METHOD\n"
            "local   all       all                 trust\n"
            "host    all       all   127.0.0.1/32  trust\n"
        )
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# Written by tests/services/postgres.py, rewritten at every start.\ninclude = '{_CONF_NAME}'\n")
        self._chown_to_server(self.pgdata / "pg_hba.conf")

    def _write_conf(self) -> None:
        """The settings that depend on this object (port, socket), written before every start."""
        conf = self.pgdata / _CONF_NAME
        conf.write_text(
            f"listen_addresses = '{HOST}'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = {_quote_conf(str(self.socket_dir))}\n"
            "fsync = off\n"
            "synchronous_commit = off\n"
            "full_page_writes = off\n"
            "max_connections = 100\n"
            "log_min_messages = warning\n"
            "log_line_prefix = '%m [%p] '\n"
        )
        self._chown_to_server(conf)

    def _chown_to_server(self, path: Path) -> None:
        if _is_root():
            entry = pwd.getpwnam(OS_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o600)

    def _pid_file_pid(self) -> int | None:
        try:
            first = (self.pgdata / "postmaster.pid").read_text().splitlines()[0]
            return int(first.strip())
        except (OSError, IndexError, ValueError):
            return None

    def _serves_this_cluster(self, pid: int) -> bool:
        """Whether process ``pid`` is alive and a PostgreSQL process working in our pgdata."""
        try:
            return Path(f"/proc/{pid}/cwd").resolve(strict=True) == self.pgdata.resolve()
        except OSError:
            return False

    def _leftover_pids(self) -> list[int]:
        """Processes still working in pgdata (backends of a killed postmaster, say)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and self._serves_this_cluster(int(entry.name)):
                pids.append(int(entry.name))
        return pids

    def _clear_stale_state(self) -> None:
        """Remove the postmaster.pid and socket lock files of a server that is gone."""
        deadline = time.monotonic() + 10
        while self._leftover_pids() and time.monotonic() < deadline:
            time.sleep(0.2)  # orphaned backends exit by themselves once they see the postmaster died
        for stale in [self.pgdata / "postmaster.pid", *self.socket_dir.glob(".s.PGSQL.*")]:
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(lines[-_LOG_TAIL_LINES:]) or "(the server log is empty)"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise start/stop among the processes of this machine."""
        self._lock_file.parent.mkdir(parents=True, exist_ok=True)
        with self._lock_file.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # ---- running ----------------------------------------------------------------------------

    def running(self) -> bool:
        """Whether this cluster's postmaster is alive (whether or not it accepts connections yet)."""
        pid = self._pid_file_pid()
        return pid is not None and self._serves_this_cluster(pid)

    def accepting(self) -> bool:
        """Whether the server takes connections, on its own Unix socket and on 127.0.0.1:<port>.

        The socket, inside our directory, proves that the server answering is this one and not
        some other server that holds the port."""
        for host in (str(self.socket_dir), HOST):
            result = self._run([self._bin("pg_isready"), "-q", "-h", host, "-p", str(self.port),
                                "-U", SUPERUSER, "-d", "postgres", "-t", "2"], timeout=10)
            if result.returncode != 0:
                return False
        return True

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the server unless it runs, and wait until it accepts connections."""
        with self._locked():
            if not self.running():
                self._prepare_dir()
                self._initdb()
                self._clear_stale_state()
                self._write_conf()
                result = self._run(
                    [self._bin("pg_ctl"), "start", "-D", str(self.pgdata), "-l", str(self.log_file), "-W",
                     "-s"],
                    as_server=True, timeout=timeout,
                )
                if result.returncode != 0:
                    raise PostgresError(
                        f"pg_ctl start failed for {self}:\n{result.stdout}{result.stderr}\n"
                        f"--- {self.log_file} (tail) ---\n{self._log_tail()}"
                    )
            self._wait_accepting(timeout)

    def _wait_accepting(self, timeout: float) -> None:
        started = time.monotonic()
        while True:
            if self.running() and self.accepting():
                return
            waited = time.monotonic() - started
            if waited > 2 and not self.running():
                # It gave up (the port is taken, a bad setting): no need to wait out the timeout.
                reason = "the server exited"
                break
            if waited > timeout:
                reason = f"it did not accept connections within {timeout:.0f} s"
                break
            time.sleep(0.1)
        raise PostgresError(
            f"PostgreSQL did not start ({reason}) for {self}.\n"
            f"--- {self.log_file} (tail) ---\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown: connections are closed) unless it is stopped."""
        with self._locked():
            if not self.running():
                if self.pgdata.is_dir():
                    self._clear_stale_state()
                return
            result = self._run(
                [self._bin("pg_ctl"), "stop", "-D", str(self.pgdata), "-m", "fast", "-w",
                 "-t", str(STOP_TIMEOUT), "-s"],
                as_server=True, timeout=STOP_TIMEOUT + 10,
            )
            if result.returncode != 0 and self.running():
                raise PostgresError(
                    f"pg_ctl stop failed for {self}:\n{result.stdout}{result.stderr}\n"
                    f"--- {self.log_file} (tail) ---\n{self._log_tail()}"
                )

    # ---- databases --------------------------------------------------------------------------

    def url(self, name: str, driver: str = "psycopg") -> str:
        """The SQLAlchemy URL of database ``name``; ``driver=""`` gives a plain ``postgresql://``
        (psycopg2 under SQLAlchemy 1.4, as Rasa uses it)."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{SUPERUSER}@{HOST}:{self.port}/{quote(name, safe='')}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql as the superuser; returns its unaligned output."""
        result = self._run([self._bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", HOST, "-p", str(self.port), "-U", SUPERUSER, "-d", database,
                            "-c", sql], timeout=60)
        if result.returncode != 0:
            raise PostgresError(f"psql failed on {sql!r}:\n{result.stdout}{result.stderr}")
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """(Re)create database ``name``, empty, dropping any old one and its connections;
        returns its SQLAlchemy URL."""
        self.drop_database(name)
        self.psql(f"CREATE DATABASE {_quote_ident(name)} ENCODING 'UTF8' TEMPLATE template0")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, closing its connections first."""
        _check_db_name(name)
        self.psql(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")


# ---- for the test suite's fixtures -----------------------------------------------------------

_session: PostgresServer | None = None
_session_lock = threading.Lock()


def session_server() -> PostgresServer:
    """The default server, started once per process; stopped when the process exits only if this
    process is the one that started it (a server someone else left running stays running)."""
    global _session
    with _session_lock:
        if _session is None:
            server = PostgresServer()
            was_running = server.running()
            server.start()
            if not was_running:
                atexit.register(server.stop)
            _session = server
        return _session


# ---- command line ----------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.services.postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=None, help=f"default: ${PORT_ENV} or {DEFAULT_PORT}")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: /tmp/hutong-test-pg-<port>")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="install PostgreSQL with apt-get when it is missing")
    commands.add_parser("start", help="start the server unless it runs")
    commands.add_parser("stop", help="stop the server unless it is stopped")
    commands.add_parser("status", help="say whether it runs; exit 0 if it does, 3 if not")
    url = commands.add_parser("url", help="print the SQLAlchemy URL of a database")
    url.add_argument("name")
    url.add_argument("--driver", default="psycopg", help="SQLAlchemy driver; '' for plain postgresql://")
    args = parser.parse_args(argv)

    try:
        if args.command == "install":
            PostgresServer.install()
            print(f"PostgreSQL: {_bin_dir()}")
            return 0
        server = PostgresServer(args.data_dir, args.port)
        if args.command == "start":
            server.start()
            print(f"PostgreSQL runs on {HOST}:{server.port} ({server.data_dir})")
        elif args.command == "stop":
            server.stop()
            print(f"PostgreSQL on {HOST}:{server.port} is stopped")
        elif args.command == "status":
            if server.running():
                print(f"running on {HOST}:{server.port} ({server.data_dir}), "
                      f"{'accepting' if server.accepting() else 'not accepting'} connections")
                return 0
            print(f"not running ({server.data_dir})")
            return 3
        elif args.command == "url":
            print(server.url(args.name, args.driver))
    except PostgresError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
