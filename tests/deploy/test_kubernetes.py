"""deploy/kubernetes, checked offline: every core object against Kubernetes' own schema
(kubernetes-validate), and the wiring between them, the images and the code."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from common import keys
from common.settings import Settings
from tests.deploy.conftest import (
    LOCAL_DEFAULTS,
    ROOT,
    RUNTIME_ENV,
    SECRETS,
    SERVICE_CODE,
    SERVICE_DIRS,
    SETTINGS,
    SHARED_STATE,
    command_exists,
    dockerfile,
    load_yaml,
    load_yaml_all,
    settings_read_by,
)

kubernetes_validate = pytest.importorskip("kubernetes_validate")

K8S = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30.0"
NOT_CORE = {("keda.sh/v1alpha1", "ScaledObject")}  # a CRD: checked field by field below


def kustomization() -> dict[str, Any]:
    return load_yaml(K8S / "kustomization.yaml")


def objects() -> list[dict[str, Any]]:
    return [doc for name in kustomization()["resources"] for doc in load_yaml_all(K8S / name)]


def find(kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def container(deployment: str) -> dict[str, Any]:
    containers = find("Deployment", deployment)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def pod_env(service: str) -> tuple[dict[str, str], set[str]]:
    """What the container sees (image ENV, config map, env) and which names are secrets."""
    spec = container(service)
    env = dockerfile(service).env
    for source in spec.get("envFrom", []):
        env.update(find("ConfigMap", source["configMapRef"]["name"])["data"])
    secret = set()
    for item in spec.get("env", []):
        if "valueFrom" in item:
            assert "secretKeyRef" in item["valueFrom"], item
            env[item["name"]] = f"{item['name'].lower()}-from-the-secret-long-enough"
            secret.add(item["name"])
        else:
            env[item["name"]] = item["value"]
    return env, secret


def test_every_file_is_in_the_kustomization() -> None:
    listed = set(kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk
    named = {image["name"] for image in kustomization()["images"]}
    used = {container(s)["image"] for s in SERVICE_DIRS}
    assert used == named == {f"shelfwise-{s}" for s in SERVICE_DIRS}


def test_core_objects_follow_the_kubernetes_schema() -> None:
    checked = 0
    for obj in objects():
        if (obj["apiVersion"], obj["kind"]) in NOT_CORE:
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 14


def test_the_schema_check_would_catch_a_mistake() -> None:
    deployment = find("Deployment", "model")
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["request"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_deployments_and_services_match() -> None:
    for name in ("api", "model", "frontend", "trainer"):
        deployment = find("Deployment", name)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for service in (o for o in objects() if o["kind"] == "Service"):
        pods = [
            o
            for o in objects()
            if o["kind"] in {"Deployment", "StatefulSet"}
            and service["spec"]["selector"].items()
            <= o["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(pods) == 1, service["metadata"]["name"]
        declared = [
            port
            for c in pods[0]["spec"]["template"]["spec"]["containers"]
            for port in c.get("ports", [])
        ]
        ports = {p.get("name") for p in declared} | {p["containerPort"] for p in declared}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, service["metadata"]["name"]


@pytest.mark.parametrize("service", sorted(SERVICE_DIRS))
def test_commands_and_probes_exist_and_match_the_image(service: str) -> None:
    spec = container(service)
    assert spec["command"] == dockerfile(service).cmd
    probes = [spec[p] for p in ("startupProbe", "livenessProbe", "readinessProbe") if p in spec]
    assert probes, service
    for probe in probes:
        if "exec" in probe:
            assert command_exists(probe["exec"]["command"]) is None, probe
        else:
            assert probe["httpGet"]["path"] == "/health"
    pod = find("Deployment", service)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == dockerfile(service).all("USER")[-1]


@pytest.mark.parametrize("service", sorted(SERVICE_DIRS))
def test_environment_is_settings_and_covers_what_the_code_reads(service: str) -> None:
    env, secret = pod_env(service)
    assert set(env) - SETTINGS - RUNTIME_ENV == set()
    Settings(**{k.lower(): v for k, v in env.items() if k in SETTINGS})
    read = settings_read_by(*SERVICE_CODE[service])
    assert {n for n in read & LOCAL_DEFAULTS if n.upper() not in env} == set(), service
    for name in read & SECRETS:
        assert name.upper() in secret, f"{service}: {name.upper()} must come from a Secret"
    assert not {"DATABASE_URL", "JWT_SECRET_KEY"} & (set(env) - secret)


def test_shared_state_is_on_the_same_claims() -> None:
    claims: dict[str, set[str]] = {}
    for service, folder in SERVICE_DIRS.items():
        env, _ = pod_env(service)
        pod = find("Deployment", service)["spec"]["template"]["spec"]
        volumes = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        mounts = {m["mountPath"]: m["name"] for m in container(service).get("volumeMounts", [])}
        for name in settings_read_by(folder) & SHARED_STATE:
            path = env[name.upper()]
            assert path in mounts and mounts[path] in volumes, (service, name)
            claims.setdefault(name, set()).add(volumes[mounts[path]])
    assert all(len(found) == 1 for found in claims.values()), claims
    pvcs = {o["metadata"]["name"]: o for o in objects() if o["kind"] == "PersistentVolumeClaim"}
    for (claim,) in claims.values():
        assert pvcs[claim]["spec"]["accessModes"] == ["ReadWriteMany"], claim


def test_model_workers_scale_on_the_predict_stream() -> None:
    scaler = find("ScaledObject", "model")
    assert scaler["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaler["spec"]
    assert spec["scaleTargetRef"]["name"] == "model"
    assert spec["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    redis_url = find("ConfigMap", "shelfwise-config")["data"]["REDIS_URL"]
    redis_service = re.match(r"redis://([^:/]+):(\d+)", redis_url)
    assert redis_service
    namespace = kustomization()["namespace"]
    targets = set()
    for trigger in spec["triggers"]:
        assert trigger["type"] == "redis-streams"
        meta = trigger["metadata"]
        # KEDA's operator runs in its own namespace: the Service's full name.
        host = f"{redis_service[1]}.{namespace}.svc.cluster.local:{redis_service[2]}"
        assert meta["address"] == host
        assert meta["stream"] == keys.PREDICT_STREAM
        assert meta["consumerGroup"] == keys.WORKER_GROUP
        found = {k for k in ("pendingEntriesCount", "lagCount", "streamLength") if k in meta}
        assert len(found) == 1, meta
        (target,) = found
        assert int(meta[target]) > 0
        targets.add(target)
    assert targets == {"pendingEntriesCount", "lagCount"}
    assert not [o for o in objects() if o["kind"] == "HorizontalPodAutoscaler"]  # KEDA's own


def test_stateful_dependencies_keep_their_data() -> None:
    redis = find("StatefulSet", "redis")["spec"]
    assert "--appendonly" in redis["template"]["spec"]["containers"][0]["args"]
    for name in ("redis", "db"):
        spec = find("StatefulSet", name)["spec"]
        mount = spec["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"]
        assert mount in {t["metadata"]["name"] for t in spec["volumeClaimTemplates"]}
    password = find("StatefulSet", "db")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert any("secretKeyRef" in e.get("valueFrom", {}) for e in password)
    assert yaml.safe_dump(objects()).count("password:") == 0  # no secret in the manifests
