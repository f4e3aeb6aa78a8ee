"""ASGI middleware in front of every request: the Host check, the body cap, the headers.

The server runs simulations for whoever reaches it, and a web page on another site can
reach a server on localhost through DNS rebinding (its own name, resolved to 127.0.0.1):
the browser then sends that page's name as the ``Host`` header. So a request must name
this server, by a loopback name or the address it was told to listen on (and its port),
or it is refused with 400 before it reaches any endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 64 * 1024
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
ANY_HOST = "*"


def split_host(value: str) -> tuple[str, int | None] | None:
    """``name[:port]`` or ``[v6]:port`` as (lower-case name, port); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket:
            return None
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest:
        if not rest.startswith(":") or not rest[1:].isdigit() or len(rest) > 6:
            return None
        return name.rstrip("."), int(rest[1:])
    return name.rstrip("."), None


def _shown(name: str) -> str:
    return f"[{name}]" if ":" in name else name


class Guard:
    """Refuse a request whose Host header does not name this server (400), or whose body
    is over ``max_body`` bytes (413, whether or not the client declares a length), and add
    security headers to every answer.

    ``hosts`` are the names the server answers to (``"*"``: any), ``port`` its port (None:
    any port; a browser omits port 80).
    """

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (
            b"content-security-policy",
            b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            b"img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
            b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(
        self,
        app: ASGIApp,
        max_body: int = MAX_BODY,
        hosts: Iterable[str] = LOOPBACK,
        port: int | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        names = {h.strip().lower().strip("[]").rstrip(".") for h in hosts}
        self.hosts = None if ANY_HOST in names else frozenset(names)
        self.port = port

    def host_allowed(self, value: str | None) -> bool:
        """Whether a Host header names this server. A request without one (HTTP/1.0, not a
        browser, which always sends it) cannot come from a rebinding page: allowed."""
        if self.hosts is None or value is None:
            return True
        parsed = split_host(value)
        if parsed is None:
            return False
        name, port = parsed
        if name not in self.hosts:
            return False
        return self.port is None or port == self.port or (port is None and self.port == 80)

    def _host_refusal(self, value: str) -> str:
        names = ", ".join(_shown(h) for h in sorted(self.hosts or ()))
        on = f" on port {self.port}" if self.port is not None else ""
        return (
            f"Host header {value!r} does not name this server, which answers to {names}{on}; "
            "a request from another site's page is refused (DNS-rebinding protection)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        headers = dict(scope.get("headers", []))
        raw_host = headers.get(b"host")
        host = raw_host.decode("latin-1") if raw_host is not None else None
        if not self.host_allowed(host):
            await self._refuse(send_with_headers, 400, self._host_refusal(host or ""))
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                await self._refuse(send_with_headers, 400, "invalid Content-Length header")
                return
            if too_big:
                await self._refuse_too_big(send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
            return
        # No declared length (chunked): read the body up to the limit, then replay it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._refuse_too_big(send_with_headers)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)

    async def _refuse_too_big(self, send: Send) -> None:
        await self._refuse(send, 413, f"request body too large: at most {self.max_body} bytes")

    async def _refuse(self, send: Send, status: int, detail: str) -> None:
        response = JSONResponse({"detail": detail}, status_code=status)
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
