"""Pictures in the story pane (issue #17), timed in-process with Textual's Pilot (headless, 120x36, half cells).

`python -m bench.images [--latency-ms 20] [--runs 5] [--presses 40]` prints one JSON object:
- open_uncached_ms: Enter on a story with a lead photo and 4 body pictures (1600x900 JPEGs, served by
  bench.server on 127.0.0.1 with the given latency) to all 5 drawn: fetched, checked, scaled, kept, decoded;
- open_cached_ms: the same story again with its pictures in the ImageCache (read offline, decoded, drawn);
- open_text_only_ms: the same story with `images = "off"` (the reference: what opening cost before pictures);
- scroll_key_to_repaint_ms: median and p95 of one line down in that story (pictures drawn) to the screen's
  repaint, and the same with `images = "off"`.
Medians of --runs runs. Pilot times the reader's own work (event loop, layout, compositor), not a terminal's.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def photo(path: Path, seed: int) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1600, 900), (20 * seed % 255, 90, 160))
    draw = ImageDraw.Draw(img)
    for i in range(0, 1600, 40):
        draw.line([(i, 0), (1600 - i, 900)], fill=(255, (i * 7) % 255, seed * 40 % 255), width=6)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())


def make_store(db: Path, base: str) -> Any:
    from newsreader.model import Article, Image, Story
    from newsreader.store import RefreshResult, Store

    store = Store(db)
    source, _ = store.subscribe(
        base + "/feed", [Story(key="s", title="Five pictures", url=base + "/s")], RefreshResult(), title="Bench"
    )
    assert source.id is not None
    story = store.headlines(source.id)[0]
    assert story.id is not None
    paras = "\n\n".join(f"Paragraph {i}. " + "Words of the story go on for a while here. " * 6 for i in range(40))
    body = paras + "\n\n" + "\n\n".join(f"![Picture {i}]({base}/p{i}.jpg)\n\n{paras[:600]}" for i in range(1, 5))
    article = Article(url=story.url, title="Five pictures", image=Image(base + "/p0.jpg", "The lead photo"), text=body)
    store.save_article(story.id, article)
    return store


async def open_story(store: Any, images: str, presses: int) -> tuple[float, list[float]]:
    from newsreader.config import Config
    from newsreader.tui.app import NewsReaderApp
    from newsreader.tui.widgets.article_view import ArticleView, PictureBlock

    app = NewsReaderApp(store, Config(images=images))
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        started = time.perf_counter()
        await pilot.press("enter")
        deadline = started + 30
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
            blocks = list(app.screen.query(PictureBlock))
            if images == "off" and app.screen.query_one(ArticleView).presented is not None:
                break
            if len(blocks) == 5 and all(b.image is not None for b in blocks):
                break
        await pilot.pause()
        opened = (time.perf_counter() - started) * 1000
        view = app.screen.query_one(ArticleView)
        view.focus()
        await pilot.pause()
        keys = []
        for _ in range(presses):
            t = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            keys.append((time.perf_counter() - t) * 1000)
    return opened, keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()
    from bench.server import FeedServer

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "site").mkdir()
        for i in range(5):
            photo(root / "site" / f"p{i}.jpg", i)
        os.environ["XDG_CACHE_HOME"] = str(root / "cache")
        os.environ["XDG_DATA_HOME"] = str(root / "data")
        os.environ["XDG_STATE_HOME"] = str(root / "state")
        os.environ["XDG_CONFIG_HOME"] = str(root / "config")
        from newsreader.config import image_cache_dir

        uncached, cached, text_only = [], [], []
        keys_on: list[float] = []
        keys_off: list[float] = []
        with FeedServer(root / "site", latency_ms=args.latency_ms) as server:
            for run in range(args.runs):
                store = make_store(root / f"bench{run}.db", server.base)
                for f in image_cache_dir().glob("*.png") if image_cache_dir().is_dir() else []:
                    f.unlink()
                ms, _ = asyncio.run(open_story(store, "halfcell", 0))
                uncached.append(ms)
                ms, keys = asyncio.run(open_story(store, "halfcell", args.presses))
                cached.append(ms)
                keys_on += keys
                ms, keys = asyncio.run(open_story(store, "off", args.presses))
                text_only.append(ms)
                keys_off += keys
                store.close()

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95) - 1]

    print(
        json.dumps(
            {
                "open_uncached_ms": round(statistics.median(uncached), 1),
                "open_cached_ms": round(statistics.median(cached), 1),
                "open_text_only_ms": round(statistics.median(text_only), 1),
                "scroll_key_to_repaint_ms": {
                    "pictures": {"median": round(statistics.median(keys_on), 2), "p95": round(p95(keys_on), 2)},
                    "off": {"median": round(statistics.median(keys_off), 2), "p95": round(p95(keys_off), 2)},
                },
                "runs": args.runs,
                "latency_ms": args.latency_ms,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
