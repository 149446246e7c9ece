"""`tribe-sync console` (the staff web console) and `tribe-sync users …` (its local accounts)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
import uvicorn

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import app_context
from tribe_sync.cli.output import emit_json, table
from tribe_sync.console.app import create_app
from tribe_sync.errors import UserError
from tribe_sync.http_server import quiet_when_answered, refuse_unless_can_listen
from tribe_sync.store.users import MIN_PASSWORD_LENGTH, Role, UserStore

__all__ = ["console", "users"]

users = typer.Typer(help="The console's local accounts (viewer < approver < admin).", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The account's name (a-z, 0-9, '.', '_', '-').")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (never from an argument or a file); without it, "
        "the password is asked twice, hidden, on a terminal.",
    ),
]


def console(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default console.host).")] = None,
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Port (default console.port).")] = None,
) -> None:
    """Serve the staff console. Put it behind a reverse proxy with TLS to reach it from elsewhere."""
    context = app_context(ctx)
    settings = context.settings
    bind_host = host or settings.console.host
    bind_port = settings.console.port if port is None else port
    given = frozenset(name for name, value in (("--host", host), ("--port", port)) if value is not None)
    refuse_unless_can_listen(bind_host, bind_port, settings, "console", options=given)
    services = Services(settings)
    try:
        store = UserStore(services.journal, services.clock)
        if not store.all_users():
            context.err.print(
                "There are no accounts yet: make one with "
                "`tribe-sync users add NAME --role admin --password-stdin`."
            )
        app = create_app(services, store, warm=True)
        context.err.print(f"The console is at http://{bind_host}:{bind_port}/ (Ctrl+C stops it).")
        # proxy_headers: behind a TLS proxy on loopback the scheme is https, so cookies get Secure.
        uvicorn.run(
            quiet_when_answered(app), host=bind_host, port=bind_port, log_level="warning", proxy_headers=True
        )
    finally:
        services.close()


def _password(from_stdin: bool) -> str:
    """From standard input with --password-stdin (scripts); else asked twice, hidden, on a terminal.
    Never from an argument, where `ps` and the shell's history would keep it."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise typer.BadParameter("standard input held no password", param_hint="--password-stdin")
        return password
    if not sys.stdin.isatty():
        raise typer.BadParameter(
            "not given, and there is no terminal to ask the password on: pipe it in, e.g. "
            '`echo "$PASSWORD" | tribe-sync users add NAME --role viewer --password-stdin`',
            param_hint="--password-stdin",
        )
    password = getpass.getpass("Password: ")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise typer.BadParameter(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters; nothing was changed",
            param_hint="password",
        )
    if getpass.getpass("The same password again: ") != password:
        raise typer.BadParameter("the two passwords differ; nothing was changed", param_hint="password")
    return password


def _store(ctx: typer.Context) -> tuple[Services, UserStore]:
    services = Services(app_context(ctx).settings)
    return services, UserStore(services.journal, services.clock)


def _done(ctx: typer.Context, message: str) -> None:
    app_context(ctx).err.print(message, highlight=False)


@users.command("add")
def add(
    ctx: typer.Context,
    name: Name,
    role: Annotated[Role, typer.Option(help="viewer, approver or admin.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Make an account; the password is asked twice on a terminal, or comes on standard input with
    --password-stdin (`… | tribe-sync users add …`)."""
    password = _password(password_stdin)
    services, store = _store(ctx)
    with services:
        try:
            user = store.add(name, role, password)
        except UserError as exc:
            raise typer.BadParameter(str(exc)) from None
    _done(ctx, f"Account {user.name} ({user.role.value}) made.")


@users.command("list")
def list_users(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Every account with its role; never a password or its hash."""
    services, store = _store(ctx)
    with services:
        accounts = store.all_users()
    if as_json:
        emit_json(
            {
                "users": [
                    {
                        "name": u.name,
                        "role": u.role.value,
                        "created_at": u.created_at.isoformat(),
                        "password_changed_at": u.password_changed_at.isoformat(),
                    }
                    for u in accounts
                ]
            }
        )
        return
    table(
        app_context(ctx),
        "Console accounts",
        ["name", "role", "created", "password changed"],
        [
            (
                u.name,
                u.role.value,
                f"{u.created_at:%Y-%m-%d %H:%M}",
                f"{u.password_changed_at:%Y-%m-%d %H:%M}",
            )
            for u in accounts
        ],
    )


@users.command("remove")
def remove(ctx: typer.Context, name: Name) -> None:
    """Remove an account; its sessions end at their next request."""
    services, store = _store(ctx)
    with services:
        try:
            store.remove(name.strip().lower())
        except UserError as exc:
            raise typer.BadParameter(str(exc), param_hint="NAME") from None
    _done(ctx, f"Account {name} removed.")


@users.command("passwd")
def passwd(ctx: typer.Context, name: Name, password_stdin: PasswordStdin = False) -> None:
    """Set a new password; the account's open sessions end."""
    password = _password(password_stdin)
    services, store = _store(ctx)
    with services:
        try:
            store.set_password(name.strip().lower(), password)
        except UserError as exc:
            raise typer.BadParameter(str(exc)) from None
    _done(ctx, f"Password of {name} changed; its sessions have ended.")
