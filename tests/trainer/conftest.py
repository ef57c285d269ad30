import pytest

from tests.db_fixtures import db_url, postgres_url  # noqa: F401


@pytest.fixture
def keras_seed() -> None:
    """Keras' random state fixed, so a tiny training run is the same every time."""
    import keras

    keras.utils.set_random_seed(0)
