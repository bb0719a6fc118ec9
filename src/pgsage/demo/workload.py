"""The demo application's traffic, so that pg_stat_statements has something to show.

Each *unit* is what one request of the seed applications does: the site backend's analytics
pages and visit tracking, the bot's logging and statistics, GrantService's application and
AI-request screens, ReplyX's dialogs (loaded the N+1 way: one query per dialog), document
search and RAG look-ups. The units are shuffled with a seeded RNG, so a seed always gives the
same sequence of statements; their number does not depend on the scale, their cost does.
Every value is a bound parameter, so pg_stat_statements folds the calls of a statement
into one entry; integers are passed as Int4/Int8 to match their columns, since psycopg would
otherwise pick int2/int4/int8 by value and split a statement into one entry per type.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import LiteralString

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int4, Int8

from pgsage.db.connect import SessionOptions, connect, one_line
from pgsage.demo import data
from pgsage.errors import PgsageError

Cursor = psycopg.Cursor[TupleRow]

WORKLOAD_SESSION = SessionOptions(
    statement_timeout_ms=120_000,
    lock_timeout_ms=10_000,
    application_name="pgsage demo workload",
    read_only=False,
)

# -- the site backend (seed 000) ------------------------------------------------------------
VISITS_DAILY = (
    "SELECT visit_date, count(*) AS visits, count(DISTINCT session_id) AS visitors "
    "FROM site_visits WHERE visit_date >= %s AND visit_date < %s AND is_admin = false "
    "GROUP BY visit_date ORDER BY visit_date"
)
TOP_PAGES_RANGE = (
    "SELECT page_path, count(*) AS views FROM site_visits "
    "WHERE visited_at >= %s AND visited_at < %s AND NOT is_admin "
    "GROUP BY page_path ORDER BY views DESC LIMIT 20"
)
TOP_PAGES_DAY = (
    "SELECT page_path, count(*) AS views FROM site_visits WHERE visit_date = %s "
    "GROUP BY page_path ORDER BY views DESC LIMIT 10"
)
PAGE_STATS = (
    "SELECT count(*) AS views, max(visited_at) AS last_visit FROM site_visits WHERE page_path = %s"
)
AUDIENCE = (
    "SELECT country, device, count(*) AS visits FROM site_visits "
    "WHERE visit_date >= %s AND is_admin = false GROUP BY country, device "
    "ORDER BY visits DESC"
)
TRACK_VISIT = (
    "INSERT INTO site_visits (visited_at, visit_date, page_path, is_admin, referrer, "
    "user_agent, device, country, ip_address, session_id, response_time_ms) "
    "VALUES (now(), current_date, %s, %s, %s, %s, %s, %s, %s::inet, %s, %s)"
)
DAILY_STATS = (
    "SELECT stat_date, total_visits, unique_visitors, bot_events FROM daily_stats "
    "WHERE stat_date >= %s ORDER BY stat_date"
)
DAILY_STATS_BUMP = (
    "UPDATE daily_stats SET total_visits = total_visits + %s, "
    "updated_at = now() WHERE stat_date = %s"
)
BOT_BLOCKED = (
    "SELECT id, created_at, telegram_user_id, username, block_reason FROM bot_logs "
    "WHERE is_blocked AND created_at > %s ORDER BY created_at DESC LIMIT 50"
)
BOT_STATS = (
    "SELECT event_type, count(*) AS events, avg(response_time_ms) AS avg_ms, "
    "count(*) FILTER (WHERE error_message IS NOT NULL) AS errors "
    "FROM bot_logs WHERE created_at >= %s GROUP BY event_type"
)
BOT_USER_HISTORY = (
    "SELECT created_at, event_type, command, message_text FROM bot_logs "
    "WHERE telegram_user_id = %s ORDER BY created_at DESC LIMIT 20"
)
BOT_LOG = (
    "INSERT INTO bot_logs (telegram_user_id, username, chat_id, event_type, command, "
    "message_text, is_blocked, block_reason, response_time_ms) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
NEWS_FEED = (
    "SELECT id, title, summary, published_date FROM news WHERE is_active "
    "ORDER BY published_date DESC LIMIT 20 OFFSET %s"
)
NEWS_ADMIN = (
    "SELECT id, title, source, is_active, views FROM news ORDER BY published_date DESC LIMIT %s"
)
NEWS_SEARCH = (
    "SELECT id, title, published_date FROM news WHERE title ILIKE %s "
    "ORDER BY published_date DESC LIMIT 20"
)
NEWS_VIEW = "UPDATE news SET views = views + 1 WHERE id = %s"
SERVICES = (
    "SELECT service_id, name, price FROM services WHERE category = %s AND is_active ORDER BY price"
)
PORTFOLIO = (
    "SELECT id, title, slug, price, gallery_images FROM portfolio WHERE is_active "
    "ORDER BY display_order LIMIT %s"
)
SETTING = "SELECT value, is_encrypted FROM secure_settings WHERE category = %s AND key = %s"
SETTING_UPDATE = (
    "UPDATE secure_settings SET value = %s, updated_by = %s, updated_at = now() "
    "WHERE category = %s AND key = %s"
)

# -- GrantService (seed 001) ----------------------------------------------------------------
USER_BY_TELEGRAM = (
    "SELECT id, username, role, is_admin, is_active FROM users WHERE telegram_id = %s"
)
USER_BY_EMAIL = "SELECT id, username, email, role FROM users WHERE lower(email) = lower(%s)"
USER_SEEN = "UPDATE users SET last_seen_at = now() WHERE telegram_id = %s"
PROMPT_ACTIVE = (
    "SELECT id, prompt_text, version FROM prompts "
    "WHERE agent_type = %s AND is_active ORDER BY created_at DESC LIMIT 1"
)
APPLICATIONS_MATCHING = (
    "SELECT id, title, stage, created_at FROM applications WHERE interview_data @> %s "
    "ORDER BY created_at DESC LIMIT 20"
)
USER_APPLICATIONS = (
    "SELECT id, title, stage, updated_at FROM applications "
    "WHERE user_id = %s ORDER BY updated_at DESC"
)
APPLICATION_STAGE = "UPDATE applications SET stage = %s, updated_at = now() WHERE id = %s"
APPLICATION_AI_HISTORY = (
    "SELECT agent_type, model, tokens_used, status, created_at FROM ai_requests "
    "WHERE application_id = %s ORDER BY created_at"
)
AI_USAGE = (
    "SELECT date_trunc('day', created_at) AS day, agent_type, sum(tokens_used) AS tokens, "
    "count(*) AS requests FROM ai_requests WHERE created_at >= %s "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
AI_REQUEST = (
    "INSERT INTO ai_requests (application_id, agent_type, model, prompt, response, "
    "tokens_used, latency_ms, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)

# -- ReplyX (seeds 002/003) -----------------------------------------------------------------
USER_DIALOGS = (
    "SELECT id, channel, status, started_at FROM dialogs WHERE user_id = %s "
    "ORDER BY started_at DESC LIMIT 20"
)
DIALOG_MESSAGES = (
    'SELECT id, sender, message_kind, text, "timestamp" FROM dialog_messages '
    'WHERE dialog_id = %s ORDER BY "timestamp"'
)
HANDOFF_QUEUE = (
    "SELECT id, user_id, channel, updated_at FROM dialogs "
    "WHERE handoff_status = %s ORDER BY updated_at LIMIT 20"
)
DIALOG_STATUSES = "SELECT status, count(*) FROM dialogs GROUP BY status"
DIALOG_CLOSE = "UPDATE dialogs SET status = %s, ended_at = now(), updated_at = now() WHERE id = %s"
MESSAGE_INSERT = (
    "INSERT INTO dialog_messages (dialog_id, sender, message_kind, text, tokens) "
    "VALUES (%s, %s, %s, %s, %s)"
)
USER_DOCUMENTS = (
    "SELECT id, filename, title, status, upload_date FROM documents "
    "WHERE user_id = %s ORDER BY upload_date DESC LIMIT 20"
)
DOCUMENT_SEARCH = (
    "SELECT id, filename, title FROM documents "
    "WHERE content ILIKE %s OR title ILIKE %s ORDER BY upload_date DESC LIMIT 20"
)
DOCUMENT_BY_HASH = "SELECT id FROM documents WHERE doc_hash = %s"
DOCUMENT_CHUNKS = (
    "SELECT chunk_index, chunk_text FROM knowledge_embeddings "
    "WHERE document_id = %s ORDER BY chunk_index"
)
NEAREST_CHUNKS = (
    "SELECT id, document_id, chunk_text FROM knowledge_embeddings "
    "ORDER BY embedding <-> %s::vector LIMIT 5"
)
NEAREST_USER_CHUNKS = (
    "SELECT id, document_id, chunk_text, embedding <-> %s::vector AS distance "
    "FROM knowledge_embeddings WHERE user_id = %s ORDER BY distance LIMIT 5"
)

DOCUMENT_TERMS = (
    "оплат",
    "бот",
    "договор",
    "возврат",
    "оператор",
    "API",
    "грант",
    "CSV",
    "токен",
    "лимит",
)


@dataclass
class Context:
    """What the units need to pick realistic parameters, derived from scale and seed."""

    scale: float
    seed: int
    vector: bool
    rng: random.Random
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    statements: int = 0

    def __post_init__(self) -> None:
        self.counts = data.row_counts(self.scale)
        self.paths = data.zipf_pool(data.public_paths(), 1.05, 5000)
        self.topics = data.topic_vectors(self.seed) if self.vector else []
        self.today = self.now.date()

    def user_id(self, power: bool = False) -> int:
        n = self.counts["users"]
        if power:  # the long-time users who own most dialogs and documents
            return 1 + int(min(n, max(10, n // 100)) * self.rng.random())
        return self.rng.randint(1, n)

    def telegram_id(self) -> Int8:
        return Int8(data.user_identity(self.user_id()).telegram_id)

    def row_id(self, table: str, spread: int = 1) -> Int4:
        """An id of a loaded row (or, with spread > 1, possibly one that does not exist)."""
        return Int4(self.rng.randint(1, self.counts[table] * spread))

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def day(self, back_from: int, back_to: int) -> date:
        return self.today - timedelta(days=self.rng.randint(back_from, back_to))

    def run(self, cur: Cursor, query: LiteralString, params: tuple[object, ...] = ()) -> None:
        cur.execute(query, params)
        if cur.description is not None:
            cur.fetchall()
        self.statements += 1

    def run_many(self, cur: Cursor, query: LiteralString, rows: list[tuple[object, ...]]) -> None:
        cur.executemany(query, rows)
        self.statements += len(rows)


Unit = Callable[[Cursor, Context], None]


# -- units ----------------------------------------------------------------------------------
def analytics_page(cur: Cursor, ctx: Context) -> None:
    days = ctx.rng.choice((7, 30, 30, 90))
    end = ctx.day(0, 30)
    ctx.run(cur, VISITS_DAILY, (end - timedelta(days=days), end))


def top_pages_report(cur: Cursor, ctx: Context) -> None:
    end = ctx.days_ago(ctx.rng.randint(0, 60))
    ctx.run(cur, TOP_PAGES_RANGE, (end - timedelta(days=ctx.rng.choice((7, 30))), end))


def top_pages_of_day(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, TOP_PAGES_DAY, (ctx.day(1, 400),))


def page_stats(cur: Cursor, ctx: Context) -> None:
    """The admin's page card: mostly articles from the long tail, sometimes a top page."""
    path = (
        ctx.rng.choice(ctx.paths) if ctx.rng.random() < 0.1 else f"/news/{ctx.rng.randint(1, 320)}"
    )
    ctx.run(cur, PAGE_STATS, (path,))


