"""Alembic environment: the app's engine and metadata; SQLite migrations run in batch mode.

On SQLite, batch mode re-creates a table to alter it. With foreign keys on, dropping the old
table silently deletes or nulls the rows that point at it, so foreign keys are switched off
for the migration (outside any transaction, where SQLite honours the pragma) and
`PRAGMA foreign_key_check` must come back empty before the migration commits.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
engine = target_db.engine
config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))


class ForeignKeyCheckFailed(RuntimeError):
    """A migration left rows pointing at rows that do not exist."""


def run_migrations_offline() -> None:
    """Emit the SQL instead of running it (`flask db upgrade --sql`)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _skip_empty_autogenerate(_context, _revision, directives) -> None:
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online() -> None:
    """Run the migrations in one transaction on the app's engine."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", _skip_empty_autogenerate)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")  # before BEGIN: SQLite ignores it inside one
        try:
            # SQLite does run DDL inside a transaction once the driver stops committing around it.
            context.configure(connection=connection, target_metadata=target_db.metadata,
                              transactional_ddl=True, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise ForeignKeyCheckFailed(f"rows with broken foreign keys: {broken[:10]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
