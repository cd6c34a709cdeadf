"""The one HTTP client: timeouts, a total deadline, size caps, redirects, conditional GET, politeness."""

from __future__ import annotations

import asyncio
import email.utils
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpx

from newsreader import __version__
from newsreader.config import NetworkConfig

USER_AGENT = f"newsreader/{__version__} (+https://github.com/newsreader/newsreader; terminal news reader)"
ACCEPT_FEED = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
REDIRECTS = {301, 302, 303, 307, 308}
DEFAULT_BACKOFF = timedelta(minutes=15)
MAX_BACKOFF = timedelta(days=1)


class FetchError(Exception):
    """A fetch that failed, with a message fit to show a person."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: datetime | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(slots=True)
class Response:
    url: str  # after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def retry_after(value: str | None, now: datetime | None = None) -> datetime:
    """When to try again, from a Retry-After header (seconds or HTTP date); a sane default otherwise."""
    now = now or datetime.now(UTC)
    delay = DEFAULT_BACKOFF
    if value:
        value = value.strip()
        if value.isascii() and value.isdigit():  # "99999999999999999999" would overflow a timedelta: bounded first
            delay = timedelta(seconds=min(int(value[:12]) if len(value) <= 12 else 10**12, MAX_BACKOFF.total_seconds()))
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                delay = when - now
            except (TypeError, ValueError, OverflowError, IndexError):
                pass
    delay = max(timedelta(seconds=1), min(delay, MAX_BACKOFF))
    return now + delay


VALIDATOR_MAX = 1024


def _validator(value: str) -> str:
    """An ETag or Last-Modified fit to send back: printable ASCII and short, else "" (never stored, never sent).

    A server's non-ASCII or oversized validator would otherwise be kept and make every later request fail.
    """
    if value and len(value) <= VALIDATOR_MAX and value.isascii() and value.isprintable():
        return value
    return ""


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n:,} bytes"


def _scheme_of(scheme: str) -> str:
    return f"a URL whose scheme is {scheme}" if scheme else "a URL with no scheme"


def _check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"refused to fetch {_scheme_of(scheme)} (only http and https)")
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"bad URL ({exc})") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.ReadTimeout):
        return "timed out waiting for the server"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({str(exc) or 'refused'})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection ({exc})"
    if isinstance(exc, httpx.ReadError):
        return f"the connection failed mid-response ({str(exc) or 'reset by the server'})"
    if isinstance(exc, httpx.DecodingError):
        return "the response could not be decompressed"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"bad URL ({exc})"
    return str(exc) or exc.__class__.__name__


async def read_capped(resp: httpx.Response, cap: int) -> bytes:
    """A streamed response's body, decompressed here with a bound on each step's output, so a bomb stops at the
    cap, not after; a body over `cap` bytes (declared or read) is a FetchError "too large (over the ... limit)"."""
    too_large = f"too large (over the {_size(cap)} limit)"
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FetchError(too_large)
    inflater = _Inflater(resp.headers.get("content-encoding", ""), cap)
    chunks: list[bytes] = []
    size = 0
    async for raw in resp.aiter_raw():
        chunk = inflater.feed(raw)
        size += len(chunk)
        if size > cap:
            raise FetchError(too_large)
        chunks.append(chunk)
    tail = inflater.finish(cap + 1)
    if size + len(tail) > cap:
        raise FetchError(too_large)
    chunks.append(tail)
    return b"".join(chunks)


def describe(exc: BaseException) -> str:
    """An httpx failure as a person would say it (public name of the fetcher's wording, for other clients)."""
    return _describe(exc)


class Fetcher:
    """Owns the one httpx.AsyncClient. Use as `async with Fetcher(cfg) as f: await f.get(url)`."""

    def __init__(self, cfg: NetworkConfig | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.cfg = cfg or NetworkConfig()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.cfg.timeout, connect=min(self.cfg.timeout, 10.0)),
            follow_redirects=False,  # followed by hand: scheme checks, loop detection, a limit
            # Only encodings we decompress ourselves, with a bound on the output (see _Inflater).
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=max(self.cfg.concurrency * 2, 10), max_keepalive_connections=20),
            transport=transport,
        )
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.cfg.per_host))

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, etag: str = "", last_modified: str = "", accept: str = ACCEPT_FEED) -> Response:
        """GET with every safeguard; raises FetchError with a clear message on any failure."""
        try:
            async with asyncio.timeout(self.cfg.deadline):
                return await self._get(url, etag, last_modified, accept)
        except TimeoutError:
            raise FetchError(f"gave up after {self.cfg.deadline:g} s (the server is too slow)") from None
        except httpx.InvalidURL:
            # Not an HTTPError; httpx raises it for a redirect it is not even following. (Our own URLs are
            # checked before they are requested, so this is always the server's Location.)
            raise FetchError("refused a redirect to something that is not an http(s) URL") from None
        except (httpx.HTTPError, httpx.StreamError) as exc:
            raise FetchError(_describe(exc)) from None

    async def _get(self, url: str, etag: str, last_modified: str, accept: str) -> Response:
        seen: set[str] = set()
        headers = {"Accept": accept}
        if _validator(etag):
            headers["If-None-Match"] = etag
        if _validator(last_modified):
            headers["If-Modified-Since"] = last_modified
        for _ in range(self.cfg.max_redirects + 1):
            _check_url(url)
            if url in seen:
                raise FetchError("redirect loop")
            seen.add(url)
            host = urlsplit(url).netloc.lower()
            async with self._hosts[host], self._client.stream("GET", url, headers=headers) as resp:
                if resp.status_code in REDIRECTS:
                    location = resp.headers.get("location", "").strip()
                    if not location:
                        raise FetchError(
                            f"HTTP {resp.status_code}: a redirect without a Location", status=resp.status_code
                        )
                    url = urljoin(url, location)
                    scheme = urlsplit(url).scheme.lower()
                    if scheme not in ("http", "https"):
                        raise FetchError(f"refused a redirect to {_scheme_of(scheme)} (only http and https)")
                    continue
                if resp.status_code == 304:
                    return self._response(url, resp, b"")
                if resp.status_code in (429, 503):
                    when = retry_after(resp.headers.get("retry-after"))
                    raise FetchError(
                        f"HTTP {resp.status_code} {resp.reason_phrase}: the server asks us to wait until "
                        f"{when:%Y-%m-%d %H:%M} UTC",
                        status=resp.status_code,
                        retry_after=when,
                    )
                if resp.status_code >= 400:
                    raise FetchError(f"HTTP {resp.status_code} {resp.reason_phrase}", status=resp.status_code)
                body = await self._read_capped(resp)
                return self._response(url, resp, body)
        raise FetchError(f"too many redirects (more than {self.cfg.max_redirects})")

    async def _read_capped(self, resp: httpx.Response) -> bytes:
        return await read_capped(resp, self.cfg.max_bytes)

    @staticmethod
    def _response(url: str, resp: httpx.Response, body: bytes) -> Response:
        return Response(
            url=url,
            status=resp.status_code,
            content=body,
            content_type=resp.headers.get("content-type", ""),
            etag=_validator(resp.headers.get("etag", "")),
            last_modified=_validator(resp.headers.get("last-modified", "")),
            headers=dict(resp.headers),
        )


class _Inflater:
    """gzip/deflate decoding that never produces more than `cap` bytes, however small the input."""

    def __init__(self, encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(f"the server used an encoding we did not ask for ({encoding})")
        self.coding = codings[0] if codings else ""
        self.cap = cap
        self._raw_deflate = False
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.coding in ("gzip", "x-gzip") else None
        if self.coding == "deflate":
            self._z = zlib.decompressobj()

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return data
        try:
            out = self._z.decompress(data, self.cap + 1)
        except zlib.error:
            if self.coding == "deflate" and not self._raw_deflate:
                # Some servers send raw deflate without the zlib header.
                self._raw_deflate = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data)
            raise FetchError("the response could not be decompressed") from None
        if self._z.unconsumed_tail:
            raise FetchError(f"too large (over the {_size(self.cap)} limit once decompressed)")
        return out

    def finish(self, limit: int) -> bytes:
        return self._z.flush(limit) if self._z is not None else b""
