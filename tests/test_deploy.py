"""The container image and the compose file: what `docker compose up` relies on.

No Docker engine runs the tests; .ci/run also builds and serves the tree as
the image does (deploy/serve_as_image.py). These checks read the two files.
"""

from pathlib import Path

import yaml

from deploy.serve_as_image import image_recipe, substitute

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_builds_static_files_with_the_production_storage():
    _, steps, cmd = image_recipe(ROOT / "Dockerfile")
    assert steps == ["sh deploy/build-static.sh"]
    script = (ROOT / "deploy/build-static.sh").read_text()
    assert "DEBUG=0" in script.split("collectstatic")[0].splitlines()[-2]
    assert cmd[0] == "gunicorn"


def test_every_long_running_service_restarts():
    for name, service in SERVICES.items():
        if name != "migrate":
            assert service.get("restart") == "unless-stopped", name


def test_the_web_service_checks_its_health_and_scales():
    web = SERVICES["web"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert "ports" not in web  # a fixed host port would stop --scale web=2
    assert "ports" not in SERVICES["worker"]
    assert SERVICES["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert (ROOT / "deploy/nginx.conf").read_text().count("server web:8000") == 1


def test_compose_interpolation():
    assert substitute("${A:-x}", {}) == "x"
    assert substitute("${A:-x}", {"A": "y"}) == "y"
    assert substitute("a${B}c", {"B": "b"}) == "abc"
