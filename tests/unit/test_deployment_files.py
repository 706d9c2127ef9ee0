"""docker-compose.yml describes the same processes as the Procfile, each with a health check."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_is_valid_yaml_with_services():
    doc = compose()
    assert set(doc) >= {"services", "volumes", "secrets"}
    for name, service in doc["services"].items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in doc["services"], (name, dependency)
        for secret in service.get("secrets", []):
            assert secret in doc["secrets"], (name, secret)


def test_compose_names_every_procfile_process_with_the_same_entry_point():
    services = compose()["services"]
    for name, command in procfile().items():
        assert name in services, f"{name} is in the Procfile but not in docker-compose.yml"
        compose_command = " ".join(services[name]["command"])
        # the app a gunicorn serves, or the module a python -m runs, is the same in both
        target = re.search(r"'([\w.]+:create_app\(\))'|-m ([\w.]+)", command)
        assert target is not None, command
        wanted = target.group(1) or target.group(2)
        assert wanted in compose_command, (name, wanted, compose_command)
        if target.group(2):
            assert shlex.split(command)[3:] == services[name]["command"][3:], name


def test_every_long_running_process_has_a_health_check():
    for name, service in compose()["services"].items():
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_only_the_gateway_is_published():
    published = {n for n, s in compose()["services"].items() if s.get("ports")}
    assert published == {"gateway"}


def test_dockerfile_copies_what_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def test_the_procfile_serves_every_app_of_the_manifest_with_its_own_control_socket():
    from suite import APPS

    entries = procfile()
    sockets = set()
    for app in APPS:
        command = shlex.split(entries[app.name])
        assert f"{app.package}:create_app()" in command, app.name
        assert f"${{{app.name.upper()}_PORT:-{app.port}}}" in entries[app.name], app.name
        assert command[command.index("--config") + 1] == f"python:{app.gunicorn_config}"
        # gunicorn's default control socket is one path per user: four masters would fight
        socket = command[command.index("--control-socket") + 1]
        assert socket.endswith(f"/run/{app.name}.ctl"), socket
        sockets.add(socket)
    assert len(sockets) == len(APPS)
    # with no names the worker and the relay take every app the manifest gives work to
    assert shlex.split(entries["worker"]) == ["python", "-m", "common.worker"]
    assert shlex.split(entries["relay"]) == ["python", "-m", "common.outbox"]


def test_compose_gives_each_app_the_gunicorn_settings_of_the_manifest():
    from suite import APPS

    services = compose()["services"]
    for app in APPS:
        command = services[app.name]["command"]
        assert command[command.index("--config") + 1] == f"python:{app.gunicorn_config}"
