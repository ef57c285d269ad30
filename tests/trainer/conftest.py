from tests.db_fixtures import db_url, postgres_url  # noqa: F401
