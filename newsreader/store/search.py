"""Full-text search over titles, authors, summaries and article bodies (FTS5), newest matches first."""

from __future__ import annotations

import re
import sqlite3

from newsreader.model import Story
from newsreader.store.stories import HEADLINES, Stories, View, headline_of, where_view


def fts_query(query: str) -> str:
    """User words to an FTS5 query: every word must match; the last one may be a prefix."""
    words = [w for w in re.split(r"\s+", query.strip()) if w]
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if quoted:
        quoted[-1] += "*"
    return " AND ".join(quoted)


class Search(Stories):
    def search(self, query: str, limit: int = 200, *, view: View | None = None) -> list[Story]:
        """Full-text search over titles, authors, summaries and article bodies; newest matches first. With a view,
        only its stories (a source, starred ones, unread ones; its sort is not used: newest first)."""
        fts = fts_query(query)
        if not fts:
            return []
        clause, args = where_view(view) if view is not None else ("", [])
        try:
            if clause:
                # Within a view: the matches of its stories, still newest stored first.
                rows = self._read(
                    f"""{HEADLINES}{clause} AND st.id IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?)
                        ORDER BY st.id DESC LIMIT ?""",
                    (*args, fts, limit),
                )
            else:
                rows = self._read(
                    # Newest stored first: what a news reader's search wants, and FTS5 walks rowids backwards
                    # and stops at the limit, where ranking must score every match (6 ms against 200 ms on 100k).
                    f"""{HEADLINES} JOIN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?
                        ORDER BY rowid DESC LIMIT ?) f ON f.rowid = st.id ORDER BY st.id DESC""",
                    (fts, limit),
                )
        except sqlite3.OperationalError:
            return []
        return [headline_of(r) for r in rows]
