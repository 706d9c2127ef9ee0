"""``flask --app gateway create-user``: staff accounts from the command line."""

from __future__ import annotations

import click
from flask import Flask

from common.app import session
from common.problems import Problem
from gateway import services
from gateway.domain.identity import ROLES


def init_app(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--display-name", default=None)
    @click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="repeatable")
    def create_user(
        username: str, password: str, display_name: str | None, roles: tuple[str, ...]
    ) -> None:
        """Create a user with the given roles (member is implied)."""
        if len(password) < 8:
            raise click.BadParameter("at least 8 characters", param_hint="--password")
        try:
            user = services.create_user(session(), username, password, display_name, roles)
        except Problem as problem:
            raise click.ClickException(problem.detail) from problem
        click.echo(f"created {user.username} ({user.id}) with roles {', '.join(user.roles)}")