def audience_report(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, AUDIENCE, (ctx.day(7, 90),))


def track_visits(cur: Cursor, ctx: Context) -> None:
    rng = ctx.rng
    rows: list[tuple[object, ...]] = []
    for _ in range(10):
        device, _, agents = rng.choice(data.DEVICES)
        admin = rng.random() < 0.03
        rows.append(
            (
                rng.choice(data.ADMIN_PATHS) if admin else rng.choice(ctx.paths),
                admin,
                rng.choice(data.REFERRERS)[0],
                rng.choice(agents),
                device,
                rng.choice(data.COUNTRIES)[0],
                f"{rng.randint(5, 217)}.{rng.randrange(256)}.{rng.randrange(256)}."
                f"{rng.randint(1, 254)}",
                f"{rng.getrandbits(48):012x}",
                Int4(int(rng.lognormvariate(4.2, 0.7))),
            )
        )
    with cur.connection.transaction():
        ctx.run_many(cur, TRACK_VISIT, rows)


def daily_stats_page(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, DAILY_STATS, (ctx.day(30, 120),))


def daily_stats_job(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, DAILY_STATS_BUMP, (Int4(ctx.rng.randint(1, 40)), ctx.day(1, 3)))


def bot_blocked_page(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, BOT_BLOCKED, (ctx.days_ago(ctx.rng.choice((1, 1, 3, 7))),))


