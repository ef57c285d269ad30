"""gunicorn settings for the API: threads, because each request blocks waiting on Redis."""

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
