"""Intake benchmark: 20,000 actions in batches of 100 through the real server (gunicorn) into PostgreSQL and SQLite.

Prints actions per second and the p95 batch latency for each database. Not a test: it asserts nothing about speed.
Usage: .venv/bin/python bench/intake.py [--actions 20000] [--batch 100] [--clients 4]
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def make_actions(count: int) -> list[dict]:
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    kinds = [("issue", {"encounter": "ENC-2026-000123"}), ("requisition", {}), ("waste", {})]
    actions = []
    for number in range(count):
        kind, extra = kinds[number % len(kinds)]
        actions.append({"id": str(uuid.uuid4()), "type": kind, "created_at": now, "location": "WARD-4B",
                        "device_id": "bench-tablet", **extra,
                        "lines": [{"product": "SYR-10ML", "qty": 2}, {"scan": "07612340000034", "qty": 1},
                                  {"product": "GLV-N-M", "qty": 4, "reason": "expired"}]})
    return actions


def run_against(label: str, database_url: str, total: int, batch: int, clients: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(free_port()), "HOST": "127.0.0.1",
           "SECRET_KEY": "bench-secret-key-0123456789"}
    flask(env, "db", "upgrade")
    flask(env, "seed", "demo")
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "serve", "--workers", "2"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        token = requests.post(f"{base}/api/v1/login", json={"login": "nurse", "password": "demo",
                                                            "device_id": "bench-tablet"}, timeout=10).json()["token"]
        actions = make_actions(total)
        batches = [actions[i:i + batch] for i in range(0, total, batch)]
        latencies: list[float] = []
        accepted = 0
        lock = threading.Lock()

        def client(mine: list[list[dict]]) -> None:
            nonlocal accepted
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            for chunk in mine:
                started = time.perf_counter()
                response = http.post(f"{base}/api/v1/actions", json={"actions": chunk}, timeout=60)
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                ok = sum(r["status"] == "accepted" for r in response.json()["results"])
                with lock:
                    latencies.append(elapsed)
                    accepted += ok

        threads = [threading.Thread(target=client, args=(batches[i::clients],)) for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        p95 = statistics.quantiles(latencies, n=20)[-1]
        return {"label": label, "accepted": accepted, "seconds": wall, "per_second": accepted / wall,
                "p95_ms": p95 * 1000, "p50_ms": statistics.median(latencies) * 1000}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(f"intake: {args.actions} actions, batches of {args.batch}, {args.clients} clients, gunicorn 2 workers × 4 "
          f"threads; {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{datetime.now():%Y-%m-%d}")
    name = f"ws_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    results = []
    try:
        pg_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        results.append(run_against("PostgreSQL", pg_url, args.actions, args.batch, args.clients))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with tempfile.TemporaryDirectory() as folder:
        results.append(run_against("SQLite", f"sqlite:///{folder}/bench.db", args.actions, args.batch, args.clients))
    for result in results:
        print(f"{result['label']:<11} {result['accepted']:>6} accepted in {result['seconds']:6.1f} s = "
              f"{result['per_second']:7.0f} actions/s; batch of {args.batch}: p50 {result['p50_ms']:6.1f} ms, "
              f"p95 {result['p95_ms']:6.1f} ms")
    print(f"PostgreSQL / SQLite throughput ratio: {results[0]['per_second'] / results[1]['per_second']:.2f}")


if __name__ == "__main__":
    main()
