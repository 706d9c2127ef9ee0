"""Report photos: cleaned on upload, stored as files beside their rows, swept when orphaned.

A photo's file is written (atomically, by rename) after its row is flushed and before the
transaction commits; a crash in between leaves a file no row names, which the hourly
sweep removes.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden, NotFound
from common.tokens import Principal
from services.volunteers.adapters.models import ReportPhoto
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain import reports as report_rules
from services.volunteers.domain.photos import CleanPhoto, clean_photo
from services.volunteers.usecases.reports import locked_report, report_or_404, visible_report
from services.volunteers.usecases.rows import now_utc


def photo_path(upload_dir: Path, storage_key: str) -> Path:
    return upload_dir / storage_key


def _store(upload_dir: Path, storage_key: str, photo: CleanPhoto) -> None:
    path = photo_path(upload_dir, storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(photo.data)
    partial.replace(path)


def add_photo(
    db: Session,
    principal: Principal,
    report_id: uuid.UUID,
    raw: bytes,
    cfg: VolunteersConfig,
) -> ReportPhoto:
    """Add a photo to the caller's open report (a cleaned copy; the upload is never kept)."""
    report = report_or_404(db, report_id)
    if report.reporter_id != principal.id:
        raise Forbidden("Only the rider who reported this can add photos.")
    photo = clean_photo(raw, max_bytes=cfg.photo_max_bytes, max_pixels=cfg.photo_max_pixels)
    report = locked_report(db, report_id)
    if report.status not in report_rules.OPEN_STATUSES:
        raise Conflict(f"A {report.status} report takes no more photos.", kind="wrong-state")
    count = db.execute(
        sa.select(sa.func.count()).where(ReportPhoto.report_id == report_id)
    ).scalar_one()
    if count >= cfg.photos_per_report:
        raise Conflict(f"A report has at most {cfg.photos_per_report} photos.", kind="photo-limit")
    photo_id = uuid.uuid4()
    row = ReportPhoto(
        id=photo_id,
        report_id=report_id,
        storage_key=f"reports/{photo_id.hex[:2]}/{photo_id.hex}.jpg",
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.data),
        sha256=hashlib.sha256(photo.data).hexdigest(),
    )
    db.add(row)
    db.flush()
    _store(cfg.upload_dir, row.storage_key, photo)
    return row


def photos_of(db: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReportPhoto]]:
    found: dict[uuid.UUID, list[ReportPhoto]] = {rid: [] for rid in report_ids}
    if report_ids:
        for photo in db.scalars(
            sa.select(ReportPhoto)
            .where(ReportPhoto.report_id.in_(report_ids))
            .order_by(ReportPhoto.created_at, ReportPhoto.id)
        ):
            found[photo.report_id].append(photo)
    return found


def visible_photo(
    db: Session, principal: Principal, report_id: uuid.UUID, photo_id: uuid.UUID
) -> ReportPhoto:
    """A report's photo, for whoever may see the report."""
    visible_report(db, principal, report_id)
    photo = db.get(ReportPhoto, photo_id)
    if photo is None or photo.report_id != report_id:
        raise NotFound("This report has no photo with this id.")
    return photo


def photo_file(upload_dir: Path, photo: ReportPhoto) -> Path:
    """Where the photo's file is; :class:`NotFound` when it has gone missing."""
    path = photo_path(upload_dir, photo.storage_key)
    if not path.is_file():
        raise NotFound("The photo's file is missing.")
    return path


def sweep_orphan_photos(db: Session, upload_dir: Path, min_age: timedelta) -> int:
    """Delete photo files no row refers to (a crash between writing a file and committing
    its row); only files older than ``min_age``, so an upload in flight is never touched."""
    root = upload_dir / "reports"
    if not root.is_dir():
        return 0
    cutoff = now_utc().timestamp() - min_age.total_seconds()
    old = {
        path.relative_to(upload_dir).as_posix(): path
        for path in root.rglob("*")
        if path.is_file() and path.stat().st_mtime < cutoff
    }
    if not old:
        return 0
    known = set(
        db.scalars(sa.select(ReportPhoto.storage_key).where(ReportPhoto.storage_key.in_(old)))
    )
    removed = 0
    for key, path in old.items():
        if key not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
