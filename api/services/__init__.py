"""What the routes use: the clients built once by the app factory (``Services``, read with
``services()``), and the service modules that hold the API's work (broker, jobs, uploads,
accounts, callbacks, …)."""

from api.services.container import Services, services

__all__ = ["Services", "services"]
