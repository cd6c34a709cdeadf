"""Articles: a story's extracted page kept for offline reading, or why it could not be had (retried later)."""

from __future__ import annotations

import json
import time

from newsreader.model import Article, Story, iso
from newsreader.store.stories import HEADLINES, Stories, headline_of, index

ARTICLE_RETRY_SECONDS = 30 * 60
ARTICLE_MAX_TRIES = 5


class Articles(Stories):
    def starred_articles(self) -> list[Article]:
        """The kept pages of starred stories (their pictures stay in the picture cache, issue #17)."""
        rows = self._read(
            "SELECT a.data FROM articles a JOIN stories s ON s.id = a.story_id WHERE s.starred = 1 AND a.data IS NOT NULL"
        )
        return [Article.from_json(json.loads(row["data"])) for row in rows]

    def save_article(self, story_id: int, article: Article | None, error: str = "") -> None:
        """Keep an extracted page for offline reading, or why it could not be had (retried later)."""
        data = json.dumps(article.to_json(), ensure_ascii=False) if article else None
        with self._tx() as con:
            if article is None:
                # A failed retry never throws away an article we already have.
                con.execute(
                    "INSERT INTO articles (story_id, data, error, tries, checked) VALUES (?, NULL, ?, 1, ?)"
                    " ON CONFLICT(story_id) DO UPDATE SET error = excluded.error, tries = tries + 1,"
                    " checked = excluded.checked",
                    (story_id, error, time.time()),
                )
                return
            con.execute(
                "INSERT INTO articles (story_id, data, error, tries, checked) VALUES (?, ?, '', 1, ?)"
                " ON CONFLICT(story_id) DO UPDATE SET data = excluded.data, error = '', tries = tries + 1,"
                " checked = excluded.checked",
                (story_id, data, time.time()),
            )
            if article.published is not None:
                # A story its feed or listing gave no date (a scraped headline) takes its page's, and sorts by it
                # rather than by when it was first seen: an old story newly scraped no longer buries what is new.
                con.execute(
                    "UPDATE stories SET published = ?, sort_ts = ? WHERE id = ? AND published IS NULL",
                    (iso(article.published), article.published.timestamp(), story_id),
                )
            # Added to the feed's (a story's tags are both; a page's tags that change leave the old ones).
            tags = {" ".join(t.split()) for t in article.tags if isinstance(t, str)} - {""}
            con.executemany(
                "INSERT OR IGNORE INTO story_tags (tag, story_id) VALUES (?, ?)", ((t, story_id) for t in tags)
            )
            row = con.execute("SELECT title, authors, summary FROM stories WHERE id = ?", (story_id,)).fetchone()
            if row:
                index(con, story_id, row[0], row[1], row[2], article.text, replace=True)

    def stories_needing_article(self, source_id: int | None = None, limit: int = 100) -> list[Story]:
        """Stories whose page should be fetched: never tried, or failed long enough ago and not too often."""
        retry_before = time.time() - ARTICLE_RETRY_SECONDS
        only_source = " AND st.source_id = ?" if source_id is not None else ""
        args: list[object] = [retry_before, ARTICLE_MAX_TRIES]
        if source_id is not None:
            args.append(source_id)
        rows = self._read(
            f"""{HEADLINES} LEFT JOIN articles a ON a.story_id = st.id
                WHERE st.url != '' AND st.content = '' AND s.full_text = 1
                  AND (a.story_id IS NULL OR (a.data IS NULL AND a.checked < ? AND a.tries < ?)){only_source}
                ORDER BY st.sort_ts DESC LIMIT ?""",
            (*args, limit),
        )
        return [headline_of(r) for r in rows]

    def pages_tried(self, source_id: int) -> bool:
        """Whether any story of the source has had its page fetched or tried (a whole-text budget's "first")."""
        rows = self._read(
            "SELECT 1 FROM articles a JOIN stories st ON st.id = a.story_id WHERE st.source_id = ? LIMIT 1",
            (source_id,),
        )
        return bool(rows)
