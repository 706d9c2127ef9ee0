"""The gateway's request and response bodies; request schemas load into typed commands."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from gateway.domain.identity import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ROLES,
    USERNAME_PATTERN,
)
from gateway.usecases.identity import Credentials, NewAccount, Refresh, RoleGrant
from gateway.usecases.invites import MAX_USES, NewInvite


class RegisterSchema(Schema):
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            USERNAME_PATTERN,
            error="3 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        ),
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
    )
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    invite_code = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "a coordinator's code: past the per-address limit"},
    )

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> NewAccount:
        return NewAccount(
            data["username"],
            data["password"],
            data["display_name"],
            invite_code=data["invite_code"],
        )


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH)
    )

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> Credentials:
        return Credentials(data["username"], data["password"])


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> Refresh:
        return Refresh(data["refresh_token"])


class TokenPairSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserSchema(Schema):
    id = fields.UUID()
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    organization_ids = fields.List(fields.UUID())
    created_at = fields.DateTime()


class RolesSchema(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    organization_ids = fields.List(fields.UUID(), load_default=list)

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> RoleGrant:
        return RoleGrant(tuple(data["roles"]), tuple(data["organization_ids"]))


class InviteIn(Schema):
    organization_id = fields.UUID(required=True)
    uses = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_USES))
    expires_at = fields.AwareDateTime(required=True)

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> NewInvite:
        return NewInvite(data["organization_id"], data["uses"], data["expires_at"])


class InviteSchema(Schema):
    code = fields.String()
    organization_id = fields.UUID()
    uses = fields.Integer()
    used = fields.Integer()
    expires_at = fields.DateTime()
    created_by = fields.UUID()
    qr_svg_url = fields.Method("_qr_url")

    def _qr_url(self, invite: Any) -> str:
        return f"/api/v1/auth/invites/{invite.code}/qr.svg"
