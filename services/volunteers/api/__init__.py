"""The volunteers service's HTTP API: one blueprint per resource."""

from __future__ import annotations

from typing import Any

from marshmallow import post_load

from common.pagination import PageArgs
from common.validation import Instant
from services.volunteers.api.routing import Routes
from services.volunteers.usecases.paging import PageQuery

__all__ = ["Instant", "PageIn", "blueprints"]


class PageIn(PageArgs):
    """A bare page of a list: ``?limit=&cursor=``."""

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> PageQuery:
        return PageQuery(**data)


def blueprints() -> list[Routes]:
    from services.volunteers.api.activities import blp as activities
    from services.volunteers.api.checkins import blp as checkins
    from services.volunteers.api.flags import blp as flags
    from services.volunteers.api.followers import blp as followers
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
        followers,
        reports,
        checkins,
        tasks,
        records,
        flags,
        open311,
    ]