def bot_stats_page(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, BOT_STATS, (ctx.days_ago(ctx.rng.choice((1, 7, 7, 30))),))


def bot_user_history(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, BOT_USER_HISTORY, (ctx.telegram_id(),))


def bot_logging(cur: Cursor, ctx: Context) -> None:
    rng = ctx.rng
    rows: list[tuple[object, ...]] = []
    for _ in range(10):
        ident = data.user_identity(ctx.user_id())
        if rng.random() < 0.05:
            spammer = Int8(7_000_000_000 + rng.randrange(10**8))
            rows.append(
                (
                    spammer,
                    None,
                    spammer,
                    "message",
                    None,
                    rng.choice(data.SPAM_TEXTS),
                    True,
                    "spam",
                    Int4(rng.randint(5, 25)),
                )
            )
        else:
            command = rng.choice(data.BOT_COMMANDS)[0]
            telegram_id = Int8(ident.telegram_id)
            rows.append(
                (
                    telegram_id,
                    ident.username,
                    telegram_id,
                    "command",
                    command,
                    None,
                    False,
                    None,
                    Int4(int(rng.lognormvariate(5.0, 0.8))),
                )
            )
    with cur.connection.transaction():
        ctx.run_many(cur, BOT_LOG, rows)


def bot_user_session(cur: Cursor, ctx: Context) -> None:
    """The bot resolves a user by telegram_id on every update, and marks them seen."""
    telegram_id = ctx.telegram_id()
    ctx.run(cur, USER_BY_TELEGRAM, (telegram_id,))
    if ctx.rng.random() < 0.35:
        ctx.run(cur, USER_SEEN, (telegram_id,))


