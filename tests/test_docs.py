from pathlib import Path

from pgsage.checks.docs import check_pages, checks_reference

DOCS = Path(__file__).parent.parent / "docs"


def test_check_reference_is_current() -> None:
    assert (DOCS / "checks.md").read_text() == checks_reference(), "run `make docs`"


def test_one_page_per_check_is_current() -> None:
    pages = check_pages()
    on_disk = {p.name: p.read_text() for p in (DOCS / "checks").glob("*.md")}
    assert on_disk == pages, "run `make docs`"
