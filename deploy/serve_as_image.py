#!/usr/bin/env python3
"""Build and serve the portal as its container image does, then request pages and static files.

No Docker engine is needed: the Dockerfile's application build steps (its RUN
lines after ``COPY . .``) run in a copy of the tree made as ``COPY`` makes it
(``.dockerignore`` applied), with the Dockerfile's ``ENV``; the compose
file's ``migrate`` command and the image's ``CMD`` (gunicorn) then run with the
compose file's web environment. Only the addresses of the database, Redis
and mail, which are service names inside compose's network, are replaced by
the ones given here. A fault of the kind "the image serves a 500 on every
page" (no static manifest, a setting the compose file lacks) fails this.

    python deploy/serve_as_image.py --database-url postgres://... --redis-url redis://...
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def image_recipe(path: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """The image's ENV, its application build steps (RUN after COPY . .) and its CMD."""
    env, steps, cmd, copied = {}, [], [], False
    for keyword, rest in dockerfile_instructions(path):
        if keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
        elif keyword == "COPY" and rest.split()[-2:] == [".", "."]:
            copied = True
        elif keyword == "RUN" and copied and not rest.startswith(("useradd", "chown")):
            steps.append(rest)
        elif keyword == "CMD":
            cmd = json.loads(rest)
    if not (copied and cmd):
        sys.exit("The Dockerfile has no COPY . . or no CMD in exec form")
    return env, steps, cmd


_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def substitute(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message} interpolation."""

    def replace(match):
        name, kind, arg = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == "-":
            return arg
        if kind == "?":
            sys.exit(f"docker-compose.yml needs {name}: {arg}")
        return ""

    return _VARIABLE.sub(replace, value)


def compose_service(name: str) -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][name]


def copy_as_docker_does(target: Path) -> None:
    """The tree as COPY . . puts it in the image: .dockerignore's patterns left out."""
    ignored = [
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignore(directory, names):
        relative = Path(directory).relative_to(ROOT)
        return {
            name
            for name in names
            if any(fnmatch.fnmatch(str(relative / name), pattern) for pattern in ignored)
            or (relative == Path(".") and name in ignored)
        }

    shutil.copytree(ROOT, target, ignore=ignore, dirs_exist_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, host: str) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - http on loopback
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True, help="cache (the broker takes the next db)")
    parser.add_argument("--broker-url", required=True)
    args = parser.parse_args()

    image_env, steps, cmd = image_recipe(ROOT / "Dockerfile")
    web = compose_service("web")
    variables = {"SECRET_KEY": "serve-as-image-" + os.urandom(24).hex()}
    web_env = {k: substitute(str(v), variables) for k, v in web["environment"].items()}
    # Service names of compose's network, replaced by this machine's services.
    web_env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.broker_url,
        EMAIL_URL="smtp://127.0.0.1:1",
    )
    host = web_env["ALLOWED_HOSTS"].split(",")[0].strip()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DEBUG"))}
    base_env.pop("SECRET_KEY", None)

    with tempfile.TemporaryDirectory(prefix="portal-image-") as tmp:
        app = Path(tmp) / "app"
        copy_as_docker_does(app)
        build_env = {**base_env, **image_env}
        for step in steps:
            print(f"RUN {step}", flush=True)
            subprocess.run(step, shell=True, cwd=app, env=build_env, check=True)  # noqa: S602
        run_env = {**build_env, **web_env}
        migrate = compose_service("migrate")["command"]
        print(f"migrate: {migrate}", flush=True)
        subprocess.run(shlex.split(migrate), cwd=app, env=run_env, check=True)  # noqa: S603

        port = free_port()
        command = [
            f"127.0.0.1:{port}" if part == "0.0.0.0:8000" else part  # noqa: S104
            for part in cmd
        ]
        print("CMD " + " ".join(command), flush=True)
        server = subprocess.Popen(command, cwd=app, env=run_env)  # noqa: S603
        failures = []
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    status, _, _ = fetch(base + "/healthz", host)
                    break
                except OSError:
                    time.sleep(0.2)
            healthcheck = [
                part.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
                for part in web["healthcheck"]["test"][1:]
            ]
            health = subprocess.run(healthcheck, cwd=app, env=run_env, check=False)  # noqa: S603
            if health.returncode != 0:
                failures.append("the web service's health check failed")

            def expect(path, status, contains=b"", content_type=""):
                got, headers, body = fetch(base + path, host)
                line = f"GET {path} -> {got} ({len(body)} bytes)"
                print(line, flush=True)
                if got != status:
                    failures.append(f"{line}, expected {status}")
                if contains and contains not in body:
                    failures.append(f"{line}: {contains!r} not in the body")
                ctype = headers.get("Content-Type", "")
                if content_type and not ctype.startswith(content_type):
                    failures.append(f"{line}: Content-Type {ctype}, expected {content_type}")
                return body

            expect("/healthz", 200, b'"status": "ok"')
            expect("/", 302)
            login = expect("/accounts/login/", 200, b"<form")
            expect("/providers/", 200)
            assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', login)
            hashed = [a for a in assets if re.search(rb"\.[0-9a-f]{12}\.(css|js|svg)$", a)]
            if len(hashed) != len(assets) or not assets:
                failures.append(f"static files not served under hashed names: {assets}")
            for asset in assets:
                kind = "text/css" if asset.endswith(b".css") else ""
                expect(asset.decode(), 200, content_type=kind)
        finally:
            server.terminate()
            server.wait(timeout=20)
    for failure in failures:
        print("FAILED:", failure)
    print("served as the image does:", "failed" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
