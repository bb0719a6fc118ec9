"""plaintext-secret-columns: columns named like secrets, stored as readable text.

Names are split into words (snake_case and camelCase). A column is a secret when a secret word
(``password``, ``api_key``...) occurs in it, no word after it marks it as something about the
secret rather than the secret (``password_hash``, ``token_type``, ``api_key_id``), and no word
before it says it is protected (``hashed_password``, ``encrypted_token``). In tables whose name
says they hold secrets (the seeds' ``secure_settings``), a generic ``value`` column counts too.

The values' shape (the snapshot's ``value_shapes``: pg_stats' sampled values, read as a shape
only) corrects the name: a column whose every sampled value is a bcrypt/argon2/scrypt/pbkdf2
string is hashed properly and not reported; one of bare hex digests (Pagila's
``staff.password``: 40 hex digits, SHA-1) is reported as an unsalted fast hash, not as plain
text. For tokens and API keys a SHA-256 (or longer) digest is the recommended storage.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.security.refs import split_list
from pgsage.db.rows import Column
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity

TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "citext", "name"})
PASSWORD_WORDS = frozenset({"password", "passwd"})
# Slow, salted password hashes (and PostgreSQL's own SCRAM verifier, and crypt(3)'s salted
# SHA-2): stored properly.
SLOW_HASHES = frozenset(
    {"bcrypt", "argon2", "scrypt", "pbkdf2", "scram-sha-256", "sha512-crypt", "sha256-crypt"}
)
# Fast digests without a salt, by how they read: weak for passwords; for a token only MD5 and
# SHA-1 are (a SHA-256 of a random token is what the fix recommends).
FAST_HASH_NAMES = {
    "md5-hex": "MD5",
    "sha1-hex": "SHA-1",
    "sha256-hex": "SHA-256",
    "sha512-hex": "SHA-512",
    "md5-crypt": "MD5-crypt",
}
WEAK_FOR_TOKENS = frozenset({"md5-hex", "sha1-hex", "md5-crypt"})


def words(name: str) -> list[str]:
    """``apiKey`` / ``API_KEY`` / ``api-key`` -> ``["api", "key"]``."""
    return list(_words(name))


@functools.lru_cache(maxsize=65536)
def _words(name: str) -> tuple[str, ...]:
    # cached: a long-running process (pgsage mcp, the web app) audits the same names again
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return tuple(w for w in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if w)


def secret_word(
    name: str, secrets: list[list[str]], after: set[str], before: set[str]
) -> str | None:
    """The secret a column name says it holds, or None."""
    parts = list(_words(name))
    for secret in secrets:
        width = len(secret)
        for start in range(len(parts) - width + 1):
            if parts[start : start + width] != secret:
                continue
            if after & set(parts[start + width :]) or before & set(parts[:start]):
                continue
            return "_".join(secret)
    return None


class PlaintextSecretColumns(Check):
    id = "plaintext-secret-columns"
    category = "security"
    severity = Severity.WARNING
    title = "Secrets stored as plain text"
    requires_sections = ("columns", "tables")
    params = (
        Param(
            "secret_names",
            "password,passwd,token,api_key,apikey,secret,private_key,access_key",
            "comma-separated names (in words: api_key matches apiKey and API_KEY) that "
            "mark a column as a secret",
        ),
        Param(
            "qualifier_words",
            "hash,hashed,digest,encrypted,enc,crypt,salt,type,hint,question,id,count,"
            "length,expires,expiry,expiration,at,date,time,policy,version,changed,"
            "updated,created,used,url,name,fingerprint,prefix,last4,masked",
            "words that, after the secret word, describe the secret rather than hold it "
            "(password_hash, token_type)",
        ),
        Param(
            "protected_prefixes",
            "hashed,hash,encrypted,enc,crypted,bcrypt,argon2",
            "words that, before the secret word, say it is protected (hashed_password)",
        ),
        Param(
            "secret_tables",
            "secret,secrets,secure,credential,credentials,vault",
            "words in a table name that say its value columns hold secrets",
        ),
        Param(
            "value_columns",
            "value,val,secret_value",
            "the generic columns that hold the secret in such tables",
        ),
    )
    docs = CheckDocs(
        problem="A column whose name says it holds a secret (password, passwd, token, api_key, "
        "apikey, secret, private_key, access_key — not *_hash, *_digest, hashed_*, "
        "*_encrypted) is text, varchar or char rather than a hash or ciphertext "
        "(bytea); so is the value column of a table named for secrets, like "
        "`secure_settings`. When every value pg_stats sampled is a bcrypt, argon2, scrypt "
        "or pbkdf2 string the column is not reported; when every one is a bare hex digest "
        "(MD5, SHA-1, SHA-256 ... of a password; MD5 or SHA-1 of a token) it is reported "
        "as an unsalted/weak hash instead of plain text.",
        why="Anyone who can read the table — a reporting role, a replica, a backup, a log of a "
        "slow query, an SQL injection — reads every password and token, and can use "
        "them elsewhere. Passwords need a slow salted hash; API keys and tokens a hash "
        "(when only compared) or encryption (when they must be sent on).",
        fix="Passwords: store a bcrypt/argon2 hash computed by the application and compare "
        "with the library's verify function. Tokens and API keys the application only "
        "checks: store a SHA-256 of them. Secrets it must send on: encrypt them in the "
        "application (or with pgcrypto's pgp_sym_encrypt into bytea, with the key kept "
        "out of the database), and rotate the ones that were stored in clear.",
        alembic="Add the hash/ciphertext column, backfill it in a data migration from the "
        "application, switch reads, then op.drop_column() the plain one.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        secrets = [words(name) for name in split_list(str(params["secret_names"]))]
        after = set(split_list(str(params["qualifier_words"])))
        before = set(split_list(str(params["protected_prefixes"])))
        secret_tables = set(split_list(str(params["secret_tables"])))
        value_columns = {c.lower() for c in split_list(str(params["value_columns"]))}
        # Tables of a big database repeat the same column names: judge each name (and each
        # table name) once.
        secret_in_name = functools.cache(lambda name: secret_word(name, secrets, after, before))
        secret_table = functools.cache(lambda table: bool(secret_tables & set(words(table))))
        shapes = {(v.schema, v.table, v.column): v for v in snapshot.value_shapes}
        findings = []
        for column in snapshot.columns:
            if column.type_name not in TEXT_TYPES or column.generated:
                continue
            reason = self.reason(column, secret_in_name, secret_table, value_columns)
            if reason is None:
                continue
            table = snapshot.table(column.schema, column.table)
            rows = int(table.estimated_rows) if table else None
            kind, advice = self.advice(reason)
            shape = shapes.get((column.schema, column.table, column.name))
            if shape is not None and shape.shape in SLOW_HASHES:
                continue
            if shape is not None and shape.shape in FAST_HASH_NAMES:
                weak = self.weak_hash(column, kind, shape.shape, shape.sampled, rows)
                if weak is not None:
                    findings.append(weak)
                continue
            findings.append(
                self.finding(
                    ObjectRef(
                        "column", column.schema, f"{column.table}.{column.name}", column.table
                    ),
                    f"{column.schema}.{column.table}.{column.name} ({column.type}) looks like a "
                    f"{kind} stored as plain text ({reason}); {rows or 0:,} rows",
                    evidence={
                        "column": column.name,
                        "type": column.type,
                        "table_rows": rows,
                        "matched": reason,
                    },
                    recommendation=advice,
                )
            )
        return findings

    def weak_hash(
        self, column: Column, kind: str, shape: str, sampled: int, rows: int | None
    ) -> Finding | None:
        """A column of bare digests: an unsalted fast hash (weak for a password; for a token,
        only MD5 and SHA-1 are)."""
        if kind != "password" and shape not in WEAK_FOR_TOKENS:
            return None
        name = FAST_HASH_NAMES[shape]
        return self.finding(
            ObjectRef("column", column.schema, f"{column.table}.{column.name}", column.table),
            f"{column.schema}.{column.table}.{column.name} holds unsalted/weak hashes ({name}): "
            f"every sampled value is a bare {name} digest; {rows or 0:,} rows",
            severity=Severity.WARNING if kind == "password" else Severity.INFO,
            evidence={
                "column": column.name,
                "type": column.type,
                "table_rows": rows,
                "hash": name,
                "sampled_values": sampled,
            },
            recommendation=(
                f"An unsalted {name} digest of a password is reversed by lookup tables and "
                "brute-forced at billions a second: rehash with bcrypt or argon2 (on each "
                "user's next login, or wrap the old digest: argon2(sha1) until then)."
                if kind == "password"
                else f"{name} is broken for collisions: store a SHA-256 of the {kind} instead "
                "and rotate the old ones."
            ),
        )

    @staticmethod
    def reason(
        column: Column,
        secret_in_name: Callable[[str], str | None],
        secret_table: Callable[[str], bool],
        value_columns: set[str],
    ) -> str | None:
        """Why the column holds a secret: ``secret_in_name`` is ``secret_word`` with the
        check's words, ``secret_table`` whether a table's name says it holds secrets."""
        found = secret_in_name(column.name)
        if found is not None:
            return f"name says {found}"
        if column.name.lower() in value_columns and secret_table(column.table):
            return f"value of table {column.table}"
        return None

    @staticmethod
    def advice(reason: str) -> tuple[str, str]:
        if any(f"says {w}" in reason for w in PASSWORD_WORDS):
            return "password", (
                "Store a bcrypt or argon2 hash computed by the application "
                "instead, and compare with the library's verify function."
            )
        return "secret", (
            "Store a SHA-256 hash if the application only compares it, or "
            "encrypt it (in the application, or pgcrypto's pgp_sym_encrypt into "
            "bytea with the key outside the database) if it must be sent on; "
            "rotate the values that were stored in clear."
        )
