"""The reader against feedparser 6 on feedparser's own corpus (../shared/eval/feedparser-tests), when it is there.

The comparison itself is bench/conformance.py (`python -m bench.feeds conformance -v` shows each difference)."""

from __future__ import annotations

import pytest

from bench import conformance

pytestmark = pytest.mark.skipif(
    not (conformance.CORPUS / "tests").is_dir(), reason=f"feedparser's test corpus is absent ({conformance.CORPUS})"
)


def test_every_entry_level_file_reads_as_feedparser_reads_it() -> None:
    out, failures = conformance.run()
    assert out.files > 1000, "the corpus should hold over a thousand entry-level files that feedparser passes"
    assert failures == {}, "\n".join(f"{path}: {diffs[:3]}" for path, diffs in sorted(failures.items())[:20])


def test_the_allow_list_is_small_justified_and_not_stale() -> None:
    out, _ = conformance.run()
    assert len(conformance.ALLOWED) <= 10
    assert all(len(reason) > 40 for reason in conformance.ALLOWED.values())
    assert sorted(out.allowed_seen) == sorted(conformance.ALLOWED), "an allowed file no longer differs: drop it"


def test_feedparsers_date_strings_in_rss_and_atom() -> None:
    right = conformance.dates()
    assert len(conformance.date_cases()) == 64
    assert set(right) == {"rss pubDate", "atom published"}
    assert min(right.values()) >= conformance.DATES_RIGHT_MIN, right
