from tests.api.conftest import (  # noqa: F401  (the API fixtures, shared)
    admin,
    alice,
    app,
    client,
    fake_worker,
    make_user,
    settings_api,
    svc,
)
