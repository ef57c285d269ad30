"""Entry point for gunicorn: ``gunicorn -c frontend/gunicorn_conf.py frontend.wsgi:app``."""

from common.logs import configure_logging
from common.settings import Settings
from frontend.app import create_app

settings = Settings()
configure_logging(settings.log_level, settings.log_format, service="frontend")
app = create_app(settings)
