"""Each service image: multi-stage, pinned base, only shared/ and its own service, non-root, a healthcheck."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("releases", "feedback", "monitoring", "media", "gateway")
IMAGE_UID = 10001


def dockerfile(service: str) -> str:
    return (ROOT / "services" / service / "Dockerfile").read_text(encoding="utf-8")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


@pytest.mark.parametrize("service", SERVICES)
def test_image_is_multi_stage_on_a_pinned_base(service: str) -> None:
    steps = instructions(dockerfile(service))
    base = next(rest for keyword, rest in steps if keyword == "ARG" and rest.startswith("PYTHON_IMAGE="))
    image = base.split("=", 1)[1]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-[a-z]+", image), f"{service}: base {image} is not pinned"
    stages = [rest for keyword, rest in steps if keyword == "FROM"]
    assert len(stages) >= 2 and stages[0].endswith(" AS build"), f"{service}: not a multi-stage build"
    assert all(stage.startswith("${PYTHON_IMAGE}") for stage in stages)


@pytest.mark.parametrize("service", SERVICES)
def test_image_runs_as_the_non_root_user_the_manifests_expect_with_a_healthcheck(service: str) -> None:
    steps = instructions(dockerfile(service))
    final_stage = steps[max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM") :]
    users = [rest for keyword, rest in final_stage if keyword == "USER"]
    assert users == [f"{IMAGE_UID}:{IMAGE_UID}"], f"{service}: USER {users}"
    healthchecks = [rest for keyword, rest in final_stage if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "CMD" in healthchecks[0]
    probe = "/healthz" if service == "gateway" else "/health/live"
    assert probe in healthchecks[0], f"{service}: the healthcheck does not call {probe}"
    (command,) = [rest for keyword, rest in final_stage if keyword == "CMD"]
    assert command.startswith("["), f"{service}: CMD in shell form would not receive SIGTERM"
    assert any("PYTHONDONTWRITEBYTECODE=1" in rest for keyword, rest in final_stage if keyword == "ENV")


@pytest.mark.parametrize("service", SERVICES)
def test_image_copies_only_shared_and_its_own_service(service: str) -> None:
    sources = [
        rest.split()[0]
        for keyword, rest in instructions(dockerfile(service))
        if keyword == "COPY" and not rest.startswith("--from")
    ]
    assert sources, f"{service}: copies nothing"
    for source in sources:
        assert source == "shared/" or source.startswith(f"services/{service}/"), f"{service}: copies {source}"
    ignore = (ROOT / "services" / service / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    patterns = [line.strip() for line in ignore.splitlines() if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", f"{service}: the build context is not an allow-list"
    assert {p for p in patterns if p.startswith("!")} == {"!shared/", f"!services/{service}/"}
    assert f"services/{service}/tests/" in patterns and "shared/tests/" in patterns


@pytest.mark.parametrize("service", SERVICES)
def test_image_installs_only_what_its_service_needs(service: str) -> None:
    install = next(
        rest for keyword, rest in instructions(dockerfile(service)) if keyword == "RUN" and "pip install" in rest
    )
    # The gateway speaks AMQP itself: no nameko (shared's `service` extra) in its image.
    assert ("shared[service]" in install) == (service != "gateway"), install
    assert f"/src/services/{service}" in install
    others = [f"/src/services/{other}" for other in SERVICES if other != service]
    assert not any(other in install for other in others)
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = " ".join(project["project"]["dependencies"])
    assert not any(f"presscenter-{other}" in dependencies for other in SERVICES if other != service)
