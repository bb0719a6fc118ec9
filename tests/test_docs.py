from pathlib import Path

from pgsage.docs import checks_reference

DOCS = Path(__file__).parent.parent / "docs"


def test_check_reference_is_current() -> None:
    assert (DOCS / "checks.md").read_text() == checks_reference(), "run `make docs`"
