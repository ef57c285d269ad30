"""Login throttling with Redis counters: failures per username, attempts per client address.

Fixed windows: the first hit creates a counter that expires after the window.
Counting failures (not attempts) per username keeps a legitimate user who logs
in often from locking himself out; counting every attempt per address caps a
single client's guessing across usernames.
"""

from __future__ import annotations

import hashlib

import redis

from common import keys
from common.settings import Settings

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


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