def login_by_email(cur: Cursor, ctx: Context) -> None:
    email = None
    while email is None:
        email = data.user_identity(ctx.user_id()).email
    # Users type their address in any case.
    typed = email.capitalize() if ctx.rng.random() < 0.4 else email
    ctx.run(cur, USER_BY_EMAIL, (typed,))


def agent_prompt(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, PROMPT_ACTIVE, (ctx.rng.choice(data.AGENT_TYPES),))


def applications_search(cur: Cursor, ctx: Context) -> None:
    rng = ctx.rng
    pick = rng.random()
    filter_: dict[str, object]
    if pick < 0.5:
        filter_ = {"project": {"direction": rng.choice(data.DIRECTIONS)}}
    elif pick < 0.8:
        filter_ = {"organization": {"region": rng.choice(data.REGIONS)}}
    else:
        filter_ = {"organization": {"type": rng.choice(data.ORG_TYPE_NAMES)}, "completed": True}
    ctx.run(cur, APPLICATIONS_MATCHING, (Jsonb(filter_),))


def my_applications(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, USER_APPLICATIONS, (Int4(ctx.user_id()),))


def application_page(cur: Cursor, ctx: Context) -> None:
    """An application with its AI history: ai_requests has no index on application_id."""
    ctx.run(cur, APPLICATION_AI_HISTORY, (ctx.row_id("applications"),))


