"""A saved news-site page: the article's facts, none of the page furniture's numbers."""

from __future__ import annotations

import datetime
from pathlib import Path

import extract

PAGE = Path(__file__).resolve().parent / "cases" / "pages" / "news_page.html"


def test_news_page_facts_without_furniture():
    r = extract.extract_file(PAGE)
    html = PAGE.read_text(encoding="utf-8")
    assert r.document.status == "ok"
    assert r.document.title == "某县公安局2024年工作成绩单出炉"      # site name dropped
    assert r.document.published == datetime.date(2025, 1, 16)        # the page's stamp
    assert r.document.report_year == 2024
    got = {(m.value, m.metric) for m in r.metrics}
    assert {(856.0, "criminal_cases_solved"), (1024.0, "suspects_arrested"),
            (38.0, "fugitives_arrested"), (15.0, "gangs_busted"),
            (18_600_000.0, "losses_recovered")} <= got
    values = {m.value for m in r.metrics}
    # related-news headlines, view/like counts, postcode, phone, ICP numbers, script variables
    assert not values & {3200.0, 56000.0, 3567.0, 128.0, 16.0, 450000.0, 12345.0}
    for m in r.metrics:
        assert html[m.start:m.end] == m.text
