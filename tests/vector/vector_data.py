"""Synthetic clustered embeddings (numpy, fixed seed) loaded into pgvector tables by COPY."""

from __future__ import annotations

import numpy as np
import psycopg
from numpy.typing import NDArray
from psycopg import sql


def clustered(
    rows: int, dims: int, clusters: int = 50, seed: int = 7, spread: float = 0.35
) -> NDArray[np.float32]:
    """Unit-length vectors around ``clusters`` random centres (cosine = L2 ranking)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dims))
    labels = rng.integers(0, clusters, size=rows)
    data = centres[labels] + spread * rng.normal(size=(rows, dims))
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    return data.astype(np.float32)


def load(dsn: str, table: str, data: NDArray[np.float32], categories: int = 50) -> None:
    """CREATE TABLE table (id, category, embedding vector(dims)) and COPY the rows in; the
    category is random (a filter on it keeps 1/categories of the rows, uncorrelated)."""
    rng = np.random.default_rng(11)
    category = rng.integers(0, categories, size=len(data))
    dims = data.shape[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (id int PRIMARY KEY, category int NOT NULL, embedding vector({}))"
            ).format(sql.Identifier(table), sql.Literal(dims))
        )
        copy = sql.SQL("COPY {} (id, category, embedding) FROM STDIN").format(sql.Identifier(table))
        with conn.cursor().copy(copy) as writer:
            for i, vector in enumerate(data):
                text = "[" + ",".join(f"{float(v):.9g}" for v in vector) + "]"
                writer.write_row((i, int(category[i]), text))
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))


def brute_force(
    data: NDArray[np.float32], query: NDArray[np.float32], k: int, exclude: int | None
) -> list[int]:
    """The ids of the k nearest rows by cosine distance, without ``exclude``."""
    distances = 1.0 - (data @ query) / (np.linalg.norm(data, axis=1) * np.linalg.norm(query))
    if exclude is not None:
        distances[exclude] = np.inf
    return [int(i) for i in np.argsort(distances, kind="stable")[:k]]
