"""The OpenAPI documents of every app, compared with those of another commit.

``python -m bench.openapi_compare [REF]`` (default ``main``) builds each app of the
manifest at REF (``git archive`` into a temporary directory, run with this venv) and in
the working tree, asks each for ``/api/v1/docs/<app>/openapi.json``, and says whether the
documents are equal, or which paths differ. Changes made for speed must leave them equal.
No server is contacted: the apps are only built.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def documents() -> dict[str, Any]:
    from devtools.environment import suite_environment
    from suite import APPS

    with tempfile.TemporaryDirectory() as keys:
        _, env = suite_environment(Path(keys), "openapi_")
        os.environ.update(env)
        os.environ.setdefault("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:9/0")
        found = {}
        for each in APPS:
            app = importlib.import_module(each.package).create_app({"TESTING": True})
            answer = app.test_client().get(f"/api/v1/docs/{each.name}/openapi.json")
            found[each.name] = answer.get_json()
        return found


def at(ref: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        # this module's documents() runs against the other tree, which may not have it
        (Path(tmp) / "bench" / "openapi_compare.py").write_text(Path(__file__).read_text())
        env = {**os.environ, "PYTHONPATH": tmp}
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import json, bench.openapi_compare as c; print(json.dumps(c.documents()))",
            ],
            cwd=tmp,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return dict(json.loads(out.splitlines()[-1]))


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            lines.append(f"{name}: equal")
            continue
        old_paths, new_paths = (old or {}).get("paths", {}), (new or {}).get("paths", {})
        changed = sorted(
            p for p in set(old_paths) | set(new_paths) if old_paths.get(p) != new_paths.get(p)
        )
        lines.append(f"{name}: DIFFERENT; paths: {', '.join(changed) or '(components only)'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("ref", nargs="?", default="main")
    args = parser.parse_args()
    lines = differences(at(args.ref), documents())
    print("\n".join(lines))
    if any("DIFFERENT" in line for line in lines):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
