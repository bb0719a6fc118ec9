import pytest

from pgharness import TestDatabase, version_matches


def test_fresh_database_is_empty(db: TestDatabase) -> None:
    rows = db.execute(
        "SELECT count(*) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r'"
    )
    assert rows == [(0,)]


@pytest.mark.extensions("hypopg")
def test_hypopg_where_available(db: TestDatabase) -> None:
    db.execute("CREATE EXTENSION hypopg")
    assert db.execute("SELECT count(*) FROM hypopg_list_indexes") == [(0,)]


@pytest.mark.extensions("vector")
def test_pgvector_where_available(db: TestDatabase) -> None:
    db.execute("CREATE EXTENSION vector")
    assert db.execute("SELECT '[1,2]'::vector <-> '[1,3]'::vector") == [(1.0,)]


def test_version_spec() -> None:
    assert version_matches(">= 16", 18)
    assert not version_matches("<16", 18)
    assert version_matches("15", 15)
