"""Shared pieces of the benchmarks: a throwaway PostgreSQL database, environment for a
production-like server, gunicorn processes, and a small HTTP load generator.

Benchmarks print figures; they assert nothing. Compare the ratios measured in one run:
the machine is shared and noisy.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_database(name: str) -> str:
    """Drop and create a PostgreSQL database; return its URL."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def production_env(database_url: str) -> dict[str, str]:
    """A production-like environment (DJANGO_DEBUG=0), plain HTTP on loopback."""
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "AUDIT_ANCHOR_KEY": "bench-" + secrets.token_urlsafe(20),
        "IDENTITY_INDEX_KEY": "bench-" + secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "600",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "DB_PREPARED_STATEMENTS": os.environ.get("DB_PREPARED_STATEMENTS", "1"),
        "DJANGO_SETTINGS_MODULE": "practice.settings",
    }
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str], *, settings_module: str = "practice.settings", app: str = "practice.wsgi", workers: int = 2
):
    port = free_port()
    proc_env = {**env, "DJANGO_SETTINGS_MODULE": settings_module}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=proc_env,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def fetch(port: int, path: str, cookie: str, timeout: float = 10) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


def _load_worker(port, path, cookie, seconds, queue):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = errors = 0
    end = time.time() + seconds
    while time.time() < end:
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            errors += 1
    conn.close()
    queue.put((done, errors))


def requests_per_second(port: int, path: str, cookie: str, *, seconds: float = 5, clients: int = 4) -> float:
    """Closed-loop load from `clients` processes with keep-alive connections."""
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_load_worker, args=(port, path, cookie, seconds, queue)) for _ in range(clients)]
    start = time.time()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.time() - start
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    if errors:
        raise RuntimeError(f"{errors} non-200 responses from {path}")
    return done / elapsed


def median(values):
    return statistics.median(values)
