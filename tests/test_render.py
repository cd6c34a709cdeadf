"""How a story is presented: one link collector, one header for every place that shows a story."""

from __future__ import annotations

from newsreader.links import links_in
from newsreader.model import Article, Story
from newsreader.render import present, story_markdown


def test_links_are_collected_once_in_order_and_only_http_or_https() -> None:
    body = (
        "[a](https://a.test/1) [img](http://ignored.test) ![pic](http://pic.test/p.jpg) [js](javascript:alert(1))"
        ' [f](file:///etc/passwd) [m](mailto:x@y.test) [b](HTTP://B.test/2 "title") [a again](https://a.test/1)'
    )
    assert links_in(body) == ["https://a.test/1", "http://ignored.test", "HTTP://B.test/2"]


def test_a_feed_story_and_an_article_list_links_by_the_same_rule() -> None:
    feed = Story(key="1", title="t", summary='<p><a href="javascript:x()">x</a> <a href="https://a.test/">a</a></p>')
    article = Article(url="https://a.test/s", text="[x](javascript:x()) [a](https://a.test/)", links=["javascript:x()"])
    from_article = Story(key="2", title="t", url="https://a.test/s", article=article)
    assert present(feed).links == present(from_article).links == ["https://a.test/"]
    assert "javascript:" not in story_markdown(from_article).split("## Links")[1]
