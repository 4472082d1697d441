"""Alembic environment: runs against the engine the app hands over (see pwa/migrate.py)."""
from alembic import context

from pwa import models  # noqa: F401  (registers the tables on Base.metadata)
from pwa.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
