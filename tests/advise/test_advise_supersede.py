"""Near-duplicates weighed against what they supersede (issue 19 item 4).

The film table is Pagila's (pagila-schema.sql: ``public.film`` with ``film_pkey PRIMARY KEY
(film_id)`` and ``CREATE INDEX idx_title ON public.film USING btree (title)``), reduced to the
columns the statements read and filled with generated rows (the sample's 1,000 films are too
few for any index to matter).
"""

from __future__ import annotations

from pathlib import Path

from advise_support import load, on, run

from pgharness import TestDatabase

FILM = """
SET synchronous_commit = on;
CREATE TABLE film (
    film_id integer NOT NULL, title text NOT NULL, description text,
    rental_rate numeric(4,2) DEFAULT 4.99 NOT NULL,
    CONSTRAINT film_pkey PRIMARY KEY (film_id));
INSERT INTO film SELECT g, md5(g::text), repeat('a long description ', 10), 4.99
FROM generate_series(1, 200000) g;
CREATE INDEX idx_title ON film USING btree (title);
"""


def test_include_beside_an_existing_index_needs_a_material_gain(
    db: TestDatabase, tmp_path: Path
) -> None:
    """film(title) INCLUDE (film_id) beside idx_title, and film(film_id) INCLUDE (title)
    beside the primary key, for one-row look-ups: an index-only scan of one row saves a few
    planner cost units, so neither is proposed, and the output says why."""
    load(db)
    db.execute(FILM)
    db.execute("VACUUM (FREEZE, ANALYZE) film")
    db.execute("VACUUM film")
    advice = run(
        db,
        tmp_path,
        [
            "SELECT film_id FROM film WHERE title = 'c4ca4238a0b923820dcc509a6f75849b'",
            "SELECT title FROM film WHERE film_id = 4242",
        ],
    )
    assert on(advice, "public.film") == []
    assert advice.drops == ()
    left_out = [n for n in advice.notes if n.startswith("left out:")]
    assert any("incl_film_id" in n and "existing public.idx_title" in n for n in left_out)
    assert any("incl_title" in n and "existing public.film_pkey" in n for n in left_out)


def test_include_with_a_material_gain_is_proposed_with_the_drop_of_the_old_one(
    db: TestDatabase, tmp_path: Path
) -> None:
    """A range over titles reads thousands of rows: the covering index spares their heap
    fetches. It is proposed, and idx_title, which it supersedes, is proposed for dropping."""
    load(db)
    db.execute(FILM)
    db.execute("VACUUM (FREEZE, ANALYZE) film")
    db.execute("VACUUM film")
    advice = run(db, tmp_path, ["SELECT film_id FROM film WHERE title >= 'a' AND title < 'b'"])
    [rec] = on(advice, "public.film")
    assert rec.candidate.columns == ("title",) and rec.candidate.include == ("film_id",)
    [drop] = advice.drops
    assert (drop.schema, drop.name) == ("public", "idx_title")
    assert "INCLUDEs film_id" in drop.reason


def test_covering_gives_way_to_a_plain_index_as_good_at_a_fraction_of_the_size(
    db: TestDatabase, tmp_path: Path
) -> None:
    """Two equalities that leave a few rows: the covering (tenant_id, country) INCLUDE (city,
    id) saves less than SUPERSEDE_MIN_SAVED over the plain (tenant_id, country) at about a
    third of its size: the plain one is proposed."""
    load(db)
    # two countries: the country is a parameter of the statement, not a partial index's
    # constant (one quoted label alone would read as one: advise.constants)
    advice = run(
        db,
        tmp_path,
        [
            "SELECT id, city FROM users WHERE tenant_id = 17 AND country = 'DE'",
            "SELECT id, city FROM users WHERE tenant_id = 18 AND country = 'FR'",
        ],
    )
    [rec] = on(advice, "public.users")
    assert rec.candidate.columns == ("tenant_id", "country") and rec.candidate.include == ()
    # the covering one is not proposed: left out with its reason when the search weighed it
    # against the plain one (it may also lose earlier, on its own merit)
    assert not any(
        n.startswith("left out: users_tenant_id_country_incl_city_id_idx")
        and "the plain users_tenant_id_country_idx is as good" not in n
        for n in advice.notes
    ), advice.notes
