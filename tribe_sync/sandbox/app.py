"""The sandbox's HTTP face: Tribe's token endpoint and OData API, plus `/_sandbox/` controls."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tribe_sync.sandbox.errors import ODataError
from tribe_sync.sandbox.query import parse_read
from tribe_sync.sandbox.state import LoggedCall, SandboxState
from tribe_sync.sandbox.tenant import csdl

__all__ = ["create_app"]

_ONE = re.compile(r"^(?P<set>[A-Za-z_][A-Za-z0-9_]*)\((?P<id>[0-9a-fA-F-]{36})\)$")
_SET = re.compile(r"^(?P<set>[A-Za-z_][A-Za-z0-9_]*)(?P<count>/\$count)?$")


def create_app(state: SandboxState) -> Starlette:
    handlers = _Handlers(state)
    return Starlette(
        routes=[
            Route("/oauth2/token", handlers.token, methods=["POST"]),
            Route("/v1/odata/{path:path}", handlers.odata, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/_sandbox/log", handlers.control_log, methods=["GET", "DELETE"]),
            Route("/_sandbox/faults", handlers.control_faults, methods=["GET", "PUT"]),
            Route("/_sandbox/clock", handlers.control_clock, methods=["GET", "PUT"]),
            Route("/_sandbox/health", handlers.health, methods=["GET"]),
        ]
    )


class _Answer(Exception):
    """A protocol-level answer (401, 429, injected failure) given before the request is processed."""

    def __init__(self, status: int, headers: dict[str, str], message: str) -> None:
        super().__init__(message)
        self.status, self.headers, self.message = status, headers, message


class _Handlers:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def token(self, request: Request) -> Response:
        # RFC 6749 token requests are form-urlencoded; no multipart parser needed.
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        grant, client_id, secret = (form.get(k, "") for k in ("grant_type", "client_id", "client_secret"))
        if grant != "client_credentials":
            return self._log(
                request, None, _oauth_error(400, "unsupported_grant_type", "Only client_credentials.")
            )
        if not client_id or self.state.clients.get(client_id) != secret:
            return self._log(
                request, client_id, _oauth_error(401, "invalid_client", "Client authentication failed.")
            )
        if "offline" in form.get("scope", "").split():
            return self._log(
                request, client_id, _oauth_error(400, "invalid_grant", "offline is not granted here.")
            )
        body = {
            "access_token": self.state.issue_token(client_id),
            "token_type": "bearer",
            "expires_in": int(self.state.faults.token_ttl_s),
            "scope": form.get("scope", "read write"),
        }
        return self._log(request, client_id, JSONResponse(body))

    async def odata(self, request: Request) -> Response:
        client_id = None
        arrived = time.monotonic()
        try:
            client_id = self._authorised(request)
            await self._faults(client_id)
            response = await self._dispatch(request)
            faults = self.state.faults
            if faults.latency_counts_work and faults.latency_ms:
                await asyncio.sleep(max(0.0, arrived + faults.latency_ms / 1000 - time.monotonic()))
            if self.state.faults.stall_rate and self.state.rng.random() < self.state.faults.stall_rate:
                await asyncio.sleep(self.state.faults.stall_s)  # done, but the client may time out first
        except ODataError as exc:
            response = JSONResponse(exc.body(), status_code=exc.status)
        except _Answer as answer:
            response = JSONResponse(
                {"error": {"code": str(answer.status), "message": answer.message}},
                status_code=answer.status,
                headers=answer.headers,
            )
        return self._log(request, client_id, response)

    def _authorised(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        client_id = self.state.client_for(header[7:]) if header.startswith("Bearer ") else None
        if client_id is None:
            raise _Answer(
                401, {"WWW-Authenticate": "Bearer"}, "The access token is missing, invalid or expired."
            )
        return client_id

    async def _faults(self, client_id: str) -> None:
        if self.state.faults.latency_ms and not self.state.faults.latency_counts_work:
            await asyncio.sleep(self.state.faults.latency_ms / 1000)
        wait = self.state.over_rate_limit(client_id)
        if wait is not None:
            raise _Answer(429, {"Retry-After": str(wait)}, "Too many requests; wait a minute.")
        failure = self.state.injected_failure()
        if failure is not None:
            raise _Answer(failure[0], failure[1], "Injected failure.")

    async def _dispatch(self, request: Request) -> Response:
        path, method, store = request.path_params["path"], request.method, self.state.store
        params = _raw_params(request)
        if path == "$metadata":
            return Response(csdl(), media_type="application/xml")
        if one := _ONE.match(path):
            entity_set, record_id = one["set"], one["id"].lower()
            if method == "GET":
                return JSONResponse(store.read_one(entity_set, record_id, parse_read(params)))
            if method in ("PUT", "PATCH"):
                store.update(entity_set, record_id, await _body(request), self.state.now())
                return Response(status_code=204)
            if method == "DELETE":
                store.delete(entity_set, record_id)
                return Response(status_code=204)
        elif many := _SET.match(path):
            entity_set = many["set"]
            if method == "GET" and many["count"]:
                return PlainTextResponse(str(store.count(entity_set, parse_read(params))))
            if method == "GET":
                query = parse_read(params)
                body: dict[str, Any] = {"@odata.context": f"$metadata#OData.{entity_set}"}
                if params.get("$count", "").lower() == "true":
                    body["@odata.count"] = store.count(entity_set, query)
                body["value"] = store.read(entity_set, query, self.state.faults.page_cap)
                return JSONResponse(body)
            if method == "POST":
                return JSONResponse(
                    store.create(entity_set, await _body(request), self.state.now()), status_code=201
                )
        else:
            raise ODataError(404, "NotFound", f"No resource at '{path}'.")
        raise ODataError(405, "MethodNotAllowed", f"{method} is not allowed on '{path}'.")

    def _log(self, request: Request, client_id: str | None, response: Response) -> Response:
        self.state.log.append(
            LoggedCall(request.method, request.url.path, request.url.query, response.status_code, client_id)
        )
        return response

    async def control_log(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.state.log.clear()
            return Response(status_code=204)
        return JSONResponse([vars(call) for call in self.state.log])

    async def control_faults(self, request: Request) -> Response:
        if request.method == "PUT":
            try:
                self.state.faults.update(await request.json())
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": {"code": "BadRequest", "message": str(exc)}}, status_code=400)
        return JSONResponse(self.state.faults_dict())

    async def control_clock(self, request: Request) -> Response:
        if request.method == "PUT":
            body = await request.json()
            self.state.fixed_now = dt.datetime.fromisoformat(body["now"]) if body.get("now") else None
        return JSONResponse({"now": self.state.now().isoformat()})

    async def health(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok"})


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _raw_params(request: Request) -> dict[str, str]:
    """Like Tribe: `%20` is a space, but `+` is a plus sign (not form encoding)."""
    params = {}
    for pair in request.url.query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            params[unquote(key)] = unquote(value)
    return params


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ODataError(400, "BadRequest", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ODataError(400, "BadRequest", "The request body must be a JSON object.")
    return body
