"""The suite's manifest: its apps, where they listen, what they consume, whose jobs run.

This is the one place that names the services. ``common/`` reads it (migrations,
the relay, the worker, the scheduler, the run command) and names no service
itself; a new service is a new line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class App:
    """One Flask app of the suite.

    ``package`` holds ``create_app`` and ``migrations/``; ``models`` is the module with
    its ``Base`` and, for an app with an outbox, its ``plumbing`` tables; ``consumer``
    is the dotted path of the job that takes a batch of event envelopes off the app's
    queue, and ``consumes`` the event types routed to it; ``periodic`` is the dotted
    path of the app's list of periodic jobs; ``gunicorn_config`` the module of its web
    process's gunicorn settings (the Procfile and docker-compose.yml name the same).
    """

    name: str
    package: str
    port: int
    models: str
    has_outbox: bool = False
    consumer: str | None = None
    consumes: tuple[str, ...] = ()
    periodic: str | None = None
    # path prefixes the gateway forwards to this app (besides /api/v1/docs/<name>)
    public_paths: tuple[str, ...] = ()
    gunicorn_config: str = "common.gunicorn_conf"


APPS: tuple[App, ...] = (
    App(
        "gateway",
        "gateway",
        8000,
        "gateway.adapters.models",
        has_outbox=True,
        gunicorn_config="common.gunicorn_proxy_conf",
    ),
    App(
        "volunteers",
        "services.volunteers",
        8001,
        "services.volunteers.adapters.models",
        has_outbox=True,
        consumer="services.volunteers.jobs.handle_events",
        consumes=("member.deleted",),
        periodic="services.volunteers.jobs.PERIODIC",
        public_paths=(
            "/api/v1/organizations",
            "/api/v1/members",
            "/api/v1/activities",
            "/api/v1/hours",
            "/api/v1/reports",
            "/api/v1/stations",
            "/api/v1/checkins",
            "/api/v1/tasks",
            "/api/v1/party",
            "/api/v1/me/profile",
            "/api/v1/me/service-record",
            "/api/v1/service-records",
            "/api/v1/flags",
            "/open311",
        ),
    ),
    App(
        "points",
        "services.points",
        8002,
        "services.points.adapters.models",
        has_outbox=True,
        consumer="services.points.jobs.handle_events",
        consumes=(
            "hours.approved",
            "report.verified",
            "checkin.recorded",
            "task.completed",
            "award.reversed",
        ),
        periodic="services.points.jobs.PERIODIC",
        public_paths=("/api/v1/points",),
    ),
    App(
        "rewards",
        "services.rewards",
        8003,
        "services.rewards.adapters.models",
        has_outbox=True,
        consumer="services.rewards.jobs.handle_events",
        consumes=(
            "hours.approved",
            "hours.rejected",
            "report.verified",
            "report.rejected",
            "report.resolved",
            "report.followed_outcome",
            "member.updated",
            "member.deleted",
        ),
        periodic="services.rewards.jobs.PERIODIC",
        public_paths=(
            "/api/v1/rewards",
            "/api/v1/redemptions",
            "/api/v1/rounds",
            "/api/v1/vouchers",
            "/api/v1/audit",
            "/api/v1/me/standing",
            "/api/v1/me/notifications",
        ),
    ),
)

APPS_BY_NAME: dict[str, App] = {app.name: app for app in APPS}
WEB_PORTS: dict[str, int] = {app.name: app.port for app in APPS}


def app(name: str) -> App:
    """The app called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return APPS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no app {name!r} in the suite (known: {', '.join(APPS_BY_NAME)})") from None


def event_routes() -> dict[str, tuple[str, ...]]:
    """event type -> the queues (one per consuming app) it is delivered to."""
    routes: dict[str, list[str]] = {}
    for each in APPS:
        for event_type in each.consumes:
            routes.setdefault(event_type, []).append(each.name)
    return {event_type: tuple(queues) for event_type, queues in routes.items()}


def consumers() -> dict[str, str]:
    """queue -> the job that takes a batch of envelopes off it."""
    return {each.name: each.consumer for each in APPS if each.consumer}


def public_routes() -> dict[str, str]:
    """path prefix -> the app the gateway forwards it to."""
    routes: dict[str, str] = {}
    for each in APPS:
        for prefix in each.public_paths:
            routes[prefix] = each.name
        if each.public_paths:
            routes[f"/api/v1/docs/{each.name}"] = each.name
    return routes
