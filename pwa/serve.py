"""`flask --app app serve`: the production server (gunicorn) on HOST:PORT, optionally over HTTPS."""
from __future__ import annotations

import os

from flask import Flask
from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, workers: int | None = None, certfile: str | None = None, keyfile: str | None = None) -> None:
    # The engine's pool must not be shared across forked workers: each worker opens its own connections.
    app.extensions["journal_engine"].dispose()
    options = {"bind": f"{app.config['HOST']}:{app.config['PORT']}",
               "workers": workers or int(os.environ.get("WEB_CONCURRENCY", 2)),
               "threads": 4, "worker_class": "gthread", "timeout": 60, "accesslog": "-" if app.debug else None,
               "post_fork": lambda _server, _worker: app.extensions["journal_engine"].dispose(close=False)}
    if certfile:
        options.update(certfile=certfile, keyfile=keyfile)
    Server(app, options).run()
