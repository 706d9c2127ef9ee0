"""``flask --app gateway create-user``: staff accounts from the command line."""

from __future__ import annotations

import click
from flask import Flask

from common.app import session
from common.errors import DomainError
from common.transaction import unit_of_work
from gateway.domain.identity import MIN_PASSWORD_LENGTH, ROLES
from gateway.usecases import identity


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
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.BadParameter(
                f"at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password"
            )
        account = identity.NewAccount(username, password, display_name, roles)
        try:
            with unit_of_work(session()):
                user = identity.create_user(session(), account)
        except DomainError as error:
            raise click.ClickException(error.detail) from error
        click.echo(f"created {user.username} ({user.id}) with roles {', '.join(user.roles)}")
