"""Alembic, driven from Python: each app keeps its migrations beside its code.

``python -m common.migrations upgrade [APP...]`` creates each app's database
when missing and upgrades it to head. An app's ``migrations/env.py`` is two
lines that call :func:`run_env`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import engine_from_config, pool

from common.db import ensure_database
from common.settings import Settings, environment
from suite import APPS, app

# app name -> its package (create_app and migrations/), from the suite manifest
APP_MODULES = {each.name: each.package for each in APPS}

log = logging.getLogger(__name__)


def alembic_config(app_name: str, database_url: str) -> Config:
    package = importlib.import_module(APP_MODULES[app_name])
    assert package.__file__ is not None
    directory = Path(package.__file__).parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(directory))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["app_name"] = app_name
    return config


def upgrade(app_name: str, database_url: str | None = None, server_url: str | None = None) -> None:
    settings = Settings.from_env(app_name) if database_url is None else None
    url = database_url or (settings.database_url if settings else "")
    server = server_url or environment()["DATABASE_URL"]
    if ensure_database(server, url):
        log.info("created the %s database", app_name)
    command.upgrade(alembic_config(app_name, url), "head")


def run_env() -> None:
    """The body of every app's migrations/env.py."""
    config = context.config
    app_name = config.attributes.get("app_name") or config.get_main_option("app_name")
    if not app_name:
        raise RuntimeError("run_env() needs the app's name (alembic_config sets it)")
    models = importlib.import_module(app(app_name).models)
    metadata = models.Base.metadata
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Migrate the suite's databases")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="create missing databases and upgrade them to head")
    up.add_argument("apps", nargs="*", default=list(APP_MODULES))
    rev = sub.add_parser("revision", help="autogenerate a revision for one app")
    rev.add_argument("app")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "upgrade":
        for app_name in args.apps:
            upgrade(app_name)
            print(f"{app_name}: at head")
    else:
        settings = Settings.from_env(args.app)
        ensure_database(environment()["DATABASE_URL"], settings.database_url)
        command.revision(
            alembic_config(args.app, settings.database_url), message=args.message, autogenerate=True
        )


if __name__ == "__main__":
    main()
