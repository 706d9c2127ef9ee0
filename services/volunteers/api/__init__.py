"""The volunteers service's HTTP API: one blueprint per resource."""

from __future__ import annotations

from flask_smorest import Blueprint

from common.validation import Instant

__all__ = ["Instant", "blueprints"]


def blueprints() -> list[Blueprint]:
    from services.volunteers.api.activities import blp as activities
    from services.volunteers.api.checkins import blp as checkins
    from services.volunteers.api.hours import blp as hours
    from services.volunteers.api.members import blp as members
    from services.volunteers.api.open311 import blp as open311
    from services.volunteers.api.organizations import blp as organizations
    from services.volunteers.api.records import blp as records
    from services.volunteers.api.reports import blp as reports
    from services.volunteers.api.tasks import blp as tasks

    return [
        organizations,
        members,
        activities,
        hours,
        reports,
        checkins,
        tasks,
        records,
        open311,
    ]
