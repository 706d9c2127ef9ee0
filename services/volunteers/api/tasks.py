"""Tasks: coordinators post needs; members claim and finish them; a coordinator confirms."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import TASK_STATUSES, Task
from services.volunteers.api import Instant
from services.volunteers.api.routing import routes
from services.volunteers.config import config
from services.volunteers.domain.tasks import TASK_KINDS
from services.volunteers.usecases import tasks

blp = routes("tasks", __name__, url_prefix="/api/v1", description="Tasks")


class TaskIn(Schema):
    organization_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(TASK_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    due_at = Instant(load_default=None)

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> tasks.NewTask:
        return tasks.NewTask(**data)


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

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> tasks.TaskQuery:
        return tasks.TaskQuery(**data)


class FinishIn(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))

    @post_load
    def _finish(self, data: dict[str, Any], **_: Any) -> tasks.Finish:
        return tasks.Finish(**data)


@blp.post("/tasks")
@require_roles("coordinator")
@transactional
@blp.arguments(TaskIn)
@blp.response(201, TaskOut)
def create_task(command: tasks.NewTask) -> Task:
    """Post a task (coordinator in scope)"""
    return tasks.create_task(session(), current_principal(), command)


@blp.get("/tasks")
@require_auth
@blp.arguments(TaskQuery, location="query")
@blp.response(200, TaskPage)
def list_tasks(query: tasks.TaskQuery) -> dict[str, Any]:
    """List tasks: open ones and your own, or (coordinators) all in scope; newest first"""
    return tasks.list_tasks(session(), current_principal(), query)


@blp.get("/tasks/<uuid:task_id>")
@require_auth
@blp.response(200, TaskOut)
def get_task(task_id: uuid.UUID) -> Task:
    """One task"""
    return tasks.visible_task(session(), current_principal(), task_id)


@blp.post("/tasks/<uuid:task_id>/claim")
@require_auth
@transactional
@blp.response(200, TaskOut)
def claim_task(task_id: uuid.UUID) -> Task:
    """Claim an open task"""
    return tasks.claim_task(session(), current_principal(), task_id)


@blp.post("/tasks/<uuid:task_id>/release")
@require_auth
@transactional
@blp.response(200, TaskOut)
def release_task(task_id: uuid.UUID) -> Task:
    """Give a task you claimed back"""
    return tasks.release_task(session(), current_principal(), task_id)


@blp.post("/tasks/<uuid:task_id>/finish")
@require_auth
@transactional
@blp.arguments(FinishIn)
@blp.response(200, TaskOut)
def finish_task(finish: tasks.Finish, task_id: uuid.UUID) -> Task:
    """Report a task you claimed as done"""
    return tasks.finish_task(session(), current_principal(), task_id, finish)


@blp.post("/tasks/<uuid:task_id>/confirm")
@require_roles("coordinator")
@transactional
@blp.response(200, TaskOut)
def confirm_task(task_id: uuid.UUID) -> Task:
    """Confirm a done task (coordinator in scope); emits task.completed"""
    return tasks.confirm_task(session(), current_principal(), task_id, config())


@blp.post("/tasks/<uuid:task_id>/cancel")
@require_roles("coordinator")
@transactional
@blp.response(200, TaskOut)
def cancel_task(task_id: uuid.UUID) -> Task:
    """Cancel an open or claimed task (coordinator in scope)"""
    return tasks.cancel_task(session(), current_principal(), task_id)
