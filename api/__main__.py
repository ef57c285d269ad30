"""``python -m api create-admin``: the first admin account (or another one).

Reads ADMIN_USERNAME and ADMIN_PASSWORD when set, otherwise asks for them.
A weak password is refused, as it is for every account.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from api.errors import ApiError
from api.services.accounts import create_user
from common.db import init_db, session_factory
from common.logs import configure_logging
from common.orm import ROLE_ADMIN
from common.settings import Settings, load_settings


def create_admin(settings: Settings, role: str = ROLE_ADMIN) -> int:
    username = settings.admin_username or input("Admin username: ").strip()
    password = settings.admin_password.get_secret_value()
    if not password:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            sys.stderr.write("error: the passwords differ\n")
            return 2
    sessions = session_factory(init_db(settings))
    try:
        user = create_user(sessions, username, password, role, actor="create-admin")
    except ApiError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 2
    sys.stdout.write(f"{user.role} {user.username} created\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-admin", help="create an admin account")
    p.add_argument("--role", choices=("admin", "user"), default=ROLE_ADMIN)
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format, service="api")
    return create_admin(settings, args.role)


if __name__ == "__main__":
    sys.exit(main())
