"""A deterministic feed corpus: N feeds x M items, half RSS 2.0 and half Atom, ~95 KB per 50-item feed."""

from __future__ import annotations

import argparse
import random
from html import escape
from pathlib import Path

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "was",
    "by",
    "at",
    "from",
    "kazakhstan",
    "astana",
    "almaty",
    "minister",
    "said",
    "government",
    "report",
    "city",
    "oil",
    "gas",
    "railway",
    "election",
    "parliament",
    "budget",
    "tenge",
    "wheat",
    "harvest",
    "caspian",
    "port",
    "steppe",
    "university",
    "court",
    "council",
    "region",
    "president",
    "agency",
    "statement",
    "project",
    "investment",
    "energy",
    "water",
    "airport",
]


PARAGRAPHS = 3


def _sentence(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def feed_xml(index: int, items: int, base: str, seed: int = 7) -> str:
    rnd = random.Random(seed * 100_003 + index)
    atom = index % 2 == 1
    entries = []
    for i in range(items):
        title = escape(_sentence(rnd, rnd.randint(6, 12)).rstrip("."))
        body = "".join(f"<p>{_sentence(rnd, rnd.randint(38, 58))} {_sentence(rnd, 26)}</p>" for _ in range(PARAGRAPHS))
        link = f"{base}/story/{index}/{i}.html"
        day, hour = 1 + (i * 7 + index) % 28, (i * 5 + index) % 24
        if atom:
            entries.append(
                f"<entry><title>{title}</title><id>urn:bench:{index}:{i}</id><link href='{link}'/>"
                f"<updated>2025-11-{day:02d}T{hour:02d}:00:00Z</updated><author><name>Author {i % 17}</name></author>"
                f"<summary type='html'>{escape(body[:300])}</summary><content type='html'>{escape(body)}</content></entry>"
            )
        else:
            entries.append(
                f"<item><title>{title}</title><guid isPermaLink='false'>bench-{index}-{i}</guid><link>{link}</link>"
                f"<pubDate>Mon, {day:02d} Nov 2025 {hour:02d}:00:00 +0000</pubDate><author>a{i % 17}@bench.test (Author {i % 17})</author>"
                f"<description>{escape(body)}</description></item>"
            )
    if atom:
        return (
            "<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Bench feed {index}</title><id>urn:bench:{index}</id><updated>2025-11-28T00:00:00Z</updated>"
            f"{''.join(entries)}</feed>\n"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel>"
        f"<title>Bench feed {index}</title><link>{base}/</link><description>bench</description>"
        f"{''.join(entries)}</channel></rss>\n"
    )


def opml(urls: list[str]) -> str:
    outlines = "".join(
        f'<outline type="rss" text="Bench feed {n}" title="Bench feed {n}" xmlUrl="{escape(url)}"/>\n'
        for n, url in enumerate(urls)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><head><title>bench corpus</title></head>\n'
        f"<body>\n{outlines}</body></opml>\n"
    )


def write_corpus(directory: Path, feeds: int, items: int, base: str, seed: int = 7) -> list[str]:
    """Write the feeds into directory/feeds/, plus directory/urls.txt and directory/feeds.opml listing them.

    Returns the feeds' URLs under `base` (the server's address: the files name it in links and the lists).
    """
    (directory / "feeds").mkdir(parents=True, exist_ok=True)
    urls = []
    for n in range(feeds):
        name = f"feeds/{n}.{'atom' if n % 2 else 'rss'}.xml"
        (directory / name).write_text(feed_xml(n, items, base, seed), encoding="utf-8")
        urls.append(f"{base}/{name}")
    (directory / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    (directory / "feeds.opml").write_text(opml(urls), encoding="utf-8")
    return urls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("directory", type=Path)
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--base", default="http://127.0.0.1:8080", help="the server's address, as the URLs will name it")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    urls = write_corpus(args.directory, args.feeds, args.items, args.base, args.seed)
    print(f"{len(urls)} feeds in {args.directory} (urls.txt, feeds.opml)")


if __name__ == "__main__":
    main()
