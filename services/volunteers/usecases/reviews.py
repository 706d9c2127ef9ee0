"""An admin's review of a flag: marked once, and what the flag held back let through or not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from common.errors import Conflict
from common.tokens import Principal
from services.volunteers.adapters.models import Flag
from services.volunteers.usecases.report_states import release_held_award
from services.volunteers.usecases.rows import found_or_error, locked, now_utc


@dataclass(frozen=True)
class Review:
    note: str = ""
    # let through what the flag held back (a re-filed report's points)
    release: bool = False


def review_flag(db: Session, principal: Principal, flag_id: uuid.UUID, review: Review) -> Flag:
    """Mark a flag reviewed (once), with a note; ``release`` lets through what it held."""
    found_or_error(db, Flag, flag_id, "flag")
    flag = locked(db, Flag, flag_id)
    assert flag is not None
    if flag.reviewed_at is not None:
        raise Conflict("This flag has already been reviewed.", kind="wrong-state")
    flag.reviewed_at = now_utc()
    flag.reviewed_by = principal.id
    flag.review_note = review.note
    flag.released = review.release
    db.flush()
    if flag.released and flag.kind == "report-refiled":
        release_held_award(db, uuid.UUID(flag.details["report_id"]))
    return flag
