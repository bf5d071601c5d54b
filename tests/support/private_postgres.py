"""A PostgreSQL server of the test's own, which the test may stop, start and restart.

The fault tests restart PostgreSQL under a running sweep or delivery. The shared server at
``PATHWAYS_TEST_POSTGRES_URL`` serves every other test, so it is never touched: this module
makes a throw-away cluster (``initdb`` into a temporary directory, as the ``postgres`` system
user, since the server refuses to run as root) on a free port. The binaries are those of the
installed server (``pg_config --bindir``, else ``/usr/lib/postgresql/<n>/bin``); when they are
missing the test fails and says so, it is not skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SERVER_USER = "postgres"
START_TIMEOUT_S = 30


class PrivatePostgresError(RuntimeError):
    """The private server could not be made or did not answer."""


def _bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(found.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    initdb = shutil.which("initdb")
    if initdb is not None:
        return Path(os.path.realpath(initdb)).parent
    raise PrivatePostgresError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    """The command as the ``postgres`` user when this process is root (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


@dataclass
class PrivatePostgres:
    bindir: Path
    data_dir: Path
    port: int
    database: str

    @property
    def admin_conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test's database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args]
        done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
        if done.returncode != 0:
            raise PrivatePostgresError(f"pg_ctl {args[0]} failed: {done.stderr.strip()}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir} "
            # A test server: durability is not what is under test, speed is welcome.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.data_dir / "server.log"
        self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-o", options, "-l", str(log))
        self.wait_ready()

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session as a restart does; ``immediate`` is a crash."""
        self._pg_ctl("stop", "-w", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with psycopg.connect(self.admin_conninfo, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def terminate_sessions(self) -> int:
        """Ends every other session on the test database (the clients' view of a restart,
        without the server going away); returns how many were ended."""
        with psycopg.connect(self.admin_conninfo, autocommit=True) as connection:
            ended = connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchone()
        return int(ended[0]) if ended else 0


def _initdb(bindir: Path, data_dir: Path) -> None:
    command = [
        str(bindir / "initdb"),
        "-D",
        str(data_dir),
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    ]
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        raise PrivatePostgresError(f"initdb failed: {done.stderr.strip()}")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh, running server with one empty database; stopped and removed afterwards."""
    try:
        bindir = _bindir()
    except PrivatePostgresError as missing:
        pytest.fail(str(missing))
    root = Path(tempfile.mkdtemp(prefix="jpp-pg-"))
    data_dir = root / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        server = pwd.getpwnam(SERVER_USER)
        for path in (root, data_dir):
            os.chown(path, server.pw_uid, server.pw_gid)
    server_handle = PrivatePostgres(bindir, data_dir, _free_port(), f"jpp_{uuid.uuid4().hex[:8]}")
    try:
        _initdb(bindir, data_dir)
        server_handle.start()
        with psycopg.connect(server_handle.admin_conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(server_handle.database))
            )
        yield server_handle
    finally:
        # Never started, or already stopped by the test: nothing to stop.
        with suppress(PrivatePostgresError):
            server_handle.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
