"""URLs a person gives the reader: what can be subscribed to, and one spelling of each for storing and comparing.

Imports nothing of ours but safe.py.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from newsreader import safe

DEFAULT_PORTS = {"http": 80, "https": 443}
# A host: letters (any script), digits, dots, hyphens and underscores; or an IPv6 address in brackets.
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*\.?", re.UNICODE)
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]")
# A scheme and its colon at the start ("ftp:", "mailto:"), but not a host and port ("localhost:8080").
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d+(?:[/?#]|$))")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL that can be subscribed to, or None when it is one.

    The message is about the URL only, fit to follow it ("…: it has no host").
    """
    if not url:
        return "it is empty"
    if _BAD_CHARS.search(url) or safe.url(url) != url:
        return "it holds spaces or control characters"
    if not _SCHEME.match(url):
        return "it has no scheme (http:// or https://)"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"it is not a URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return f"its scheme, {scheme}, is not http or https"
    host = parts.netloc.rpartition("@")[2]
    host = host[: host.rfind(":")] if host.rfind(":") > host.rfind("]") else host
    if not host:
        return "it has no host"
    if not (_IPV6.fullmatch(host) or _HOST.fullmatch(host)):
        return f"its host {host!r} is not a host name"
    if port is not None and not 0 < port < 65536:
        return f"its port {port} is not a port"
    return None


def with_scheme(url: str) -> str:
    """A URL given without a scheme ("example.com/feed", "//example.com/feed") read as https; others as given.

    Only https is tried: a site without it needs http:// written out (the reader never downgrades by itself).
    """
    url = url.strip()
    if not url or _SCHEME.match(url):
        return url
    return "https:" + url if url.startswith("//") else "https://" + url


def normalise(url: str) -> str:
    """One spelling of an http(s) URL, for storing and comparing: scheme and host in lower case, no default port,
    no fragment; the path and query exactly as given. Other URLs are returned unchanged."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        return url
    userinfo = parts.netloc.rpartition("@")[0]
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6: urlsplit took the brackets off
        host = f"[{host}]"
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


def same(a: str, b: str) -> bool:
    """Whether two URLs name the same thing once normalised."""
    return normalise(a) == normalise(b)
