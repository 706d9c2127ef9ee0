"""``flask --app services.points reconcile``: check the whole ledger from the command line."""

from __future__ import annotations

import json

import click
from flask import Flask

from common.app import session
from services.points.usecases import reconcile as ledger_check


def init_app(app: Flask) -> None:
    @app.cli.command("reconcile")
    @click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
    def reconcile(as_json: bool) -> None:
        """Check that accounts sum to zero, balances equal their replay, and chains hold."""
        db = session()
        # a read-only check: nothing to commit, so no unit of work; the snapshot is let go
        ledger_check.read_only_snapshot(db)
        report = ledger_check.reconcile(db)
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