def application_step(cur: Cursor, ctx: Context) -> None:
    rng = ctx.rng
    app_id = ctx.row_id("applications")
    agent = rng.choice(data.AGENT_TYPES)
    ctx.run(cur, PROMPT_ACTIVE, (agent,))
    tokens = int(200 + rng.expovariate(1 / 900))
    with cur.connection.transaction():
        ctx.run(
            cur,
            AI_REQUEST,
            (
                app_id,
                agent,
                rng.choice(data.MODEL_NAMES),
                rng.choice(data.QUESTIONS),
                rng.choice(data.ANSWERS),
                Int4(tokens),
                Int4(int(400 + tokens * 2.2 * rng.random())),
                "ok",
            ),
        )
        if rng.random() < 0.3:
            ctx.run(cur, APPLICATION_STAGE, (rng.choice(data.STAGES)[0], app_id))


def ai_usage_report(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, AI_USAGE, (ctx.days_ago(ctx.rng.choice((7, 30))),))


def dialogs_page(cur: Cursor, ctx: Context) -> None:
    """N+1: the user's dialogs, then one query per dialog for its messages."""
    cur.execute(USER_DIALOGS, (Int4(ctx.user_id(power=True)),))
    dialogs = cur.fetchall()
    ctx.statements += 1
    for dialog_id, *_rest in dialogs:
        ctx.run(cur, DIALOG_MESSAGES, (Int4(dialog_id),))


def operator_queue(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, HANDOFF_QUEUE, (ctx.rng.choice(("requested", "requested", "accepted")),))


def dialog_statuses(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, DIALOG_STATUSES)


def dialog_reply(cur: Cursor, ctx: Context) -> None:
    rng = ctx.rng
    dialog_id = ctx.row_id("dialogs")
    with cur.connection.transaction():
        ctx.run_many(
            cur,
            MESSAGE_INSERT,
            [
                (dialog_id, "user", "text", rng.choice(data.QUESTIONS), None),
                (
                    dialog_id,
                    "assistant",
                    "text",
                    rng.choice(data.ANSWERS),
                    Int4(rng.randint(40, 440)),
                ),
            ],
        )
        if rng.random() < 0.5:
            ctx.run(cur, DIALOG_CLOSE, (rng.choice(("closed", "closed", "handoff")), dialog_id))


def documents_page(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, USER_DOCUMENTS, (Int4(ctx.user_id(power=True)),))


def document_search(cur: Cursor, ctx: Context) -> None:
    term = f"%{ctx.rng.choice(DOCUMENT_TERMS)}%"
    ctx.run(cur, DOCUMENT_SEARCH, (term, term))


def document_upload_check(cur: Cursor, ctx: Context) -> None:
    doc_id = ctx.row_id("documents", spread=2)  # half of them are new files
    digest = hashlib.sha256(f"{ctx.seed}:{doc_id}".encode()).hexdigest()
    ctx.run(cur, DOCUMENT_BY_HASH, (digest,))


def document_chunks(cur: Cursor, ctx: Context) -> None:
    """A document's chunks: knowledge_embeddings has no index leading with document_id."""
    ctx.run(cur, DOCUMENT_CHUNKS, (ctx.row_id("documents"),))


