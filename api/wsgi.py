"""Entry point for gunicorn: ``gunicorn -c api/gunicorn_conf.py api.wsgi:app``."""

from api.app import create_app
from common.logs import configure_logging
from common.settings import Settings

settings = Settings()
configure_logging(settings.log_level, settings.log_format, service="api")
app = create_app(settings)
