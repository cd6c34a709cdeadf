"""The sync clients' HTTP: one httpx.AsyncClient per account, with the reader's network limits.

Each request has a connect/read timeout and a total deadline (retries included), at most `RETRIES` retries for
what may pass (connection failures, timeouts, 502/503/504), a response size cap counted after decompression (the
same bounded inflater as `newsreader.fetch`), and no redirects followed (a POST must not be replayed elsewhere:
a redirect is reported with the URL to configure instead). Loopback servers need nothing special.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx

from newsreader.config import NetworkConfig
from newsreader.fetch import USER_AGENT, FetchError, describe, read_capped, retry_after
from newsreader.sync.base import SyncProtocolError, SyncUnavailable

RETRIES = 2  # after the first attempt
RETRY_STATUS = frozenset({500, 502, 503, 504})  # every request is a read or a set operation: safe to repeat
BACKOFF = (0.25, 1.0)  # seconds before each retry (bounded by the deadline)

Form = Sequence[tuple[str, str]]


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Http:
    """Sends requests to one server; `requests` counts what went on the wire (retries included)."""

    def __init__(self, cfg: NetworkConfig | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.cfg = cfg or NetworkConfig()
        self.requests = 0
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.cfg.timeout, connect=min(self.cfg.timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=max(self.cfg.per_host, 1), max_keepalive_connections=4),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Form = (),
        data: Form | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One request with retries, within the deadline. Raises SyncUnavailable (network, 5xx after retries,
        deadline) or SyncProtocolError (redirect, oversized or undecodable body); other statuses are returned."""
        deadline = self.cfg.deadline
        start = time.monotonic()
        tries = 0
        try:
            async with asyncio.timeout(deadline):
                for attempt in range(RETRIES + 1):
                    tries += 1
                    last = attempt == RETRIES
                    try:
                        reply = await self._once(method, url, params, data, headers)
                    except (httpx.TransportError, httpx.StreamError) as exc:
                        if last or isinstance(exc, httpx.UnsupportedProtocol):
                            raise SyncUnavailable(f"{_host(url)}: {describe(exc)}") from None
                    else:
                        if reply.status not in RETRY_STATUS or last or reply.headers.get("retry-after"):
                            break  # a server that says when to come back is not asked again now
                    await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
        except httpx.InvalidURL as exc:  # not a TransportError
            raise SyncProtocolError(f"not a URL the sync client can use ({exc}); check [sync] server") from None
        except TimeoutError:
            raise SyncUnavailable(
                f"{_host(url)}: no complete answer within {deadline:g} s (the server is down or too slow)"
            ) from None
        if reply.status == 429 or (reply.status == 503 and reply.headers.get("retry-after")):
            when = retry_after(reply.headers.get("retry-after"))
            raise SyncUnavailable(
                f"{_host(url)}: the server asks us to wait (HTTP {reply.status}) until {when:%Y-%m-%d %H:%M} UTC",
                retry_after=when,
            )
        if reply.status >= 500:
            raise SyncUnavailable(
                f"{_host(url)}: the server failed (HTTP {reply.status}, {tries} {'try' if tries == 1 else 'tries'} in "
                f"{time.monotonic() - start:.1f} s); try again later"
            )
        if 300 <= reply.status < 400:
            where = reply.headers.get("location", "")
            raise SyncProtocolError(
                f"{_host(url)}: the server redirects (HTTP {reply.status}) to {where[:200] or 'nowhere'}; "
                "set [sync] server to the address it redirects to"
            )
        return reply

    async def _once(
        self, method: str, url: str, params: Form, data: Form | None, headers: Mapping[str, str] | None
    ) -> Reply:
        self.requests += 1
        hdrs = dict(headers or {})
        content = None
        if data is not None:
            # A form with repeated keys (i=1&i=2: edit-tag's ids) is encoded by hand: httpx's data= takes a dict.
            content = urlencode(list(data)).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        # params=None, not []: an empty list would drop a query already in the URL (Fever's "?api&items").
        request = self._client.build_request(method, url, params=list(params) or None, content=content, headers=hdrs)
        resp = await self._client.send(request, stream=True)
        try:
            body = await self._read_capped(resp)
        finally:
            await resp.aclose()
        return Reply(resp.status_code, body, resp.headers)

    async def _read_capped(self, resp: httpx.Response) -> bytes:
        try:
            return await read_capped(resp, self.cfg.max_bytes)
        except FetchError as exc:
            raise SyncProtocolError(f"{_host(str(resp.url))}: the answer was {exc}") from None


def check_server(url: str) -> str:
    """The server URL if the client can use it (http or https, a host, a valid port), else SyncProtocolError."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise SyncProtocolError(
            f"{url[:200]!r} is not a URL the sync client can use ({exc}); check [sync] server"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise SyncProtocolError(f"{url[:200]!r} is not an http(s) URL of a server; check [sync] server")
    return url


def _host(url: str) -> str:
    try:
        u = httpx.URL(url)
    except httpx.InvalidURL:
        return url[:100]
    return f"{u.host}:{u.port}" if u.port else u.host
