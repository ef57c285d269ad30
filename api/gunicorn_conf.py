"""gunicorn settings for the API: threads, because each request blocks waiting on Redis."""

import os
import shutil

from common.settings import Settings

_settings = Settings()

bind = f"{_settings.api_host}:{_settings.api_port}"
worker_class = "gthread"
workers = _settings.api_workers
threads = _settings.api_threads
timeout = int(_settings.predict_timeout_s) + 30
graceful_timeout = int(_settings.predict_timeout_s) + 5
keepalive = 5
accesslog = "-" if _settings.log_level.upper() == "DEBUG" else None

# The API processes share their Prometheus metrics through files in one directory,
# emptied at each start; prometheus_client finds it in the environment of the workers.
_metrics_dir = _settings.prometheus_multiproc_dir or _settings.var_dir / "prometheus"
shutil.rmtree(_metrics_dir, ignore_errors=True)
_metrics_dir.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def child_exit(_server, worker):  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(_metrics_dir))
