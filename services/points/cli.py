"""``flask --app services.points reconcile``: check the whole ledger from the command line."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import Flask

from common.app import session
from services.points import services


def init_app(app: Flask) -> None:
    @app.cli.command("reconcile")
    @click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
    def reconcile(as_json: bool) -> None:
        """Check that accounts sum to zero, balances equal their replay, and chains hold."""
        db = session()
        db.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        report = services.reconcile(db)
        db.rollback()
        if as_json:
            click.echo(json.dumps(report.as_dict(), indent=2))
        else:
            click.echo(
                f"checked {report.accounts} accounts and {report.transfers} transfers; "
                f"members hold {report.member_total}, system accounts {report.system_total}"
            )
            for problem in report.problems:
                click.echo(f"OFF {problem.account} [{problem.check}]: {problem.detail}")
            click.echo("the ledger is consistent" if report.ok else "the ledger is NOT consistent")
        if not report.ok:
            raise SystemExit(1)
