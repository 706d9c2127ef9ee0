from marshmallow import Schema, fields, validate

from gateway.domain.identity import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ROLES,
    USERNAME_PATTERN,
)


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


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH)
    )


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


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
