"""Tasks: coordinators post needs; members claim and finish them; a coordinator confirms."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, keyset_page, page_of
from common.problems import Problem
from services.volunteers import services
from services.volunteers.adapters.models import TASK_STATUSES, Task
from services.volunteers.api import Instant
from services.volunteers.domain.tasks import TASK_KINDS

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="Tasks")


class TaskIn(Schema):
    organization_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(TASK_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    due_at = Instant(load_default=None)


class TaskOut(Schema):
    id = fields.UUID()
    organization_id = fields.UUID()
    kind = fields.String(metadata={"enum": list(TASK_KINDS)})
    title = fields.String()
    description = fields.String()
    due_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"enum": list(TASK_STATUSES)})
    posted_by = fields.UUID()
    claimed_by = fields.UUID(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    done_note = fields.String(allow_none=True)
    confirmed_by = fields.UUID(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


TaskPage = page_of(TaskOut)


class TaskQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(TASK_STATUSES))
    kind = fields.String(load_default=None, validate=validate.OneOf(TASK_KINDS))
    organization_id = fields.UUID(load_default=None)
    mine = fields.Boolean(load_default=False)


class FinishIn(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


@blp.post("/tasks")
@require_roles("coordinator")
@blp.arguments(TaskIn)
@blp.response(201, TaskOut)
def create_task(data: dict[str, Any]) -> Task:
    """Post a task (coordinator in scope)"""
    return services.create_task(session(), current_principal(), data)


@blp.get("/tasks")
@require_auth
@blp.arguments(TaskQuery, location="query")
@blp.response(200, TaskPage)
def list_tasks(args: dict[str, Any]) -> dict[str, Any]:
    """List tasks: open ones and your own, or (coordinators) all in scope; newest first"""
    principal = current_principal()
    query = sa.select(Task).order_by(Task.created_at.desc(), Task.id.desc())
    if args["mine"]:
        query = query.where(Task.claimed_by == principal.id)
    elif services.is_coordinator(principal):
        query = query.where(
            sa.or_(
                services.scope_filter(principal, Task.organization_id),
                Task.claimed_by == principal.id,
            )
        )
    else:
        query = query.where(sa.or_(Task.status == "open", Task.claimed_by == principal.id))
    if args["status"]:
        query = query.where(Task.status == args["status"])
    if args["kind"]:
        query = query.where(Task.kind == args["kind"])
    if args["organization_id"]:
        query = query.where(Task.organization_id == args["organization_id"])
    return keyset_page(session(), query, args, Task.created_at, Task.id, descending=True)


@blp.get("/tasks/<uuid:task_id>")
@require_auth
@blp.response(200, TaskOut)
def get_task(task_id: uuid.UUID) -> Task:
    """One task"""
    db = session()
    task = services.task_or_404(db, task_id)
    principal = current_principal()
    if not (
        task.status == "open"
        or task.claimed_by == principal.id
        or services.in_scope(db, principal, task.organization_id)
    ):
        raise Problem(403, "out-of-scope", "This task is not yours or in your scope.")
    return task


@blp.post("/tasks/<uuid:task_id>/claim")
@require_auth
@blp.response(200, TaskOut)
def claim_task(task_id: uuid.UUID) -> Task:
    """Claim an open task"""
    return services.task_action(session(), current_principal(), task_id, "claim")


@blp.post("/tasks/<uuid:task_id>/release")
@require_auth
@blp.response(200, TaskOut)
def release_task(task_id: uuid.UUID) -> Task:
    """Give a task you claimed back"""
    return services.task_action(session(), current_principal(), task_id, "release")


@blp.post("/tasks/<uuid:task_id>/finish")
@require_auth
@blp.arguments(FinishIn)
@blp.response(200, TaskOut)
def finish_task(data: dict[str, Any], task_id: uuid.UUID) -> Task:
    """Report a task you claimed as done"""
    return services.task_action(session(), current_principal(), task_id, "finish", data["note"])


@blp.post("/tasks/<uuid:task_id>/confirm")
@require_roles("coordinator")
@blp.response(200, TaskOut)
def confirm_task(task_id: uuid.UUID) -> Task:
    """Confirm a done task (coordinator in scope); emits task.completed"""
    return services.task_action(session(), current_principal(), task_id, "confirm")


@blp.post("/tasks/<uuid:task_id>/cancel")
@require_roles("coordinator")
@blp.response(200, TaskOut)
def cancel_task(task_id: uuid.UUID) -> Task:
    """Cancel an open or claimed task (coordinator in scope)"""
    return services.task_action(session(), current_principal(), task_id, "cancel")
