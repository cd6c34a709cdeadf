"""The one link collector: the links of a Markdown text, in order, once each, http and https only.

Other schemes (javascript:, file:, mailto:, data:) are never listed: a listed link is one the reader may open.
"""

from __future__ import annotations

import re

MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")  # [text](url "title"), not images
SCHEMES = ("http://", "https://")


def links_in(markdown: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MD_LINK.finditer(markdown):
        link = match.group(1)
        if link.lower().startswith(SCHEMES):
            seen.setdefault(link, None)
    return list(seen)
