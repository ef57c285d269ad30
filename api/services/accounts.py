"""Accounts: creating users, logging in, deactivating. Views and the CLI call these."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from flask_jwt_extended import create_access_token
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.services.passwords import WeakPassword, check_strength, hash_password, verify_password
from api.services.ratelimit import LoginLimited, LoginLimiter
from common.events import add_event, record_event
from common.orm import ROLE_ADMIN, ROLE_USER, User, utcnow
from common.settings import Settings

logger = logging.getLogger(__name__)

ROLES = (ROLE_USER, ROLE_ADMIN)
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$")


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "email": user.email,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def create_user(
    sessions: sessionmaker[Session],
    username: str,
    password: str,
    role: str = ROLE_USER,
    actor: str | None = None,
    email: str | None = None,
) -> User:
    """A new active account; 422 for a bad name, role or weak password, 409 if taken."""
    if not USERNAME.match(username):
        raise ApiError(
            422,
            "invalid_username",
            "A username has 3 to 64 characters: letters, digits, '_', '.', '@', '-'.",
        )
    if role not in ROLES:
        raise ApiError(422, "invalid_role", f"role must be one of {', '.join(ROLES)}.")
    try:
        check_strength(password, username)
    except WeakPassword as exc:
        raise ApiError(422, "weak_password", str(exc)) from None
    try:
        with sessions.begin() as session:
            user = User(
                username=username, password_hash=hash_password(password), role=role, email=email
            )
            session.add(user)
            session.flush()
            add_event(session, "user", f"{role} {username} created", actor=actor, subject=username)
    except IntegrityError:
        raise ApiError(409, "username_taken", f"The username '{username}' is taken.") from None
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def login(
    sessions: sessionmaker[Session],
    limiter: LoginLimiter,
    settings: Settings,
    username: str,
    password: str,
    address: str,
) -> dict[str, Any]:
    """A bearer token for valid credentials of an active user.

    Unknown user, wrong password and deactivated account get the same answer,
    after the same amount of work.
    """
    try:
        limiter.check(username, address)
    except LoginLimited as exc:
        record_event(
            sessions,
            "auth",
            f"login throttled for {username!r} from {address}",
            level="warning",
            subject=username,
        )
        raise ApiError(
            429,
            "too_many_attempts",
            "Too many login attempts; retry later.",
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from None
    with sessions.begin() as session:
        user = find_user(session, username)
        ok = verify_password(user.password_hash if user else None, password)
        if not (ok and user is not None and user.active):
            limiter.failed(username)
            add_event(
                session,
                "auth",
                f"failed login for {username!r} from {address}",
                level="warning",
                subject=username,
            )
            failed = True
        else:
            user.last_login_at = utcnow()
            add_event(session, "auth", f"{username} logged in from {address}", actor=username)
            failed = False
            claims = {"role": user.role, "username": user.username}
            user_id = user.id
    if failed:
        raise ApiError(401, "invalid_credentials", "Unknown username or wrong password.")
    limiter.succeeded(username)
    expires = timedelta(seconds=settings.jwt_expires_s)
    token = create_access_token(str(user_id), additional_claims=claims, expires_delta=expires)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": settings.jwt_expires_s,
        "role": claims["role"],
        "username": claims["username"],
    }


def set_active(sessions: sessionmaker[Session], username: str, active: bool, actor: str) -> User:
    """Deactivate (or reactivate) an account; its tokens stop working at once."""
    with sessions.begin() as session:
        user = find_user(session, username)
        if user is None:
            raise ApiError(404, "not_found", f"No user named '{username}'.")
        if not active and user.username == actor:
            raise ApiError(409, "cannot_deactivate_self", "An admin cannot deactivate himself.")
        user.active = active
        verb = "reactivated" if active else "deactivated"
        add_event(session, "user", f"{username} {verb}", actor=actor, subject=username)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def ensure_first_admin(sessions: sessionmaker[Session], settings: Settings) -> User | None:
    """Create the admin named by ADMIN_USERNAME/ADMIN_PASSWORD if no admin exists yet."""
    if not settings.admin_username:
        return None
    with sessions() as session:
        admins = session.scalar(select(func.count()).where(User.role == ROLE_ADMIN))
    if admins:
        return None
    password = settings.admin_password.get_secret_value()
    try:
        user = create_user(sessions, settings.admin_username, password, ROLE_ADMIN, actor="setup")
    except ApiError as exc:
        if exc.code == "username_taken":  # another process of this API just made it
            return None
        raise
    logger.info("first admin %s created", user.username)
    return user
