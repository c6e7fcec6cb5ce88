"""`servicestat users add|remove` and `servicestat tokens add`: who may sign in, who may submit.

The files are dashboard.accounts'; an agency must be one of data/agencies.csv (a typo is refused
with the closest ids), and replacing or removing a user ends their sessions at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from servicestat.output import console


def _read_password(from_stdin: bool) -> str:
    """A new password, typed twice at a prompt or one line on standard input; never an argument."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Again: "):
        raise ValueError("the two passwords differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from dashboard.auth import AuthConfigError, add_user, users_path

    path = Path(args.file) if args.file else users_path()
    try:
        password = None if args.no_password else _read_password(args.password_stdin)
        if password is not None and len(password) < 12:
            raise ValueError("a password needs at least 12 characters")
        user = add_user(path, args.name, args.role, args.agency, password=password, email=args.email)
    except (AuthConfigError, ValueError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"user {user.username} ({user.role_label}) saved in {path} (password stored hashed;"
                  " any earlier sessions of the user are ended)")
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    from dashboard.auth import AuthConfigError, remove_user, users_path

    path = Path(args.file) if args.file else users_path()
    try:
        ended = remove_user(path, args.name)
    except KeyError:
        console.print(f"[red]error[/]: there is no user {args.name!r} in {path}", highlight=False)
        return 2
    except AuthConfigError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"user {args.name} removed from {path}; {ended} session(s) ended")
    return 0


def cmd_tokens_add(args: argparse.Namespace) -> int:
    from dashboard.auth import AuthConfigError, add_token, tokens_path

    path = Path(args.file) if args.file else tokens_path()
    try:
        token = add_token(path, args.agency, label=args.label)
    except AuthConfigError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"submission token for {args.agency} saved (hashed) in {path}; it is shown only now:")
    sys.stdout.write(token + "\n")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `users` and `tokens` commands."""
    p = sub.add_parser("users", help="manage dashboard sign-in users ($SERVICESTAT_USERS)")
    users = p.add_subparsers(dest="users_command", required=True)
    p = users.add_parser("add", help="add or replace a user (the password is asked for and stored hashed)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=("agency", "omb"))
    p.add_argument("--agency", metavar="AGENCY_ID", help="the agency of an agency manager")
    p.add_argument("--email", help="the address an OpenID Connect provider (Login.gov) vouches for")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--no-password", action="store_true", help="OpenID Connect sign-in only")
    p.add_argument("--file", metavar="PATH",
                   help="users file (default $SERVICESTAT_USERS or data/users.yaml)")
    p.set_defaults(fn=cmd_users_add)
    p = users.add_parser("remove", help="remove a user and end their sessions")
    p.add_argument("name")
    p.add_argument("--file", metavar="PATH",
                   help="users file (default $SERVICESTAT_USERS or data/users.yaml)")
    p.set_defaults(fn=cmd_users_remove)

    p = sub.add_parser("tokens", help="manage agency submission tokens ($SERVICESTAT_TOKENS)")
    tokens = p.add_subparsers(dest="tokens_command", required=True)
    p = tokens.add_parser("add", help="create a submission token for one agency (printed once)")
    p.add_argument("agency", metavar="AGENCY_ID")
    p.add_argument("--label", help="a note saying who holds the token")
    p.add_argument("--file", metavar="PATH",
                   help="tokens file (default $SERVICESTAT_TOKENS or data/tokens.yaml)")
    p.set_defaults(fn=cmd_tokens_add)
