"""Shared paths and fixtures for the pipeline tests.

Every path is relative to this file, never to the working directory: the suite runs the same
from the repository root, from tests/ or from CI (a fresh clone with ../shared beside it).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
RULES_DIR = REPO / "rules"
CASES = TESTS / "cases"
# The shared evaluation corpus lives beside the repository (../shared/corpus/dev).
DEV_DIR = REPO.parent / "shared" / "corpus" / "dev"
DEV_GOLD = DEV_DIR / "gold.jsonl"
# The repository keeps its own copy of the two dev articles, used when ../shared is absent.
LOCAL_RAW = REPO / "data" / "raw"
DEV_DOCS = ("2021_zhanhe.txt", "2025_weibin.txt")


def dev_raw_dir() -> Path | None:
    """The folder holding the dev articles: the shared corpus, else data/raw, else None."""
    for d in (DEV_DIR / "raw", LOCAL_RAW):
        if all((d / name).is_file() for name in DEV_DOCS):
            return d
    return None


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two half-open spans share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


@pytest.fixture(scope="session")
def ruleset():
    """The shipped rules, loaded once (the same cached object the library uses)."""
    from extract import default_rules

    return default_rules()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """Folder of the two dev articles (skips when neither copy is available)."""
    d = dev_raw_dir()
    if d is None:
        pytest.skip("dev articles not found in ../shared/corpus/dev/raw or data/raw")
    return d


@pytest.fixture(scope="session")
def dev_text(raw_dir) -> Callable[[str], str]:
    """The decoded text of a dev article by file name."""
    def read(name: str) -> str:
        return (raw_dir / name).read_text(encoding="utf-8")
    return read


@pytest.fixture(scope="session")
def dev_out(raw_dir, tmp_path_factory) -> Path:
    """One ``extract.run`` over the dev articles, shared by the tests that read its tables."""
    import extract

    out = tmp_path_factory.mktemp("dev_out")
    summary = extract.run(raw_dir, out, jobs=1)
    assert summary.documents == len(DEV_DOCS), summary
    return out


@pytest.fixture
def rules_copy(tmp_path) -> Callable[..., Path]:
    """A writable copy of rules/; ``rules_copy(file, edit)`` applies ``edit(text) -> text``."""
    def make(filename: str | None = None, edit: Callable[[str], str] | None = None) -> Path:
        d = tmp_path / "rules"
        if not d.exists():
            shutil.copytree(RULES_DIR, d)
        if filename is not None and edit is not None:
            p = d / filename
            before = p.read_text(encoding="utf-8")
            after = edit(before)
            assert after != before, f"the edit of {filename} changed nothing: fix the test"
            p.write_text(after, encoding="utf-8")
        return d
    return make