def rag_search(cur: Cursor, ctx: Context) -> None:
    if not ctx.vector:
        return
    query = data.query_vector(ctx.rng, ctx.topics)
    if ctx.rng.random() < 0.6:
        ctx.run(cur, NEAREST_CHUNKS, (query,))
    else:
        owners = max(3, ctx.counts["users"] // 10)
        ctx.run(cur, NEAREST_USER_CHUNKS, (query, Int4(1 + int(owners * ctx.rng.random() ** 2))))


def news_feed(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, NEWS_FEED, (Int8(20 * int(ctx.rng.expovariate(0.7))),))
    if ctx.rng.random() < 0.5:
        ctx.run(cur, NEWS_VIEW, (ctx.row_id("news"),))


def news_admin(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, NEWS_ADMIN, (Int8(50),))


def news_search(cur: Cursor, ctx: Context) -> None:
    ctx.run(cur, NEWS_SEARCH, (f"%{ctx.rng.choice(data.SEARCH_TERMS)}%",))


def site_pages(cur: Cursor, ctx: Context) -> None:
    rng = ctx.rng
    ctx.run(cur, SERVICES, (rng.choice(data.SERVICE_SLUGS).split("-")[0],))
    if rng.random() < 0.5:
        ctx.run(cur, PORTFOLIO, (Int8(rng.choice((12, 24))),))


def settings_read(cur: Cursor, ctx: Context) -> None:
    category, key = data.secure_setting_key(ctx.rng.randint(1, ctx.counts["secure_settings"]))
    ctx.run(cur, SETTING, (category, key))


def settings_change(cur: Cursor, ctx: Context) -> None:
    category, key = data.secure_setting_key(ctx.rng.randint(1, ctx.counts["secure_settings"]))
    value = "gAAAAB" + hashlib.sha256(ctx.rng.randbytes(16)).hexdigest()
    ctx.run(cur, SETTING_UPDATE, (value, "admin1@example.com", category, key))


# How often each unit runs per round. Slow reports are few; look-ups are many.
MIX: tuple[tuple[Unit, int], ...] = (
    (analytics_page, 14),
    (top_pages_report, 8),
    (top_pages_of_day, 25),
    (page_stats, 40),
    (audience_report, 4),
    (track_visits, 20),
    (daily_stats_page, 10),
    (daily_stats_job, 3),
    (bot_blocked_page, 40),
    (bot_stats_page, 10),
    (bot_user_history, 8),
    (bot_logging, 20),
    (bot_user_session, 300),
    (login_by_email, 60),
    (agent_prompt, 60),
    (applications_search, 30),
    (my_applications, 50),
    (application_page, 20),
    (application_step, 50),
    (ai_usage_report, 4),
    (dialogs_page, 30),
    (operator_queue, 20),
    (dialog_statuses, 5),
    (dialog_reply, 60),
    (documents_page, 30),
    (document_search, 20),
    (document_upload_check, 20),
    (document_chunks, 20),
    (rag_search, 60),
    (news_feed, 50),
    (news_admin, 10),
    (news_search, 30),
    (site_pages, 30),
    (settings_read, 50),
    (settings_change, 5),
)


def run_workload(
    dsn: str,
    *,
    scale: float = 1.0,
    seed: int = 42,
    rounds: int = 1,
    leave_out: Collection[str] = (),
) -> int:
    """Run the demo application's workload against the demo tables; the statements executed.

    Deterministic for a seed: the same units in the same order with the same parameters.
    ``leave_out`` names units (their function names) not to run.
    """
    unknown = sorted(set(leave_out) - {unit.__name__ for unit, _ in MIX})
    if unknown:
        raise ValueError(f"no such workload unit: {', '.join(unknown)}")
    rng = random.Random(f"{seed}-workload")
    with connect(dsn, WORKLOAD_SESSION) as conn:
        try:
            vector = conn.execute(
                "SELECT to_regtype('vector') IS NOT NULL AND EXISTS (SELECT 1 FROM "
                "information_schema.columns WHERE table_schema = 'public' AND table_name = "
                "'knowledge_embeddings' AND column_name = 'embedding' AND udt_name = 'vector')"
            ).fetchone()
            ctx = Context(scale=scale, seed=seed, vector=bool(vector and vector[0]), rng=rng)
            units = [
                unit for unit, times in MIX for _ in range(times) if unit.__name__ not in leave_out
            ]
            with conn.cursor() as cur:
                for _ in range(rounds):
                    rng.shuffle(units)
                    for unit in units:
                        unit(cur, ctx)
        except psycopg.Error as exc:
            raise PgsageError(f"demo workload failed: {one_line(str(exc))}") from None
    return ctx.statements
