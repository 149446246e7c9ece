"""The staff console: server-rendered pages (Starlette + Jinja2), htmx for partial updates.

Every route goes through one of two guards, `page` (GET: a logged-in user with at least the role)
and `action` (POST: the same plus the session's CSRF token), so no handler can forget either; a test
walks every route with every role. Handlers are plain functions run in the thread pool, because the
store and the read model are synchronous. Nothing is served before login but `/login` and `/healthz`:
not even the stylesheet, which the login page carries inline (allowed by its hash in the CSP).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribe_sync.bootstrap import Services
from tribe_sync.console.derived import Derived
from tribe_sync.console.format import dutch_date, dutch_datetime, dutch_number, file_size
from tribe_sync.console.security import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    LoginThrottle,
    Session,
    SessionCodec,
    csrf_matches,
    security_headers,
    style_hash,
)
from tribe_sync.domain.counts import counted
from tribe_sync.store.users import Role, User, UserStore

__all__ = ["NAVIGATION", "Console", "Ctx", "Page", "create_app"]

log = logging.getLogger("tribe_sync.console")

# (path, label): the navigation staff know (README, The staff console), in order, plus the Verwerker page.
NAVIGATION = (
    ("/", "Overzicht"),
    ("/leveringsmaanden", "Leveringsmaanden"),
    ("/aanvragen", "Aanvragen"),
    ("/organisaties", "Organisaties"),
    ("/prognoses", "Prognoses"),
    ("/plannen", "Plannen"),
    ("/problemen", "Problemen"),
    ("/runs", "Runs"),
    ("/verwerker", "Verwerker"),
)
STATIC_FILES = {"console.css": "text/css", "htmx.min.js": "text/javascript"}


@dataclass
class Ctx:
    """One request as a handler sees it: who asks, their session, and the submitted form."""

    request: Request
    session: Session
    user: User
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"


@dataclass
class Page:
    """What a handler returns: a template and its values, or a redirect with an optional notice."""

    template: str = ""
    title: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    redirect: str | None = None
    status: int = 200


Handler = Callable[[Ctx], Page | Response]


class Console:
    def __init__(
        self,
        services: Services,
        users: UserStore | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.tz = ZoneInfo(self.settings.programme.timezone)
        self.users = users or UserStore(services.journal, services.clock)
        console = self.settings.console
        secret = console.secret_key.get_secret_value() if console.secret_key else self.users.session_secret()
        self.codec = SessionCodec(secret, idle_timeout_s=console.idle_timeout_min * 60)
        self.throttle = throttle or LoginThrottle(console.login_max_failures, console.login_window_s)
        self.env = Environment(
            loader=PackageLoader("tribe_sync.console", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["datum"] = lambda d: dutch_date(d, self.tz)
        self.env.filters["datumtijd"] = lambda d: dutch_datetime(d, self.tz)
        self.env.filters["getal"] = dutch_number
        self.env.filters["grootte"] = file_size
        self.env.filters["aantal"] = lambda n, one, many: counted(n, one, many, number=dutch_number(n))
        self.static = {
            name: (resources.files("tribe_sync.console").joinpath("static").joinpath(name).read_bytes(), kind)
            for name, kind in STATIC_FILES.items()
        }
        self.css = self.static["console.css"][0].decode()
        self.headers = security_headers(style_hash(self.css))
        self.routes: list[tuple[str, str, Role | None]] = []  # (method, path, role) for the route tests
        self.returns: list[tuple[str, str]] = []  # (action path, page a GET on it goes to)
        self._routes: list[BaseRoute] = []
        self._app: ASGIApp | None = None

    @cached_property
    def derived(self) -> Derived:
        """What the pages work out from the read model, once per refresh."""
        return Derived(self.services.mirror)

    # -- the two guards ------------------------------------------------------------------------

    def page(self, path: str, role: Role = Role.VIEWER) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._add("GET", path, role, handler)
            return handler

        return register

    def action(self, path: str, role: Role, back: str | None = None) -> Callable[[Handler], Handler]:
        """A POST action. A GET on its address (a reload, a bookmark, the address bar after the form
        was sent) goes to `back`, the page the action belongs to (default: its section, `/plannen`
        for `/plannen/...`), instead of an empty 405; `{name}` in `back` takes the path's value."""
        target = back or "/" + path.strip("/").split("/")[0]

        def register(handler: Handler) -> Handler:
            self._add("POST", path, role, handler)
            self._add_back(path, target)
            return handler

        return register

    def _add_back(self, path: str, target: str) -> None:
        def back(ctx: Ctx) -> Page:
            values = {k: str(v) for k, v in ctx.request.path_params.items()}
            return Page(redirect=target.format(**values))

        async def endpoint(request: Request) -> Response:
            return await self._guarded(request, "GET", Role.VIEWER, back)

        self.returns.append((path, target))
        self._routes.append(Route(path, endpoint, methods=["GET"], name=f"back:{path}"))

    def _add(self, method: str, path: str, role: Role, handler: Handler) -> None:
        async def endpoint(request: Request) -> Response:
            return await self._guarded(request, method, role, handler)

        self.routes.append((method, path, role))
        self._routes.append(Route(path, endpoint, methods=[method], name=handler.__name__))

    async def _guarded(self, request: Request, method: str, role: Role, handler: Handler) -> Response:
        now = self.services.clock().timestamp()
        session, expired = self.codec.loads(request.cookies.get(COOKIE), now)
        user = await run_in_threadpool(self._user_of, session)
        if user is None:
            if method != "GET":
                return self._finish(request, session, self._forbidden(request, session, None), now)
            target = "/login" + ("?verlopen=1" if expired else f"?volgende={quote(request.url.path)}")
            return self._finish(request, session, self._to(request, target), now)
        form: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if method != "GET":
            form, files = await _read_form(request)
            if not csrf_matches(session, form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)):
                return self._finish(request, session, self._forbidden(request, session, user), now)
        if not user.role.allows(role):
            return self._finish(request, session, self._forbidden(request, session, user), now)
        session.seen = now
        ctx = Ctx(request, session, user, form, files)
        result = await run_in_threadpool(handler, ctx)
        response = result if isinstance(result, Response) else self._render(ctx, result)
        return self._finish(request, session, response, now)

    def _user_of(self, session: Session) -> User | None:
        """The session's user, if the account still exists and its password did not change since."""
        if session.user is None:
            return None
        user = self.users.get(session.user)
        if user is None or user.password_changed_at.timestamp() > session.since + 1:
            return None
        return user

    def _finish(self, request: Request, session: Session, response: Response, now: float) -> Response:
        if session.user is not None:
            session.seen = now
        response.set_cookie(
            COOKIE,
            self.codec.dumps(session),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    def _to(self, request: Request, target: str) -> Response:
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    def _forbidden(self, request: Request, session: Session, user: User | None) -> Response:
        return self.html(
            "forbidden.html",
            title="Geen toegang",
            user=user,
            session=session,
            status=403,
        )

    # -- rendering -----------------------------------------------------------------------------

    def html(
        self,
        template: str,
        *,
        title: str,
        user: User | None,
        session: Session,
        status: int = 200,
        path: str = "",
        **values: Any,
    ) -> HTMLResponse:
        body = self.env.get_template(template).render(
            title=title,
            user=user,
            csrf=session.csrf,
            csrf_field=CSRF_FIELD,
            navigation=NAVIGATION,
            current=path,
            inline_css=self.css,
            today=self.services.today(),
            **values,
        )
        return HTMLResponse(body, status_code=status)

    def _render(self, ctx: Ctx, page: Page) -> Response:
        if page.redirect is not None:
            return self._to(ctx.request, page.redirect)
        return self.html(
            page.template,
            title=page.title,
            user=ctx.user,
            session=ctx.session,
            status=page.status,
            path=ctx.request.url.path,
            htmx=ctx.htmx,
            query=ctx.query,
            **page.values,
        )

    # -- the routes that need no login -----------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        now = self.services.clock().timestamp()
        session, expired = self.codec.loads(request.cookies.get(COOKIE), now)
        if await run_in_threadpool(self._user_of, session) is not None:
            return self._finish(request, session, RedirectResponse("/", status_code=303), now)
        notice = (
            "Uw sessie is verlopen; log opnieuw in." if expired or "verlopen" in request.query_params else ""
        )
        response = self.html(
            "login.html",
            title="Inloggen",
            user=None,
            session=session,
            notice=notice,
            error="",
            username="",
            next=_safe_next(request.query_params.get("volgende")),
        )
        return self._finish(request, session, response, now)

    async def login(self, request: Request) -> Response:
        now = self.services.clock().timestamp()
        session, _ = self.codec.loads(request.cookies.get(COOKIE), now)
        form, _ = await _read_form(request)
        if not csrf_matches(session, form.get(CSRF_FIELD)):
            return self._finish(request, session, self._forbidden(request, session, None), now)
        username = form.get("username", "").strip().lower()
        password = form.get("password", "")
        address = request.client.host if request.client else "?"
        next_path = _safe_next(form.get("volgende"))
        if self.throttle.blocked(username, address):
            log.warning("console login refused: too many failures (account or address)")
            return self._finish(
                request,
                session,
                self._login_error(
                    session, username, next_path, "Te veel mislukte pogingen. Probeer het later opnieuw.", 429
                ),
                now,
            )
        user = (
            await run_in_threadpool(self.users.verify, username, password) if username and password else None
        )
        if user is None:
            self.throttle.failed(username, address)
            log.info("console login failed")
            return self._finish(
                request,
                session,
                self._login_error(
                    session, username, next_path, "Onbekende gebruiker of onjuist wachtwoord.", 401
                ),
                now,
            )
        self.throttle.succeeded(username)
        log.info("console login: %s (%s)", user.name, user.role.value)
        fresh = Session(user=user.name, since=now, seen=now)  # a new CSRF token with every login
        return self._finish(request, fresh, RedirectResponse(next_path, status_code=303), now)

    def _login_error(
        self, session: Session, username: str, next_path: str, error: str, status: int
    ) -> Response:
        return self.html(
            "login.html",
            title="Inloggen",
            user=None,
            session=session,
            status=status,
            notice="",
            error=error,
            username=username,
            next=next_path,
        )

    async def healthz(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def static_file(self, request: Request) -> Response:
        now = self.services.clock().timestamp()
        session, _ = self.codec.loads(request.cookies.get(COOKIE), now)
        name = request.path_params["name"]
        if await run_in_threadpool(self._user_of, session) is None or name not in self.static:
            return Response(status_code=404)
        content, kind = self.static[name]
        return Response(content, media_type=kind, headers={"Cache-Control": "private, max-age=300"})

    async def not_found(self, request: Request, _exc: Exception) -> Response:
        now = self.services.clock().timestamp()
        session, _ = self.codec.loads(request.cookies.get(COOKIE), now)
        user = await run_in_threadpool(self._user_of, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return self.html("not_found.html", title="Niet gevonden", user=user, session=session, status=404)

    def app(self) -> ASGIApp:
        """The ASGI app, built once: the pages register themselves on this console."""
        if self._app is not None:
            return self._app
        from tribe_sync.console import pages  # noqa: PLC0415 - pages import this module

        pages.register(self)
        routes: list[BaseRoute] = [
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            # Browsers ask for it on every page; an empty answer rather than a 404 in their console.
            Route("/favicon.ico", lambda _request: Response(status_code=204), methods=["GET"]),
            Route("/static/{name}", self.static_file, methods=["GET"]),
            *self._routes,
        ]
        app = Starlette(
            routes=routes, exception_handlers={404: self.not_found, HTTPException: self._http_error}
        )
        self._app = _Headers(app, self.headers)
        return self._app

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404:
            return await self.not_found(request, exc)
        return Response(status_code=status)


class _Headers:
    """Adds the security headers to every response, static files and errors included."""

    def __init__(self, app: Starlette, headers: dict[str, str]) -> None:
        self.inner = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self._headers if k not in present
                ]
            await send(message)

        await self.inner(scope, receive, with_headers)


async def _read_form(request: Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return fields, files
    async with request.form(max_files=1, max_fields=50, max_part_size=2 * 1024 * 1024) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = (value.filename or "", await value.read())
            else:
                fields[key] = value
    return fields, files


def _safe_next(target: str | None) -> str:
    """Only a path on this site: `/runs`, never `//elsewhere` or `https://…`."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def create_app(
    services: Services,
    users: UserStore | None = None,
    throttle: LoginThrottle | None = None,
    *,
    warm: bool = False,
) -> ASGIApp:
    """The console as an ASGI app on `services` (its store, its clock, its settings). `warm`: a served
    console computes what its pages derive after each read-model refresh in the background."""
    console = Console(services, users, throttle)
    app = console.app()
    if warm:
        console.derived.start_warming()
    return app
