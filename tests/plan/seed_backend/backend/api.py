from sqlalchemy import text

TRACK = "INSERT INTO site_visits (visit_date, page_path, is_admin, ip) VALUES (:d, :p, :a, :ip)"
ANALYTICS = """
    SELECT page_path, count(*) FROM site_visits
    WHERE visit_date >= :since AND is_admin = FALSE
    GROUP BY page_path
"""


def bump(conn, day):
    conn.execute(text(
        "INSERT INTO daily_stats (stat_date, visits) VALUES (:d, 1) "
        "ON CONFLICT (stat_date) DO UPDATE SET visits = daily_stats.visits + 1"
    ), {"d": day})


def bot_stats(conn):
    return conn.execute(text("SELECT * FROM bot_logs ORDER BY created_at DESC LIMIT 50"))


def setting(conn, category, key):
    return conn.execute(
        text("SELECT value FROM secure_settings WHERE category = :c AND key = :k"),
        {"c": category, "k": key},
    )


SHOP = "SELECT * FROM services WHERE category = %(c)s AND is_active = TRUE"
FEED = "SELECT title, link FROM news WHERE is_active = TRUE ORDER BY published_date DESC LIMIT 20"
PORTFOLIO = "SELECT * FROM portfolio WHERE is_active = TRUE ORDER BY display_order"
NOT_SQL = "select the best option from the menu"
