"""A real PostgreSQL server for the database tests: `BOT_TEST_POSTGRES_URL`, or a throwaway one.

Without the URL, a temporary cluster is made with Debian's PostgreSQL (`make test` installs
it): `initdb` into a temp folder, then `postgres` on a private Unix socket (no TCP), run as
the `postgres` user when the tests run as root (PostgreSQL refuses root). It is stopped by
its own PID. When no server can be had the tests fail, saying why; they never skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

INSTALL = "apt-get install -y --no-install-recommends postgresql (`make test` does it)"


class Postgres:
    """A server the tests may create databases on."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+psycopg")

    def _admin(self) -> psycopg.Connection[Any]:
        url = self.url.set(database="postgres")
        query = dict(url.query)
        return psycopg.connect(
            dbname=url.database,
            user=url.username,
            password=url.password,
            host=url.host or query.get("host"),
            port=url.port or query.get("port"),
            autocommit=True,
        )

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"bot_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url.set(database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        """Stop the server (only a throwaway one can be)."""
        raise AssertionError("cannot stop a server given by BOT_TEST_POSTGRES_URL")

    def start(self) -> None:
        raise AssertionError("cannot start a server given by BOT_TEST_POSTGRES_URL")

    def close(self) -> None:
        pass


class TemporaryPostgres(Postgres):
    """A cluster in a temp folder, listening only on a Unix socket there."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert found, f"PostgreSQL is not installed and BOT_TEST_POSTGRES_URL is not set: {INSTALL}"
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        self.as_user: dict[str, int] = {}
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise AssertionError(f"no `postgres` user to run the server as: {INSTALL}") from exc
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.as_user = {"user": account.pw_uid, "group": account.pw_gid}
        self.data = self.root / "data"
        done = subprocess.run(
            [
                self.bin / "initdb",
                "-D",
                self.data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
            text=True,
            cwd=self.root,
            **self.as_user,  # type: ignore[call-overload]
        )
        assert done.returncode == 0, f"initdb failed: {done.stderr}"
        with socket.socket() as probe:  # a free port number names the socket file
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None
        self.start()
        super().__init__(f"postgresql://postgres@/postgres?host={self.root}&port={self.port}")

    def start(self) -> None:
        log = (self.root / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.bin / "postgres",
                "-D",
                self.data,
                "-p",
                str(self.port),
                "-k",
                self.root,
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            **self.as_user,  # type: ignore[call-overload]
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [self.bin / "pg_isready", "-h", self.root, "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            server_log = (self.root / "server.log").read_text(errors="replace")
            assert self.process.poll() is None, f"postgres exited: {server_log}"
            assert time.monotonic() < deadline, f"postgres did not start: {server_log}"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown of our own server
            self.process.wait(timeout=30)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def provide() -> Postgres:
    """The server for this test session."""
    url = os.environ.get("BOT_TEST_POSTGRES_URL")
    return Postgres(url) if url else TemporaryPostgres()
