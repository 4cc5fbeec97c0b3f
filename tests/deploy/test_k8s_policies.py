"""Policies every rendered overlay keeps: probes, limits, lock-down, pinned images, per-service objects,
network isolation, exposure through the gateway's Ingress only, safe rollouts and per-service credentials."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

SERVICES = ("releases", "feedback", "monitoring", "media", "gateway")
NAMEKO_SERVICES = ("releases", "feedback", "monitoring", "media")
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")
# Built-in kinds only: kubernetes-validate has a schema for each (a custom resource would only warn).
KNOWN_KINDS = {
    "ConfigMap", "Secret", "Service", "ServiceAccount", "Deployment", "StatefulSet", "Job",
    "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress",
}  # fmt: skip
PRIVATE_RANGES = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"}

Doc = dict[str, Any]


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity as a number: CPU in cores, memory in bytes."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text)
    assert match, f"not a quantity: {value!r}"
    number, unit = match.groups()
    return float(number) * (units[unit] if unit else 1)


def test_only_built_in_kinds_are_rendered(rendered: Any) -> None:
    kinds = {doc["kind"] for doc in rendered.docs}
    assert kinds <= KNOWN_KINDS, f"{rendered.overlay}: unexpected kinds {kinds - KNOWN_KINDS}"


def test_every_long_running_container_has_startup_liveness_and_readiness_probes(rendered: Any) -> None:
    missing = [
        f"{w['kind']}/{w['metadata']['name']}/{c['name']}: {probe}"
        for w in rendered.workloads(LONG_RUNNING)
        for c in rendered.containers(w)
        for probe in ("startupProbe", "livenessProbe", "readinessProbe")
        if probe not in c
    ]
    assert not missing, f"{rendered.overlay}: containers without probes: {missing}"


def test_every_container_has_requests_and_limits_within_them(rendered: Any) -> None:
    for workload in rendered.workloads():
        for container in rendered.containers(workload):
            where = f"{rendered.overlay}: {workload['metadata']['name']}/{container['name']}"
            resources = container.get("resources", {})
            for resource in ("cpu", "memory"):
                request = resources.get("requests", {}).get(resource)
                limit = resources.get("limits", {}).get(resource)
                assert request and limit, f"{where}: {resource} request and limit required"
                assert quantity(request) <= quantity(limit), f"{where}: {resource} request above its limit"


def test_every_pod_and_container_is_locked_down(rendered: Any) -> None:
    for workload in rendered.workloads():
        pod = rendered.pod_spec(workload)
        name = f"{rendered.overlay}: {workload['kind']}/{workload['metadata']['name']}"
        pod_security = pod.get("securityContext", {})
        assert pod_security.get("runAsNonRoot") is True, f"{name}: pod runAsNonRoot"
        assert pod_security.get("runAsUser", 1) != 0, f"{name}: runs as root"
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: seccomp"
        assert pod.get("automountServiceAccountToken") is False, f"{name}: mounts an API token"
        assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC")), f"{name}: host namespaces"
        assert not any("hostPath" in volume for volume in pod.get("volumes", [])), f"{name}: hostPath volume"
        for container in rendered.containers(workload):
            security = container.get("securityContext", {})
            where = f"{name}/{container['name']}"
            assert security.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
            assert security.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
            assert security.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: capabilities not dropped"
            assert not security.get("capabilities", {}).get("add"), f"{where}: adds capabilities"
            assert security.get("privileged") is not True, f"{where}: privileged"
            assert security.get("runAsUser", 1) != 0, f"{where}: runs as root"


def test_services_write_only_to_an_emptydir_tmp(rendered: Any) -> None:
    for service in SERVICES:
        deployment = rendered.get("Deployment", service)
        volumes = {v["name"]: v for v in rendered.pod_spec(deployment).get("volumes", [])}
        mounts = {m["mountPath"]: m["name"] for m in next(rendered.containers(deployment)).get("volumeMounts", [])}
        assert set(mounts) == {"/tmp"}, f"{service}: mounts {sorted(mounts)}"
        assert "emptyDir" in volumes[mounts["/tmp"]], f"{service}: /tmp is not an emptyDir"


def test_images_are_pinned_never_latest(rendered: Any) -> None:
    for workload in rendered.workloads():
        for container in rendered.containers(workload):
            image = container["image"]
            name, _, tag = image.rpartition(":")
            assert name and "/" not in tag, f"{rendered.overlay}: {image} has no tag"
            assert tag != "latest" and "@" not in name, f"{rendered.overlay}: {image} is not pinned to a release tag"


def test_service_images_follow_the_overlay(rendered: Any) -> None:
    expected = {
        "dev": "presscenter/{service}:0.1.0-dev",
        "prod": "registry.presscenter.example/presscenter/{service}:0.1.0",
    }[rendered.overlay]
    for service in SERVICES:
        container = next(rendered.containers(rendered.get("Deployment", service)))
        assert container["image"] == expected.format(service=service)


def test_each_service_has_its_deployment_service_account_hpa_pdb_and_network_policy(rendered: Any) -> None:
    for service in SERVICES:
        deployment = rendered.get("Deployment", service)
        labels = rendered.pod_labels(deployment)
        assert labels["app.kubernetes.io/name"] == service
        assert rendered.get("Service", service)["spec"]["selector"] == {"app.kubernetes.io/name": service}
        rendered.get("ServiceAccount", service)
        assert rendered.pod_spec(deployment)["serviceAccountName"] == service

        hpa = rendered.get("HorizontalPodAutoscaler", service)
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert "replicas" not in deployment["spec"], f"{service}: the HPA owns the replica count"

        pdbs = [p for p in rendered.of_kind("PodDisruptionBudget") if rendered.selects(p["spec"]["selector"], labels)]
        assert len(pdbs) == 1, f"{rendered.overlay}: {service} needs exactly one PodDisruptionBudget"

        policies = [
            p
            for p in rendered.of_kind("NetworkPolicy")
            if p["spec"]["podSelector"] and rendered.selects(p["spec"]["podSelector"], labels)
        ]
        assert len(policies) == 1, f"{rendered.overlay}: {service} needs exactly one NetworkPolicy of its own"
        assert set(policies[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}


def test_the_namespace_denies_by_default_and_allows_only_dns_to_everyone(rendered: Any) -> None:
    deny = rendered.get("NetworkPolicy", "default-deny-all")["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    namespace_wide = [p for p in rendered.of_kind("NetworkPolicy") if p["spec"]["podSelector"] == {}]
    assert {p["metadata"]["name"] for p in namespace_wide} == {"default-deny-all", "allow-dns"}
    dns = rendered.get("NetworkPolicy", "allow-dns")["spec"]
    assert dns["policyTypes"] == ["Egress"] and "ingress" not in dns
    for rule in dns["egress"]:
        assert {port["port"] for port in rule["ports"]} == {53}


def test_every_workload_has_a_network_policy_of_its_own(rendered: Any) -> None:
    for workload in rendered.workloads():
        labels = rendered.pod_labels(workload)
        own = [
            p
            for p in rendered.of_kind("NetworkPolicy")
            if p["spec"]["podSelector"] and rendered.selects(p["spec"]["podSelector"], labels)
        ]
        assert own, f"{rendered.overlay}: no NetworkPolicy selects {workload['metadata']['name']}"


def _egress_targets(rendered: Any, service: str) -> list[tuple[str, set[int]]]:
    policy = rendered.get("NetworkPolicy", service)["spec"]
    targets = []
    for rule in policy.get("egress", []):
        ports = {port["port"] for port in rule.get("ports", [])}
        assert ports, f"{service}: an egress rule without ports allows every port"
        for peer in rule["to"]:
            assert "namespaceSelector" not in peer, f"{service}: egress into other namespaces"
            if "ipBlock" in peer:
                targets.append((f"ipBlock:{peer['ipBlock']['cidr']}", ports))
                assert set(peer["ipBlock"].get("except", [])) >= PRIVATE_RANGES, f"{service}: reaches private ranges"
            else:
                assert set(peer["podSelector"]) == {"matchLabels"}, f"{service}: egress peer {peer}"
                targets.append((peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"], ports))
    return targets


def test_each_service_reaches_only_rabbitmq_its_own_datastore_and_the_collector(rendered: Any) -> None:
    for service in SERVICES:
        allowed = {"rabbitmq": {5672}, f"mongodb-{service}": {27017}, "otel-collector": {4318}}
        if service == "media":
            allowed["minio"] = {9000}
        if service == "releases":
            allowed["ipBlock:0.0.0.0/0"] = {443}  # the national portal, HTTPS only
        targets = dict(_egress_targets(rendered, service))
        assert targets == allowed, f"{rendered.overlay}: {service} egress {targets}"


def test_nameko_services_accept_no_connections_and_the_gateway_only_from_the_ingress_controller(
    rendered: Any,
) -> None:
    for service in NAMEKO_SERVICES:
        assert rendered.get("NetworkPolicy", service)["spec"]["ingress"] == []
    (rule,) = rendered.get("NetworkPolicy", "gateway")["spec"]["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]
    assert [port["port"] for port in rule["ports"]] == [8000]


def _ingress_sources(rendered: Any, policy_name: str) -> set[str]:
    sources: set[str] = set()
    for rule in rendered.get("NetworkPolicy", policy_name)["spec"].get("ingress", []):
        for peer in rule["from"]:
            if "podSelector" not in peer:  # another namespace (the ingress controller): see below
                continue
            selector = peer["podSelector"]
            sources |= set(selector.get("matchLabels", {}).values())
            for expression in selector.get("matchExpressions", []):
                assert expression["operator"] == "In"
                sources |= set(expression["values"])
    return sources


def test_each_datastore_admits_only_its_service(rendered: Any) -> None:
    for service in SERVICES:
        assert _ingress_sources(rendered, f"mongodb-{service}") == {service}
    assert _ingress_sources(rendered, "minio") == {"media", "minio-setup"}
    assert _ingress_sources(rendered, "rabbitmq") == {*SERVICES, "rabbitmq"}


def _ingress_namespaces(rendered: Any, policy_name: str) -> set[str]:
    return {
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in rendered.get("NetworkPolicy", policy_name)["spec"].get("ingress", [])
        for peer in rule["from"]
        if "namespaceSelector" in peer
    }


def test_only_the_gateway_and_the_media_bucket_are_exposed_through_ingresses_with_tls(rendered: Any) -> None:
    """The gateway, and MinIO's media bucket path for presigned URLs; one host, TLS on both."""
    ingresses = {i["metadata"]["name"]: i["spec"] for i in rendered.of_kind("Ingress")}
    assert set(ingresses) == {"gateway", "minio"}
    hosts = set()
    for name, spec in ingresses.items():
        paths = [path for rule in spec["rules"] for path in rule["http"]["paths"]]
        assert {path["backend"]["service"]["name"] for path in paths} == {name}
        tls_hosts = {host for tls in spec["tls"] for host in tls["hosts"]}
        assert {rule["host"] for rule in spec["rules"]} <= tls_hosts and all(t["secretName"] for t in spec["tls"])
        hosts |= tls_hosts
    assert len(hosts) == 1
    bucket = rendered.named_like("ConfigMap", "media-config")["data"]["MEDIA_S3_BUCKET"]
    minio_paths = [path for rule in ingresses["minio"]["rules"] for path in rule["http"]["paths"]]
    assert [(p["path"], p["backend"]["service"]["port"]["name"]) for p in minio_paths] == [(f"/{bucket}/", "s3")]
    media = rendered.named_like("ConfigMap", "media-config")["data"]
    assert media["MEDIA_S3_PUBLIC_ENDPOINT"] in hosts and media["MEDIA_S3_PUBLIC_SECURE"] == "true"
    assert _ingress_namespaces(rendered, "minio") == _ingress_namespaces(rendered, "gateway") == {"ingress-nginx"}
    for service in rendered.of_kind("Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", f"{service['metadata']['name']} is exposed"


def test_rollouts_never_drop_below_the_desired_count(rendered: Any) -> None:
    for service in SERVICES:
        strategy = rendered.get("Deployment", service)["spec"]["strategy"]
        assert strategy["type"] == "RollingUpdate"
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0 and strategy["rollingUpdate"]["maxSurge"] >= 1


def test_termination_grace_covers_the_pre_stop_sleep_and_the_drain(rendered: Any) -> None:
    for service in SERVICES:
        pod = rendered.pod_spec(rendered.get("Deployment", service))
        command = next(rendered.containers(rendered.get("Deployment", service)))["lifecycle"]["preStop"]["exec"]
        assert command["command"][0] == "sleep"
        sleep = int(command["command"][1])
        assert sleep >= 5, f"{service}: endpoints need a few seconds to drop the pod"
        assert pod["terminationGracePeriodSeconds"] >= sleep + 30, f"{service}: no time left to drain workers"


def _env(container: Doc) -> dict[str, Doc]:
    return {item["name"]: item for item in container.get("env", [])}


def _secret_value(rendered: Any, secret_name: str, key: str) -> str:
    secret = rendered.get("Secret", secret_name)
    return base64.b64decode(secret["data"][key]).decode()


def test_each_deployment_reads_its_own_config_and_secret_only(rendered: Any) -> None:
    for service in SERVICES:
        container = next(rendered.containers(rendered.get("Deployment", service)))
        (config_ref,) = container["envFrom"]
        config_name = config_ref["configMapRef"]["name"]
        assert re.fullmatch(rf"{service}-config(-[a-z0-9]+)?", config_name), config_name
        config = rendered.get("ConfigMap", config_name)["data"]
        assert config["MONGO_DB"] == f"presscenter_{service}"
        env = _env(container)
        secret_names = {item["valueFrom"]["secretKeyRef"]["name"] for item in env.values() if "valueFrom" in item}
        assert len(secret_names) == 1, f"{service} reads secrets {secret_names}"
        (secret_name,) = secret_names
        assert re.fullmatch(rf"{service}-secrets(-[a-z0-9]+)?", secret_name), secret_name
        assert {"AMQP_URI", "MONGO_URI"} <= set(env)
        if rendered.overlay == "dev":
            mongo = urlsplit(_secret_value(rendered, secret_name, "MONGO_URI"))
            assert (mongo.username, mongo.hostname, mongo.path) == (
                service,
                f"mongodb-{service}",
                f"/presscenter_{service}",
            )
            assert f"authSource=presscenter_{service}" in mongo.query
            amqp = urlsplit(_secret_value(rendered, secret_name, "AMQP_URI"))
            assert (amqp.username, amqp.hostname, amqp.path) == (service, "rabbitmq", "/presscenter")


def test_each_mongodb_reads_its_own_secret_and_creates_only_its_service_user(rendered: Any) -> None:
    for service in SERVICES:
        container = next(rendered.containers(rendered.get("StatefulSet", f"mongodb-{service}")))
        env = _env(container)
        names = {item["valueFrom"]["secretKeyRef"]["name"] for item in env.values() if "valueFrom" in item}
        assert len(names) == 1 and re.fullmatch(rf"mongodb-{service}-secrets(-[a-z0-9]+)?", names.pop())
        assert {name for name in env if name.endswith("_DB_PASSWORD")} == {f"{service.upper()}_DB_PASSWORD"}


def test_prod_renders_no_secret_values(rendered_overlays: dict[str, Any]) -> None:
    assert rendered_overlays["prod"].of_kind("Secret") == []
    dev_secrets = {s["metadata"]["name"].rsplit("-", 1)[0] for s in rendered_overlays["dev"].of_kind("Secret")}
    referenced = {
        item["valueFrom"]["secretKeyRef"]["name"]
        for workload in rendered_overlays["prod"].workloads()
        for container in rendered_overlays["prod"].containers(workload)
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert referenced <= dev_secrets, f"secrets prod needs that dev does not define: {referenced - dev_secrets}"


@pytest.mark.parametrize("overlay, expected", [("dev", 1), ("prod", 3)])
def test_rabbitmq_runs_one_node_in_dev_and_a_three_node_cluster_in_prod(
    rendered_overlays: dict[str, Any], overlay: str, expected: int
) -> None:
    rendered = rendered_overlays[overlay]
    assert rendered.get("StatefulSet", "rabbitmq")["spec"]["replicas"] == expected
    config = rendered.named_like("ConfigMap", "rabbitmq-config")["data"]
    assert "default_queue_type = quorum" in config["10-presscenter.conf"]
    assert ("20-cluster.conf" in config) == (expected > 1)
    if expected > 1:
        for index in range(expected):
            assert f"rabbit@rabbitmq-{index}.rabbitmq-nodes.presscenter.svc.cluster.local" in config["20-cluster.conf"]
