"""Sync workers for the crash test, started in milliseconds: this process imports the app once, then forks one
worker process per line "fork" on its standard input and answers with the worker's pid. The test kills workers with
SIGKILL; before forking the next one this process reaps the last, so two workers never overlap.

Configured like `flask --app app sync run` from the environment (DATABASE_URL, ODOO_*).
"""
from __future__ import annotations

import os
import sys

from app import create_app
from sync.retry import Backoff
from sync.worker import run_worker


def work() -> None:
    app = create_app()  # after the fork: the worker's own database and Odoo connections
    run_worker(app, once=False, batch_size=4, poll_seconds=0.05, backoff=Backoff(base=0), echo=lambda _line: None)


def main() -> None:
    children: list[int] = []
    for line in sys.stdin:
        if line.strip() != "fork":
            continue
        for child in children:
            os.waitpid(child, 0)
        children.clear()
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            try:
                work()
            finally:
                os._exit(0)
        children.append(pid)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
