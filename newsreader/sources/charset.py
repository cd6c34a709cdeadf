"""Which encoding an XML feed is in: the byte-order mark, the HTTP charset and the XML declaration together.

As XML 1.0 (appendix F) and RFC 7303 have it: a byte-order mark decides; else the charset of the HTTP
Content-Type (external information overrides the document's own declaration); else the XML declaration;
else UTF-8. Bytes that the chosen encoding cannot read are tried as the declaration, then UTF-8, then
windows-1252 (which reads every byte), so nothing is lost to a wrong label.
"""

from __future__ import annotations

import codecs
import re

BOMS = (  # byte-order marks, the longest first (UTF-32 LE starts as UTF-16 LE does)
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = ((b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0?\0", "utf-16-le"), (b"\0<\0?", "utf-16-be"))
_DECLARATION = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["'][^>]*\?>""")
_XML_DECL = re.compile(r"""^<\?xml[^>]*\?>""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
_UTF8 = "utf-8"
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def codec(name: str | None) -> str | None:
    """Python's name for an encoding label, or None when it names none (or one we never decode feeds with)."""
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    if found in ("utf-7",):  # never: it hides markup in innocent-looking ASCII
        return None
    return found


def http_charset(content_type: str) -> str | None:
    m = _CHARSET.search(content_type or "")
    return codec(m.group(1)) if m else None


def declared(data: bytes) -> str | None:
    m = _DECLARATION.match(data[:200].lstrip())
    return codec(m.group(1).decode("ascii")) if m else None


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def xml_as_utf8(data: bytes, content_type: str = "") -> tuple[bytes, str]:
    """The document as UTF-8 with a declaration that says so, and the encoding it was read in.

    Returns the bytes unchanged (no copy) in the common case: UTF-8, however it is labelled.
    """
    bom = _bom(data)
    own = declared(data)
    outside = http_charset(content_type)
    if outside in ("ascii",) and own:
        outside = None  # "us-ascii" is what text/xml defaults to, not a statement about this document
    if bom is not None:
        order, body = [bom[0]], data[bom[1] :]
    else:
        wide = next((name for start, name in _WIDE if data.startswith(start)), None)
        order, body = [n for n in (wide, outside, own, _UTF8, "cp1252") if n], data
    as_declared = bom is None and own in (None, _UTF8)
    for name in dict.fromkeys(order):
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            if name != _UTF8 or not _UTF8_SEQUENCE.search(body):
                continue
            # UTF-8 with a few bad bytes (it has real multi-byte sequences): those bytes are replaced, the text kept,
            # rather than the whole document read as windows-1252.
            text = body.decode(name, "replace")
        except LookupError:
            continue
        if name == _UTF8 and as_declared and "\ufffd" not in text:
            return data, name  # the common case: no copy
        text = _XML_DECL.sub("", text.lstrip("\ufeff \t\r\n"), count=1)
        return b'<?xml version="1.0" encoding="utf-8"?>' + text.encode("utf-8", "replace"), name
    return data, _UTF8
