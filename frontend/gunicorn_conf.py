"""gunicorn settings for the frontend."""

from common.settings import Settings

_settings = Settings()

bind = f"{_settings.frontend_host}:{_settings.frontend_port}"
worker_class = "gthread"
workers = 1
threads = 8
timeout = 60
