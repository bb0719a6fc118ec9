"""Models shaped like seed 000's backend (site analytics, bot logs, settings, catalogue)."""

from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, MetaData, Table,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

users = Table("users", metadata, Column("id", Integer, primary_key=True), Column("name", String(100)))
site_visits = Table(
    "site_visits", metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_date", DateTime(timezone=True), nullable=False),
    Column("page_path", String(500), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("ip", String(45)),
)
daily_stats = Table(
    "daily_stats", metadata,
    Column("id", Integer, primary_key=True),
    Column("stat_date", Date, nullable=False),
    Column("visits", Integer, nullable=False),
)
bot_logs = Table(
    "bot_logs", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("is_blocked", Boolean, nullable=False),
    Column("message", Text),
)
secure_settings = Table(
    "secure_settings", metadata,
    Column("id", Integer, primary_key=True),
    Column("category", String(50), nullable=False),
    Column("key", String(100), nullable=False),
    Column("value", Text),
)
services = Table(
    "services", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", String(50), unique=True),
    Column("category", String(50)),
    Column("is_active", Boolean, nullable=False),
    Column("price", Numeric(10, 2)),
)
news = Table(
    "news", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("category", String(50)),
    Column("source", String(100)),
    Column("is_active", Boolean, nullable=False),
    Column("published_date", DateTime(timezone=True)),
)
portfolio = Table(
    "portfolio", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text),
    Column("is_active", Boolean, nullable=False),
    Column("display_order", Integer, nullable=False),
    Column("price", Numeric(10, 2)),
    Column("gallery_images", JSONB),
)
