"""Tasks: coordinators post needs; members claim and finish them; a coordinator confirms."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Forbidden, NotFound
from common.tokens import Principal
from services.volunteers.adapters.models import HoursEntry, Task
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain import tasks as task_rules
from services.volunteers.usecases import patterns
from services.volunteers.usecases.members import ensure_member
from services.volunteers.usecases.paging import PageQuery, filtered, page
from services.volunteers.usecases.rows import added, announce, found_or_error, locked, now_utc
from services.volunteers.usecases.scope import (
    in_scope,
    is_coordinator,
    organization_named,
    require_scope,
    scope_filter,
)
from suite.events import TaskCompleted


@dataclass(frozen=True)
class NewTask:
    organization_id: uuid.UUID
    kind: str
    title: str
    description: str = ""
    due_at: datetime | None = None


@dataclass(frozen=True)
class Finish:
    note: str | None = None


@dataclass(frozen=True)
class TaskQuery(PageQuery):
    status: str | None = None
    kind: str | None = None
    organization_id: uuid.UUID | None = None
    mine: bool = False


def create_task(db: Session, principal: Principal, command: NewTask) -> Task:
    organization_named(db, command.organization_id, "organization_id")
    require_scope(db, principal, command.organization_id)
    task = Task(
        id=uuid.uuid4(),
        posted_by=principal.id,
        status="open",
        organization_id=command.organization_id,
        kind=command.kind,
        title=command.title,
        description=command.description,
        due_at=command.due_at,
    )
    return added(db, task)


def task_or_404(db: Session, task_id: uuid.UUID) -> Task:
    return found_or_error(db, Task, task_id, "task")


def visible_task(db: Session, principal: Principal, task_id: uuid.UUID) -> Task:
    """One task: an open one, the caller's own, or one in a coordinator's scope."""
    task = task_or_404(db, task_id)
    if not (
        task.status == "open"
        or task.claimed_by == principal.id
        or in_scope(db, principal, task.organization_id)
    ):
        raise Forbidden("This task is not yours or in your scope.", kind="out-of-scope")
    return task


def list_tasks(db: Session, principal: Principal, query: TaskQuery) -> dict[str, Any]:
    """Open tasks and the caller's own, or (coordinators) all in scope; newest first."""
    select = sa.select(Task).order_by(Task.created_at.desc(), Task.id.desc())
    if query.mine:
        select = select.where(Task.claimed_by == principal.id)
    elif is_coordinator(principal):
        select = select.where(
            sa.or_(scope_filter(principal, Task.organization_id), Task.claimed_by == principal.id)
        )
    else:
        select = select.where(sa.or_(Task.status == "open", Task.claimed_by == principal.id))
    select = filtered(
        select,
        (Task.status, query.status),
        (Task.kind, query.kind),
        (Task.organization_id, query.organization_id),
    )
    return page(db, select, query, Task.created_at, Task.id, descending=True)


def _acted_on(db: Session, principal: Principal, task_id: uuid.UUID, action: str) -> Task:
    """The task locked, once the caller may do ``action`` to it, in the state it leads to."""
    task = task_or_404(db, task_id)
    if action in ("confirm", "cancel"):
        require_scope(db, principal, task.organization_id)
    if action == "claim":
        ensure_member(db, principal)
    found = locked(db, Task, task_id)
    if found is None:
        raise NotFound.of("task")
    if action in ("release", "finish") and found.claimed_by != principal.id:
        raise Forbidden("Only the member who claimed this task can do that.")
    if action == "confirm":
        _refuse_own_or_related(db, principal, found)
    found.status = task_rules.next_status(found.status, action)
    return found


def related_to(db: Session, coordinator_id: uuid.UUID, member_id: uuid.UUID) -> bool:
    """Whether the coordinator paid or wrote hours for the member in the last
    ``RELATION_WINDOW`` (docs/security.md, "Volunteers: nobody pays themselves")."""
    since = now_utc() - task_rules.RELATION_WINDOW
    relation = sa.select(HoursEntry.id).where(
        HoursEntry.member_id == member_id,
        sa.or_(
            sa.and_(
                HoursEntry.decided_by == coordinator_id,
                HoursEntry.status == "approved",
                HoursEntry.decided_at > since,
            ),
            sa.and_(HoursEntry.entered_by == coordinator_id, HoursEntry.created_at > since),
        ),
    )
    return db.execute(relation.limit(1)).first() is not None


def _refuse_own_or_related(db: Session, principal: Principal, task: Task) -> None:
    """The one who confirms a task pays its doer: not themselves, nor someone they pay."""
    if task.claimed_by == principal.id:
        raise Forbidden("Another coordinator must confirm a task you did.", kind="own-task")
    if task.claimed_by is not None and related_to(db, principal.id, task.claimed_by):
        raise Forbidden(
            "You approved or entered hours for the member who did this task lately; "
            "another coordinator must confirm it.",
            kind="related-claimer",
        )


def claim_task(db: Session, principal: Principal, task_id: uuid.UUID) -> Task:
    task = _acted_on(db, principal, task_id, "claim")
    task.claimed_by, task.claimed_at = principal.id, now_utc()
    db.flush()
    return task


def release_task(db: Session, principal: Principal, task_id: uuid.UUID) -> Task:
    task = _acted_on(db, principal, task_id, "release")
    task.claimed_by, task.claimed_at = None, None
    db.flush()
    return task


def finish_task(db: Session, principal: Principal, task_id: uuid.UUID, finish: Finish) -> Task:
    task = _acted_on(db, principal, task_id, "finish")
    task.done_at, task.done_note = now_utc(), finish.note
    db.flush()
    return task


def confirm_task(
    db: Session, principal: Principal, task_id: uuid.UUID, cfg: VolunteersConfig
) -> Task:
    """Confirm a done task; its doer earns for it (``task.completed``)."""
    task = _acted_on(db, principal, task_id, "confirm")
    task.confirmed_by, task.confirmed_at = principal.id, now_utc()
    assert task.claimed_by is not None
    db.flush()
    patterns.watch_approval(db, principal.id, task.claimed_by, cfg)
    announce(
        db,
        TaskCompleted(
            task_id=task.id,
            member_id=task.claimed_by,
            organization_id=task.organization_id,
            kind=task.kind,
        ),
    )
    db.flush()
    return task


def cancel_task(db: Session, principal: Principal, task_id: uuid.UUID) -> Task:
    task = _acted_on(db, principal, task_id, "cancel")
    db.flush()
    return task
