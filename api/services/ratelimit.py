"""Rate limits with Redis counters: prediction quotas per account; login throttling by
failures per username and attempts per client address.

Fixed windows: the first hit creates a counter that expires after the window.
Counting failures (not attempts) per username keeps a legitimate user who logs
in often from locking himself out; counting every attempt per address caps a
single client's guessing across usernames.
"""

from __future__ import annotations

import hashlib
import time

import redis

from common import keys
from common.settings import Settings

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


_QUOTA = """
local requests = redis.call('INCR', KEYS[1])
local products = redis.call('INCRBY', KEYS[2], ARGV[1])
if requests == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if products == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
local over_requests = tonumber(ARGV[3]) > 0 and requests > tonumber(ARGV[3])
local over_products = tonumber(ARGV[4]) > 0 and products > tonumber(ARGV[4])
if over_requests or over_products then
  redis.call('DECR', KEYS[1])
  redis.call('DECRBY', KEYS[2], ARGV[1])
  return {over_requests and 1 or 0, redis.call('TTL', KEYS[1])}
end
return false
"""


class QuotaExceeded(Exception):
    """A caller used his minute's prediction requests (``what="requests"``) or products."""

    def __init__(self, what: str, limit: int, retry_after_s: int) -> None:
        super().__init__(f"{what} quota of {limit} per minute used")
        self.what = what
        self.limit = limit
        self.retry_after_s = max(retry_after_s, 1)


class PredictQuota:
    """Requests and products per minute on the prediction routes, per account (or address).

    Fixed one-minute windows of two Redis counters, counted and checked in one script;
    a refused request counts for nothing.
    """

    WINDOW_S = 60

    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self.max_requests = settings.predict_requests_per_minute
        self.max_products = settings.predict_products_per_minute
        self._count = client.register_script(_QUOTA)

    def spend(self, caller: str, products: int) -> None:
        """Count one request of ``products`` for ``caller``; QuotaExceeded when over."""
        if not (self.max_requests or self.max_products):
            return
        window = int(time.time()) // self.WINDOW_S
        refused = self._count(
            keys=[keys.quota_requests(caller, window), keys.quota_products(caller, window)],
            args=[products, self.WINDOW_S + 1, self.max_requests, self.max_products],
        )
        if refused:
            over_requests, ttl = refused
            if over_requests:
                raise QuotaExceeded("requests", self.max_requests, int(ttl))
            raise QuotaExceeded("products", self.max_products, int(ttl))


class LoginLimited(Exception):
    """Too many logins; ``retry_after_s`` says when the window ends."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"retry after {retry_after_s} s")
        self.retry_after_s = max(retry_after_s, 1)


def _user_key(username: str) -> str:
    # Hashed: an attacker's arbitrary usernames never become raw key names.
    return keys.login_failures(hashlib.sha256(username.lower().encode()).hexdigest()[:32])


class LoginLimiter:
    """The login rate limits of the settings, on ``client``."""

    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self.client = client
        self.window_s = settings.login_window_s
        self.max_failures = settings.login_max_failures_per_user
        self.max_attempts = settings.login_max_attempts_per_address
        self._hit = client.register_script(_HIT)

    def check(self, username: str, address: str) -> None:
        """Count this attempt for ``address``; LoginLimited if either limit is reached."""
        attempts, ttl = self._hit(keys=[keys.login_attempts(address)], args=[self.window_s])
        if int(attempts) > self.max_attempts:
            raise LoginLimited(int(ttl))
        raw = self.client.get(_user_key(username))
        if raw is not None and int(raw) >= self.max_failures:
            raise LoginLimited(int(self.client.ttl(_user_key(username))))

    def failed(self, username: str) -> None:
        self._hit(keys=[_user_key(username)], args=[self.window_s])

    def succeeded(self, username: str) -> None:
        self.client.delete(_user_key(username))
