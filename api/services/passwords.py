"""Password hashing (argon2id) and the strength rule for new passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a password anyone has: equalises timing")

MIN_LENGTH = 12
COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "123456789012",
        "qwertyuiop",
        "azertyuiop",
        "iloveyou",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "changeme",
        "shelfwise",
        "motdepasse",
        "rakuten",
        "secret",
        "trustno1",
        "football",
        "baseball",
        "dragon",
    }
)


class WeakPassword(ValueError):
    """A password the strength rule refuses; the message says why."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (unknown user) it still costs one check."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_strength(password: str, username: str) -> None:
    """Raise WeakPassword unless ``password`` is long, varied and not an obvious guess.

    At least 12 characters from 3 of 4 classes (lower, upper, digit, other), or
    a passphrase of 20+ characters; never containing the username, never a
    well-known password, never one repeated character.
    """
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > 256:
        raise WeakPassword("The password must have at most 256 characters.")
    if username and username.lower() in lowered:
        raise WeakPassword("The password must not contain the username.")
    if lowered.strip("0123456789!@#$%^&*.?_- ") in COMMON or len(set(password)) < 5:
        raise WeakPassword("The password is too easy to guess.")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3 and len(password) < 20:
        raise WeakPassword(
            "Use at least 3 of: lower case, upper case, digits, symbols "
            "(or a passphrase of 20 characters or more)."
        )
