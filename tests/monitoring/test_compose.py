"""The compose `monitoring` profile: Prometheus scrapes what the services expose, and the
Grafana dashboard plots only metrics the code defines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
OBSERVABILITY = [
    "api/observability.py",
    "model_service/observability.py",
    "trainer/observability.py",
]
METRIC = re.compile(r"\bshelfwise_[a-z0-9_]+\b")
# What prometheus_client appends to a histogram's or counter's name in the exposition.
SUFFIXES = ("", "_bucket", "_sum", "_count", "_total", "_created")


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def host_path(volume: str) -> Path:
    return ROOT / volume.split(":")[0]


def defined_metrics() -> set[str]:
    names: set[str] = set()
    for module in OBSERVABILITY:
        names |= set(re.findall(r'"(shelfwise_[a-z0-9_]+)"', (ROOT / module).read_text()))
    return {name + suffix for name in names for suffix in SUFFIXES}


def scrape_targets(config: dict[str, Any]) -> list[tuple[str, int]]:
    """(host or DNS name, port) of every scrape job."""
    found = []
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                found.append((host, int(port)))
        for sd in job.get("dns_sd_configs", []):
            found += [(name.removeprefix("tasks."), int(sd["port"])) for name in sd["names"]]
    return found


def test_the_profile_runs_prometheus_and_grafana_only_on_demand() -> None:
    services = compose()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
    assert all(
        "profiles" not in s for n, s in services.items() if n not in {"prometheus", "grafana"}
    )
    # No default password: Grafana's entrypoint refuses to start without one.
    password = services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert password == "${GRAFANA_ADMIN_PASSWORD:-}"
    guard = " ".join(services["grafana"]["entrypoint"])
    assert 'test -n "$$GF_SECURITY_ADMIN_PASSWORD"' in guard and "exit 1" in guard
    mounts = [host_path(v) for v in services["prometheus"]["volumes"] if v.startswith("./")]
    mounts += [host_path(v) for v in services["grafana"]["volumes"] if v.startswith("./")]
    assert mounts and all(path.exists() for path in mounts)


def test_every_scrape_target_is_a_port_the_service_serves_metrics_on() -> None:
    services = compose()["services"]
    prometheus = services["prometheus"]
    config_file = next(v for v in prometheus["volumes"] if "prometheus.yml" in v)
    targets = scrape_targets(yaml.safe_load(host_path(config_file).read_text()))
    assert {host for host, _ in targets} == {"api", "model", "trainer"}
    for host, port in targets:
        service = services[host]
        given = service["environment"].get("METRICS_PORT")
        if given is not None:
            assert int(given) == port, host
        else:  # the API serves /metrics on its HTTP port
            container_ports = [int(str(p).rsplit(":", 1)[1]) for p in service["ports"]]
            assert port in container_ports, host
    # A model service scaled to N replicas must stay one DNS name, not N fixed targets.
    assert "container_name" not in services["model"]


def test_grafana_reads_prometheus_and_its_dashboard() -> None:
    datasource = yaml.safe_load(
        (MONITORING / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    provider = yaml.safe_load(
        (MONITORING / "grafana/provisioning/dashboards/shelfwise.yml").read_text()
    )["providers"][0]
    mounted = {v.split(":")[1]: host_path(v) for v in compose()["services"]["grafana"]["volumes"]}
    dashboards = mounted[provider["options"]["path"]]
    dashboard = json.loads((dashboards / "shelfwise.json").read_text())
    uids = {
        target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel["targets"]
    }
    assert uids == {datasource["uid"]}


def test_the_dashboard_plots_only_metrics_the_code_defines() -> None:
    dashboard = json.loads((MONITORING / "grafana/dashboards/shelfwise.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    defined = defined_metrics()
    assert "shelfwise_worker_batch_size_bucket" in defined  # the extraction itself works
    assert used - defined == set()
    wanted = {
        "shelfwise_api_requests_total",
        "shelfwise_api_request_seconds_bucket",
        "shelfwise_queue_depth",
        "shelfwise_queue_oldest_job_age_seconds",
        "shelfwise_live_workers",
        "shelfwise_worker_batch_size_bucket",
        "shelfwise_worker_inference_seconds_bucket",
        "shelfwise_worker_model_info",
        "shelfwise_trainer_jobs_total",
        "shelfwise_last_evaluated_f1",
    }
    assert wanted <= used
