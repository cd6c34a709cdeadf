"""Counted nouns for messages: "1 new source", "2 new sources"."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` and the noun in the number it takes: "1 story", "0 stories", "2 new sources"."""
    if count == 1:
        return f"{count} {singular}"
    if plural_form is None:
        if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "o", "u"):
            plural_form = singular[:-1] + "ies"
        elif singular.endswith(("s", "x", "ch", "sh")):
            plural_form = singular + "es"
        else:
            plural_form = singular + "s"
    return f"{count} {plural_form}"
