"""Policy tests over the deployment: every Kustomize overlay rendered by `kubectl kustomize`.

kubectl comes from $KUBECTL, PATH or .venv/bin (`make k8s-validate` installs it when missing).
Run: `.venv/bin/pytest tests/deploy -q --no-eventlet -p no:nameko` (or `make k8s-validate`, which
leaves out the one test marked `broker`: it needs the local RabbitMQ that `make test` starts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = ("dev", "prod")
NAMEKO_SERVICES = ("releases", "feedback", "monitoring", "media")
SERVICES = (*NAMEKO_SERVICES, "gateway")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet")

Doc = dict[str, Any]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "broker: needs the local RabbitMQ (make k8s-validate deselects it)")


def find_kubectl() -> str | None:
    explicit = os.environ.get("KUBECTL")
    if explicit:
        return explicit
    venv_kubectl = Path(sys.executable).parent / "kubectl"
    return shutil.which("kubectl") or (str(venv_kubectl) if venv_kubectl.exists() else None)


def render(overlay: str) -> list[Doc]:
    kubectl = find_kubectl()
    if kubectl is None:
        pytest.fail("kubectl not found (PATH, .venv/bin or $KUBECTL): `make k8s-tools` installs it")
    result = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"kubectl kustomize {overlay} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@dataclass(frozen=True)
class Rendered:
    """The resources of one rendered overlay, with the look-ups the policies need."""

    overlay: str
    docs: list[Doc]

    def of_kind(self, *kinds: str) -> list[Doc]:
        return [doc for doc in self.docs if doc["kind"] in kinds]

    def get(self, kind: str, name: str) -> Doc:
        found = [doc for doc in self.of_kind(kind) if doc["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.overlay}: expected one {kind} {name}, found {len(found)}"
        return found[0]

    def named_like(self, kind: str, prefix: str) -> Doc:
        """The one `kind` whose name is `prefix` or `prefix-<hash>` (generated ConfigMaps and Secrets)."""
        found = [
            doc
            for doc in self.of_kind(kind)
            if doc["metadata"]["name"] == prefix or doc["metadata"]["name"].rsplit("-", 1)[0] == prefix
        ]
        assert len(found) == 1, f"{self.overlay}: expected one {kind} named {prefix}[-hash], found {len(found)}"
        return found[0]

    def workloads(self, kinds: tuple[str, ...] = WORKLOAD_KINDS) -> list[Doc]:
        return self.of_kind(*kinds)

    # -- helpers over single documents (tests reach them through the fixture) --

    @staticmethod
    def pod_spec(workload: Doc) -> Doc:
        spec = workload["spec"]
        if workload["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        return spec["template"]["spec"]

    @staticmethod
    def pod_labels(workload: Doc) -> dict[str, str]:
        spec = workload["spec"]
        if workload["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        return spec["template"]["metadata"].get("labels", {})

    @staticmethod
    def containers(workload: Doc, *, init: bool = True) -> Iterator[Doc]:
        spec = Rendered.pod_spec(workload)
        yield from spec.get("containers", [])
        if init:
            yield from spec.get("initContainers", [])

    @staticmethod
    def label_name(doc: Doc) -> str:
        return doc["metadata"].get("labels", {}).get("app.kubernetes.io/name", "")

    @staticmethod
    def selects(selector: Doc, labels: dict[str, str]) -> bool:
        """Whether a LabelSelector (matchLabels and matchExpressions In/NotIn/Exists) matches `labels`."""
        for key, value in (selector.get("matchLabels") or {}).items():
            if labels.get(key) != value:
                return False
        for expression in selector.get("matchExpressions") or []:
            key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
            if operator == "In" and labels.get(key) not in values:
                return False
            if operator == "NotIn" and labels.get(key) in values:
                return False
            if operator == "Exists" and key not in labels:
                return False
            if operator == "DoesNotExist" and key in labels:
                return False
        return True


@pytest.fixture(scope="session")
def rendered_overlays() -> dict[str, Rendered]:
    return {overlay: Rendered(overlay, render(overlay)) for overlay in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def rendered(request: pytest.FixtureRequest, rendered_overlays: dict[str, Rendered]) -> Rendered:
    return rendered_overlays[request.param]
