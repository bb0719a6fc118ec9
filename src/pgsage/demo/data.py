# ruff: noqa: RUF001  (the demo data is Russian text, as in the seed projects)
"""Deterministic data for the demo database, produced as COPY text chunks.

Everything is derived from ``random.Random`` seeded per table, so a seed gives the same rows
(timestamps are laid out relative to the hour the demo is built). Rows are formatted in Python
as COPY text and streamed in chunks, so that generating one chunk overlaps with the server
parsing the previous one. Text values come from fixed pools that never contain tabs, newlines
or backslashes, so only the few free-form values (JSON) need escaping.

The shapes follow the seed projects: a site backend with visit and bot analytics (site_visits,
daily_stats, bot_logs, ...), GrantService (users, prompts, applications, ai_requests) and ReplyX
(dialogs, dialog_messages, documents, knowledge_embeddings).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

CHUNK_ROWS = 25_000
HISTORY_DAYS = 548  # ~18 months
EMBEDDING_DIM = 384
TOPICS = 64
NOISE_VECTORS = 1024
BOT_LOGS_LAST_ID = 1_790_000_000  # a legacy int4 serial, 83 % of 2^31 - 1 (old rows purged)
NULL = "\\N"

# Rows at scale 1.0 (daily_stats is one row per day and does not scale).
BASE_ROWS: dict[str, int] = {
    "users": 20_000,
    "prompts": 120,
    "applications": 25_000,
    "ai_requests": 150_000,
    "site_visits": 900_000,
    "bot_logs": 400_000,
    "dialogs": 40_000,
    "dialog_messages": 400_000,
    "documents": 2_000,
    "knowledge_embeddings": 20_000,
    "news": 12_000,
    "portfolio": 300,
    "services": 120,
    "secure_settings": 150,
}
MIN_ROWS: dict[str, int] = {
    "users": 60,
    "prompts": 24,
    "applications": 40,
    "ai_requests": 100,
    "site_visits": 500,
    "bot_logs": 300,
    "dialogs": 60,
    "dialog_messages": 300,
    "documents": 12,
    "knowledge_embeddings": 60,
    "news": 40,
    "portfolio": 12,
    "services": 12,
    "secure_settings": 24,
}


def row_counts(scale: float) -> dict[str, int]:
    """Planned rows per table for a scale factor. The loaded dialog_messages and
    knowledge_embeddings differ slightly (they follow the dialogs' and documents' shapes, see
    ``DemoData.counts``); every other table gets exactly this many rows."""
    return {t: max(MIN_ROWS[t], round(n * scale)) for t, n in BASE_ROWS.items()}


def copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def opt(value: str | None) -> str:
    return NULL if value is None else value


def bool_text(value: bool) -> str:
    return "t" if value else "f"


# -- people ---------------------------------------------------------------------------------
FIRST_NAMES = (
    ("Иван", "ivan"),
    ("Алексей", "alexey"),
    ("Мария", "maria"),
    ("Анна", "anna"),
    ("Дмитрий", "dmitry"),
    ("Сергей", "sergey"),
    ("Ольга", "olga"),
    ("Елена", "elena"),
    ("Никита", "nikita"),
    ("Татьяна", "tatiana"),
    ("Андрей", "andrey"),
    ("Наталья", "natalia"),
    ("Павел", "pavel"),
    ("Юлия", "yulia"),
    ("Михаил", "mikhail"),
    ("Екатерина", "ekaterina"),
    ("Артём", "artem"),
    ("Светлана", "svetlana"),
    ("Владимир", "vladimir"),
    ("Ксения", "ksenia"),
    ("Роман", "roman"),
    ("Алина", "alina"),
    ("Григорий", "grigory"),
    ("Вера", "vera"),
)
LAST_NAMES = (
    "ivanov",
    "petrov",
    "smirnov",
    "kuznetsov",
    "popov",
    "vasiliev",
    "sokolov",
    "mikhailov",
    "novikov",
    "fedorov",
    "morozov",
    "volkov",
    "alekseev",
    "lebedev",
    "semenov",
    "egorov",
    "pavlov",
    "kozlov",
    "stepanov",
    "nikolaev",
    "orlov",
    "andreev",
    "makarov",
    "zakharov",
)
EMAIL_DOMAINS = (
    "gmail.com",
    "mail.ru",
    "yandex.ru",
    "bk.ru",
    "inbox.ru",
    "outlook.com",
    "list.ru",
    "rambler.ru",
    "icloud.com",
    "proton.me",
)


@dataclass(frozen=True)
class Identity:
    user_id: int
    telegram_id: int
    first_name: str
    username: str | None
    email: str | None


def user_identity(user_id: int) -> Identity:
    """A user's stable identity, computable without the generator (the workload uses it)."""
    first, first_latin = FIRST_NAMES[(user_id * 7) % len(FIRST_NAMES)]
    last = LAST_NAMES[(user_id * 13 + user_id // len(LAST_NAMES)) % len(LAST_NAMES)]
    # 2654435761 is prime, so this is a bijection on ids below 6e9: telegram ids stay unique.
    telegram_id = 300_000_000 + (user_id * 2_654_435_761) % 6_000_000_000
    username = None if user_id % 11 == 5 else f"{first_latin}_{last}{user_id % 997}"
    email = (
        None
        if user_id % 7 == 3
        else f"{first_latin}.{last}{user_id}@{EMAIL_DOMAINS[user_id % len(EMAIL_DOMAINS)]}"
    )
    return Identity(user_id, telegram_id, first, username, email)


# -- site -----------------------------------------------------------------------------------
SERVICE_SLUGS = (
    "web-development",
    "mobile-apps",
    "telegram-bots",
    "chatbot-integration",
    "seo-audit",
    "ui-ux-design",
    "crm-integration",
    "ai-assistants",
    "devops-support",
    "data-analytics",
    "landing-pages",
    "e-commerce",
    "grant-writing",
    "consulting",
    "maintenance",
)
PORTFOLIO_SLUGS = tuple(
    f"{kind}-{n}" for kind in ("shop", "bot", "crm", "landing", "portal") for n in range(1, 13)
)
BLOG_SLUGS = tuple(
    f"{topic}-{n}"
    for topic in (
        "postgres-tips",
        "bot-analytics",
        "grant-guide",
        "rag-search",
        "ai-pricing",
        "case-study",
    )
    for n in range(1, 9)
)
ADMIN_PATHS = (
    "/admin",
    "/admin/analytics",
    "/admin/news",
    "/admin/portfolio",
    "/admin/services",
    "/admin/settings",
    "/admin/bot-logs",
    "/admin/users",
)


def public_paths() -> list[str]:
    """Page paths by popularity: the head of a Zipf distribution first."""
    head = [
        "/",
        "/services",
        "/portfolio",
        "/news",
        "/contacts",
        "/about",
        "/pricing",
        "/blog",
        "/faq",
        "/privacy",
    ]
    return (
        head
        + [f"/services/{s}" for s in SERVICE_SLUGS]
        + [f"/portfolio/{s}" for s in PORTFOLIO_SLUGS]
        + [f"/blog/{s}" for s in BLOG_SLUGS]
        + [f"/news/{n}" for n in range(1, 321)]
    )


REFERRERS = (
    (None, 46.0),
    ("https://www.google.com/", 18.0),
    ("https://yandex.ru/", 16.0),
    ("https://t.me/", 6.0),
    ("https://vk.com/", 4.0),
    ("https://www.bing.com/", 1.5),
    ("https://duckduckgo.com/", 1.0),
    ("https://github.com/", 1.2),
    ("https://habr.com/", 2.3),
    ("https://vc.ru/", 1.5),
    ("https://dzen.ru/", 1.5),
    ("https://mail.ru/", 0.5),
)
DEVICES = (
    (
        "desktop",
        48.0,
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 YaBrowser/24.4.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        ),
    ),
    (
        "mobile",
        46.0,
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/123.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
        ),
    ),
    (
        "tablet",
        4.0,
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        ),
    ),
    (
        "bot",
        2.0,
        (
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "TelegramBot (like TwitterBot)",
        ),
    ),
)
COUNTRIES = (
    ("RU", 71.0),
    ("KZ", 6.0),
    ("BY", 5.0),
    ("UZ", 3.0),
    ("DE", 3.0),
    ("US", 3.0),
    ("NL", 2.0),
    ("AM", 2.0),
    ("GE", 2.0),
    ("RS", 1.5),
    ("TR", 1.5),
)

# -- GrantService ---------------------------------------------------------------------------
AGENT_TYPES = ("interviewer", "auditor", "planner", "writer", "reviewer", "researcher")
MODELS = (
    ("gpt-4o-mini", 46.0),
    ("gpt-4o", 22.0),
    ("claude-3-5-sonnet", 14.0),
    ("yandexgpt-pro", 10.0),
    ("gigachat-pro", 8.0),
)
STAGES = (
    ("interview", 26.0),
    ("audit", 16.0),
    ("planning", 14.0),
    ("writing", 14.0),
    ("review", 10.0),
    ("submitted", 9.0),
    ("approved", 6.0),
    ("rejected", 5.0),
)
DIRECTIONS = (
    "education",
    "culture",
    "health",
    "ecology",
    "science",
    "sport",
    "youth",
    "social_support",
    "tourism",
    "technology",
)
ORG_TYPES = (("nko", 52.0), ("ip", 18.0), ("ooo", 16.0), ("municipal", 8.0), ("school", 6.0))
REGIONS = (
    "Москва",
    "Санкт-Петербург",
    "Новосибирская область",
    "Свердловская область",
    "Республика Татарстан",
    "Краснодарский край",
    "Нижегородская область",
    "Самарская область",
    "Ростовская область",
    "Пермский край",
    "Томская область",
    "Республика Башкортостан",
)
FUNDS = (
    "Фонд президентских грантов",
    "Росмолодёжь",
    "Фонд Потанина",
    "Фонд культурных инициатив",
    "Региональный грант",
    "Фонд содействия инновациям",
)
ORG_WORDS = (
    "Развитие",
    "Открытый город",
    "Добрые руки",
    "Новые горизонты",
    "Родной край",
    "Наука детям",
    "Зелёный мир",
    "Шаг вперёд",
    "Территория роста",
    "Точка опоры",
    "Северный ветер",
    "Мастерская идей",
)
PROJECT_WORDS = (
    "Цифровая школа",
    "Экотропа",
    "Мастерская будущего",
    "Спорт для всех",
    "Наследие",
    "Добрый сосед",
    "Код успеха",
    "Открытая наука",
    "Голос города",
    "Вторая жизнь вещей",
    "Тёплый дом",
    "Маршрут памяти",
)

# -- bot and assistant texts -----------------------------------------------------------------
GREETINGS = (
    "Здравствуйте",
    "Добрый день",
    "Привет",
    "Добрый вечер",
    "Подскажите, пожалуйста",
    "Скажите",
)
QUESTIONS = (
    "как подать заявку на грант",
    "сколько стоит разработка бота",
    "можно ли оплатить картой",
    "где посмотреть статус заявки",
    "как загрузить документы",
    "почему бот не отвечает",
    "какие сроки у проекта",
    "нужен ли договор",
    "как изменить email в профиле",
    "можно ли вернуть деньги",
    "какие тарифы есть для компаний",
    "как подключить оператора",
    "работаете ли вы в выходные",
    "как удалить аккаунт",
    "какой бюджет указать в заявке",
    "что такое целевая аудитория проекта",
    "как связаться с менеджером",
)
TAILS = ("?", "?", " — срочно.", ", заранее спасибо.", ". Жду ответа.", "? Спасибо!")
ANSWERS = (
    "Конечно! Заявку можно подать в разделе «Мои проекты», нажмите «Новая заявка».",
    "Стоимость зависит от объёма работ; базовый тариф начинается от 30 000 ₽.",
    "Да, мы принимаем банковские карты, СБП и оплату по счёту для юрлиц.",
    "Статус заявки отображается в личном кабинете и приходит уведомлением в Telegram.",
    "Документы загружаются во вкладке «Файлы», поддерживаются PDF, DOCX и XLSX до 20 МБ.",
    "Похоже, произошёл сбой на нашей стороне, мы уже разбираемся. Попробуйте через 5 минут.",
    "Обычно проект занимает от двух до шести недель в зависимости от требований.",
    "Договор мы отправим на почту после согласования технического задания.",
    "Email меняется в настройках профиля, подтверждение придёт на новый адрес.",
    "Возврат возможен в течение 14 дней, если работы ещё не начаты.",
    "Для компаний есть тарифы «Бизнес» и «Команда», сравнение есть на странице /pricing.",
    "Я передам диалог оператору, он ответит в рабочее время с 9 до 19 по Москве.",
    "Опишите целевую аудиторию конкретно: возраст, география, численность и потребности.",
    "Бюджет должен соответствовать плану мероприятий; закладывайте не более 20 % на зарплаты.",
)
OPERATOR_LINES = (
    "Здравствуйте! Меня зовут Анна, я помогу разобраться.",
    "Проверил вашу заявку, всё в порядке, ожидайте решения комиссии.",
    "Передал вопрос техническим специалистам, вернусь с ответом сегодня.",
    "Спасибо за обращение! Если остались вопросы — пишите.",
)
SYSTEM_LINES = (
    "Диалог передан оператору",
    "Оператор подключился к диалогу",
    "Диалог закрыт по таймауту",
    "Пользователь оценил диалог",
)
BOT_COMMANDS = (
    ("/start", 30.0),
    ("/help", 12.0),
    ("/status", 18.0),
    ("/new", 10.0),
    ("/profile", 8.0),
    ("/stats", 6.0),
    ("/cancel", 5.0),
    ("/settings", 4.0),
    ("/apply", 7.0),
)
SPAM_TEXTS = (
    "Заработок от 5000 в день, пиши в лс",
    "Крипта x10 за неделю t.me/+invite",
    "Продам базу клиентов недорого",
    "Раскрутка канала, 1000 подписчиков",
    "Казино бонус 200% по ссылке",
)
BLOCK_REASONS = (
    ("spam", 52.0),
    ("flood", 24.0),
    ("blacklist", 10.0),
    ("abuse", 8.0),
    ("rate_limit", 6.0),
)
BOT_ERRORS = (
    "TimedOut: request timed out",
    "BadRequest: message is not modified",
    "Forbidden: bot was blocked by the user",
    "RetryAfter: flood control exceeded",
    "NetworkError: connection reset by peer",
)

NEWS_SOURCES = (
    ("ria.ru", "РИА Новости"),
    ("tass.ru", "ТАСС"),
    ("rbc.ru", "РБК"),
    ("vc.ru", "vc.ru"),
    ("habr.com", "Хабр"),
    ("cnews.ru", "CNews"),
    ("kommersant.ru", "Коммерсантъ"),
)
NEWS_CATEGORIES = (
    ("technology", 34.0),
    ("business", 20.0),
    ("grants", 16.0),
    ("ai", 18.0),
    ("events", 7.0),
    ("company", 5.0),
)
NEWS_SUBJECTS = (
    "Сбер",
    "Яндекс",
    "Минцифры",
    "ВК",
    "Фонд президентских грантов",
    "Росмолодёжь",
    "Ozon",
    "Т-Банк",
    "МТС",
    "Сколково",
    "Касперский",
    "1С",
)
NEWS_VERBS = (
    "запустил",
    "представил",
    "открыл приём заявок на",
    "увеличил финансирование",
    "объявил конкурс на",
    "расширил",
    "протестировал",
    "закрыл",
)
NEWS_OBJECTS = (
    "нейросеть для бизнеса",
    "программу поддержки НКО",
    "платформу для разработчиков",
    "сервис распознавания речи",
    "грантовый конкурс",
    "облачную базу данных",
    "чат-бот для госуслуг",
    "акселератор стартапов",
    "open-source библиотеку",
    "систему аналитики",
    "голосового ассистента",
    "образовательный курс по Python",
)
SEARCH_TERMS = (
    "нейросеть",
    "грант",
    "бот",
    "Python",
    "PostgreSQL",
    "аналитик",
    "стартап",
    "конкурс",
    "облач",
    "данных",
    "ассистент",
    "платформ",
)

DOC_TOPICS = (
    "тарифы и оплата",
    "политика возврата",
    "инструкция по подключению бота",
    "база знаний для операторов",
    "регламент обработки заявок",
    "FAQ по грантам",
    "условия договора",
    "техническое задание",
    "руководство администратора",
    "прайс-лист услуг",
    "требования к документам",
    "описание API",
)
DOC_SENTENCES = (
    "Клиент может изменить тариф в любой момент в личном кабинете.",
    "Оплата производится ежемесячно, счёт выставляется первого числа.",
    "Для подключения бота необходимо получить токен у @BotFather.",
    "Оператор обязан ответить клиенту в течение 15 минут в рабочее время.",
    "Заявка считается принятой после проверки всех приложенных документов.",
    "Возврат средств осуществляется на карту, с которой была произведена оплата.",
    "Каждый ответ ассистента сопровождается ссылками на источники из базы знаний.",
    "Максимальный размер загружаемого файла составляет 20 мегабайт.",
    "Администратор может выгрузить историю диалогов в формате CSV.",
    "Ключ API передаётся в заголовке Authorization при каждом запросе.",
    "Грантовая заявка должна содержать календарный план и смету расходов.",
    "При превышении лимита запросов сервер возвращает код 429.",
    "Данные клиентов хранятся в зашифрованном виде на серверах в России.",
    "Интеграция с CRM выполняется через вебхуки и занимает около двух дней.",
    "В случае ошибки ассистент передаёт диалог живому оператору.",
    "Отчёт о реализации проекта сдаётся не позднее 30 дней после окончания.",
)


# -- time -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Hour slots from ``start`` (midnight UTC, ~18 months ago) to ``end`` (the current hour)."""

    start: datetime
    end: datetime

    @classmethod
    def at(cls, now: datetime | None = None) -> Clock:
        now = (now or datetime.now(UTC)).astimezone(UTC)
        end = now.replace(minute=0, second=0, microsecond=0)
        start = (end - timedelta(days=HISTORY_DAYS)).replace(hour=0)
        return cls(start, end)

    @property
    def hours(self) -> int:
        return int((self.end - self.start).total_seconds() // 3600)

    @property
    def seconds(self) -> int:
        return self.hours * 3600

    def day(self, offset_days: int) -> date:
        return (self.start + timedelta(days=offset_days)).date()

    def hour_prefixes(self) -> list[str]:
        """'YYYY-MM-DD HH' for every hour slot."""
        out: list[str] = []
        for d in range(self.hours // 24 + 1):
            day_text = self.day(d).isoformat()
            out.extend(f"{day_text} {h:02d}" for h in range(24))
        return out[: self.hours]

    def day_texts(self) -> list[str]:
        return [self.day(d).isoformat() for d in range(self.hours // 24 + 1)]


MINUTE_SECONDS = [f":{m:02d}:{s:02d}+00" for m in range(60) for s in range(60)]
DIURNAL = (
    0.25,
    0.15,
    0.1,
    0.08,
    0.08,
    0.12,
    0.3,
    0.6,
    0.95,
    1.2,
    1.35,
    1.4,
    1.35,
    1.4,
    1.45,
    1.4,
    1.35,
    1.3,
    1.2,
    1.15,
    1.1,
    0.95,
    0.7,
    0.45,
)


def slot_weights(clock: Clock, growth: float = 2.5, weekend: float = 0.7) -> list[float]:
    """Cumulative weights of hour slots: traffic grows over time, dips at weekends and at
    night, and every day has its own +-20 % (deterministic per calendar date)."""
    total, out = 0.0, []
    days = max(clock.hours / 24, 1.0)
    day_factor = 1.0
    for h in range(clock.hours):
        when = clock.start + timedelta(hours=h)
        if when.hour == 0 or h == 0:
            day_factor = 0.8 + 0.4 * random.Random(when.date().toordinal()).random()
        trend = 1.0 + (growth - 1.0) * (h / 24) / days
        week = weekend if when.weekday() >= 5 else 1.0
        total += trend * week * day_factor * DIURNAL[when.hour]
        out.append(total)
    return out


class TimeText:
    """Formats second offsets from the clock's start as timestamptz text, quickly."""

    def __init__(self, clock: Clock) -> None:
        self.hours = clock.hour_prefixes()
        self.last = clock.seconds - 1

    def __call__(self, offset: int) -> str:
        offset = min(max(offset, 0), self.last)
        hour, rest = divmod(offset, 3600)
        return self.hours[hour] + MINUTE_SECONDS[rest]


def weighted(items: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [v for v, _ in items]
    cum = list(itertools.accumulate(w for _, w in items))
    return values, cum


MODEL_NAMES, MODEL_CUM = weighted(MODELS)
ORG_TYPE_NAMES, ORG_TYPE_CUM = weighted(ORG_TYPES)


def expand(items: Sequence[tuple[str, float]], size: int = 2000) -> list[str]:
    """A list in which each item appears in proportion to its weight (for fast uniform picks)."""
    total = sum(w for _, w in items)
    out: list[str] = []
    for value, weight in items:
        out.extend([value] * max(1, round(size * weight / total)))
    return out


def zipf_pool(values: Sequence[str], exponent: float, size: int = 20_000) -> list[str]:
    return expand([(v, 1.0 / (rank**exponent)) for rank, v in enumerate(values, start=1)], size)


def topic_vectors(seed: int) -> list[list[float]]:
    """The topic centroids of the embeddings; the workload rebuilds them to make queries."""
    rng = random.Random(f"{seed}-topics")
    return [[rng.gauss(0.0, 1.0) for _ in range(EMBEDDING_DIM)] for _ in range(TOPICS)]


def query_vector(rng: random.Random, topics: list[list[float]]) -> str:
    """A query embedding near one topic, normalised, as pgvector text."""
    centre = topics[rng.randrange(len(topics))]
    values = [c + rng.uniform(-0.9, 0.9) for c in centre]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return "[" + ",".join(f"{v / norm:.5f}" for v in values) + "]"


# -- tables ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CopyTable:
    """One table's COPY: its columns, row count and a generator of COPY text chunks."""

    name: str
    columns: tuple[str, ...]
    rows: int
    chunks: Callable[[], Iterator[str]]
    staging: bool = False  # loaded into a temporary staging table, then INSERT ... SELECT


@dataclass
class DemoData:
    """The demo's rows for a scale and seed; ``tables()`` lists the COPYs in load order.

    Run the generators in that order: later tables build on earlier ones (applications pick
    users that exist by then, daily_stats aggregates the generated visits and bot events).
    """

    scale: float
    seed: int
    clock: Clock = field(default_factory=Clock.at)

    def __post_init__(self) -> None:
        self.counts = row_counts(self.scale)
        self.time_text = TimeText(self.clock)
        self._slot_cum: dict[float, list[float]] = {}
        self._visits_per_day: Counter[int] = Counter()
        self._bot_per_day: Counter[int] = Counter()
        self._blocked_per_day: Counter[int] = Counter()
        self._users_per_day: Counter[int] = Counter()
        self._user_created: list[int] = []
        self._dialogs: list[tuple[int, int]] = []  # (start offset, message count)
        self._documents: list[tuple[int, int, int, int]] = []  # (owner, topic, chunks, offset)
        self.counts["dialog_messages"] = 0  # fixed by the dialogs' message counts
        self.counts["knowledge_embeddings"] = 0  # fixed by the documents' chunk counts
        self.counts["daily_stats"] = 0
        self._plan_dialogs()
        self._plan_documents()

    @property
    def noise_vectors(self) -> int:
        """Size of the embeddings' noise pool: enough for pairs to be unique per chunk."""
        return min(NOISE_VECTORS, max(32, self.counts["knowledge_embeddings"] // 16))

    def noise_pools(self) -> Iterator[str]:
        return noise_pools(self.seed, self.noise_vectors)

    def rng(self, table: str) -> random.Random:
        return random.Random(f"{self.seed}-{table}")

    def offsets(
        self, rng: random.Random, n: int, growth: float = 2.5, per_day: Counter[int] | None = None
    ) -> list[int]:
        """n sorted second offsets following the traffic shape (growth, week, day).

        Each hour gets its share of the rows (cumulative rounding, so exactly n in all), and
        the rows of an hour get random seconds within it. ``per_day`` counts rows per day.
        """
        cum = self._slot_cum.get(growth)
        if cum is None:
            cum = self._slot_cum[growth] = slot_weights(self.clock, growth)
        total = cum[-1]
        rand = rng.random
        out: list[int] = []
        done = 0
        for hour, upto in enumerate(cum):
            target = round(n * upto / total)
            k = target - done
            if k <= 0:
                continue
            done = target
            base = hour * 3600
            out.extend(sorted([base + int(rand() * 3600) for _ in range(k)]))
            if per_day is not None:
                per_day[hour // 24] += k
        return out

    def tables(self) -> list[CopyTable]:
        return [
            CopyTable(
                "users",
                (
                    "id",
                    "telegram_id",
                    "username",
                    "first_name",
                    "email",
                    "role",
                    "is_admin",
                    "is_active",
                    "created_at",
                    "last_seen_at",
                ),
                self.counts["users"],
                self._users,
            ),
            CopyTable(
                "prompts",
                ("id", "agent_type", "version", "prompt_text", "is_active", "created_at"),
                self.counts["prompts"],
                self._prompts,
            ),
            CopyTable(
                "applications",
                (
                    "id",
                    "user_id",
                    "title",
                    "stage",
                    "interview_data",
                    "audit_data",
                    "plan_data",
                    "final_document",
                    "created_at",
                    "updated_at",
                ),
                self.counts["applications"],
                self._applications,
            ),
            CopyTable(
                "ai_requests",
                (
                    "id",
                    "application_id",
                    "agent_type",
                    "model",
                    "prompt",
                    "response",
                    "tokens_used",
                    "latency_ms",
                    "status",
                    "created_at",
                ),
                self.counts["ai_requests"],
                self._ai_requests,
            ),
            CopyTable(
                "site_visits",
                (
                    "id",
                    "visited_at",
                    "visit_date",
                    "page_path",
                    "is_admin",
                    "referrer",
                    "user_agent",
                    "device",
                    "country",
                    "ip_address",
                    "session_id",
                    "response_time_ms",
                ),
                self.counts["site_visits"],
                self._site_visits,
            ),
            CopyTable(
                "bot_logs",
                (
                    "id",
                    "created_at",
                    "telegram_user_id",
                    "username",
                    "chat_id",
                    "event_type",
                    "command",
                    "message_text",
                    "is_blocked",
                    "block_reason",
                    "response_time_ms",
                    "error_message",
                ),
                self.counts["bot_logs"],
                self._bot_logs,
            ),
            CopyTable(
                "daily_stats",
                (
                    "stat_date",
                    "total_visits",
                    "unique_visitors",
                    "admin_visits",
                    "bot_events",
                    "blocked_events",
                    "new_users",
                    "avg_response_ms",
                    "updated_at",
                ),
                self.counts["daily_stats"],
                self._daily_stats,
            ),
            CopyTable(
                "dialogs",
                (
                    "id",
                    "user_id",
                    "assistant_id",
                    "channel",
                    "status",
                    "handoff_status",
                    "message_count",
                    "rating",
                    "started_at",
                    "ended_at",
                    "updated_at",
                ),
                self.counts["dialogs"],
                self._dialog_rows,
            ),
            CopyTable(
                "dialog_messages",
                (
                    "id",
                    "dialog_id",
                    "sender",
                    "message_kind",
                    "text",
                    "tokens",
                    "is_delivered",
                    "timestamp",
                ),
                self.counts["dialog_messages"],
                self._dialog_messages,
            ),
            CopyTable(
                "documents",
                (
                    "id",
                    "user_id",
                    "filename",
                    "title",
                    "mime_type",
                    "size_bytes",
                    "doc_hash",
                    "status",
                    "content",
                    "upload_date",
                ),
                self.counts["documents"],
                self._document_rows,
            ),
            CopyTable(
                "knowledge_embeddings",
                (
                    "id",
                    "document_id",
                    "user_id",
                    "chunk_index",
                    "chunk_text",
                    "chunk_hash",
                    "importance",
                    "source",
                    "created_at",
                    "topic",
                    "noise_a",
                    "noise_b",
                ),
                self.counts["knowledge_embeddings"],
                self._knowledge_chunks,
                staging=True,
            ),
            CopyTable(
                "news",
                (
                    "id",
                    "title",
                    "summary",
                    "content",
                    "link",
                    "source",
                    "category",
                    "is_active",
                    "views",
                    "published_date",
                    "created_at",
                ),
                self.counts["news"],
                self._news,
            ),
            CopyTable(
                "portfolio",
                (
                    "id",
                    "title",
                    "slug",
                    "category",
                    "client",
                    "description",
                    "price",
                    "gallery_images",
                    "display_order",
                    "is_active",
                    "created_at",
                    "updated_at",
                ),
                self.counts["portfolio"],
                self._portfolio,
            ),
            CopyTable(
                "services",
                (
                    "id",
                    "service_id",
                    "name",
                    "category",
                    "description",
                    "price",
                    "currency",
                    "is_active",
                    "created_at",
                ),
                self.counts["services"],
                self._services,
            ),
            CopyTable(
                "secure_settings",
                ("id", "category", "key", "value", "is_encrypted", "updated_by", "updated_at"),
                self.counts["secure_settings"],
                self._secure_settings,
            ),
        ]

    # -- planning (shapes other tables depend on) -----------------------------------------
    def _plan_dialogs(self) -> None:
        rng = self.rng("dialog-plan")
        n, target = self.counts["dialogs"], round(BASE_ROWS["dialog_messages"] * self.scale)
        target = max(MIN_ROWS["dialog_messages"], target)
        mean = target / n
        counts = [max(1, min(80, int(rng.expovariate(1 / mean)) + 1)) for _ in range(n)]
        total = sum(counts)
        # Nudge the total to the target, keeping each dialog's count positive.
        step = 1 if total < target else -1
        i = 0
        while total != target and i < 10 * n:
            k = i % n
            if counts[k] + step >= 1:
                counts[k] += step
                total += step
            i += 1
        starts = self.offsets(rng, n)
        self._dialogs = list(zip(starts, counts, strict=True))
        self.counts["dialog_messages"] = total

    def _plan_documents(self) -> None:
        rng = self.rng("document-plan")
        n = self.counts["documents"]
        owners = max(3, self.counts["users"] // 10)
        target = max(
            MIN_ROWS["knowledge_embeddings"], round(BASE_ROWS["knowledge_embeddings"] * self.scale)
        )
        mean = target / n
        starts = self.offsets(rng, n)
        docs = []
        for i in range(n):
            chunks = max(1, int(rng.gauss(mean, mean / 3)))
            docs.append(
                (1 + int(owners * rng.random() ** 2), rng.randrange(TOPICS), chunks, starts[i])
            )
        self._documents = docs
        self.counts["knowledge_embeddings"] = sum(d[2] for d in docs)

    # -- helpers --------------------------------------------------------------------------
    def _chunked(self, lines: Iterator[str]) -> Iterator[str]:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= CHUNK_ROWS:
                yield "".join(buffer)
                buffer.clear()
        if buffer:
            yield "".join(buffer)

    def _user_for(self, rng: random.Random, offset: int) -> int:
        """An existing user at ``offset`` (ids grow with time), biased to long-time users."""
        created = self._user_created
        hi = max(1, bisect_right(created, offset))
        return 1 + int(hi * rng.random() ** 1.6)

    # -- generators -----------------------------------------------------------------------
    def _users(self) -> Iterator[str]:
        rng = self.rng("users")
        n = self.counts["users"]
        created = self.offsets(rng, n)
        self._user_created = created
        tt = self.time_text
        roles = expand([("user", 93.0), ("expert", 4.0), ("manager", 2.0)], 1000)

        def lines() -> Iterator[str]:
            for uid in range(1, n + 1):
                ident = user_identity(uid)
                is_admin = uid <= 3 or rng.random() < 0.008
                role = "admin" if is_admin else rng.choice(roles)
                start = created[uid - 1]
                self._users_per_day[start // 86400] += 1
                seen = start + int((self.clock.seconds - start) * rng.random() ** 0.3)
                yield (
                    f"{uid}\t{ident.telegram_id}\t{opt(ident.username)}\t{ident.first_name}"
                    f"\t{opt(ident.email)}\t{role}\t{bool_text(is_admin)}"
                    f"\t{bool_text(rng.random() < 0.93)}\t{tt(start)}\t{tt(seen)}\n"
                )

        return self._chunked(lines())

    def _prompts(self) -> Iterator[str]:
        rng = self.rng("prompts")
        n = self.counts["prompts"]
        per_agent = max(1, n // len(AGENT_TYPES))
        tt = self.time_text

        def lines() -> Iterator[str]:
            pid = 0
            for agent in AGENT_TYPES:
                for v in range(per_agent):
                    pid += 1
                    if pid > n:
                        return
                    text = (
                        f"Ты — {agent} GrantService. "
                        + " ".join(rng.choice(DOC_SENTENCES) for _ in range(rng.randint(4, 14)))
                        + " Отвечай кратко и по делу, на русском языке."
                    )
                    offset = int(self.clock.seconds * (v + rng.random()) / per_agent)
                    yield (
                        f"{pid}\t{agent}\tv{1 + v // 10}.{v % 10}\t{text}"
                        f"\t{bool_text(v == per_agent - 1)}\t{tt(offset)}\n"
                    )
            while pid < n:
                pid += 1
                yield (
                    f"{pid}\tresearcher\tv0.{pid}\tЧерновик промпта {pid}\tf"
                    f"\t{tt(rng.randrange(self.clock.seconds))}\n"
                )

        return self._chunked(lines())

    # JSON documents are assembled from pre-serialised parts: realistic variety at the cost
    # of a string join per row instead of building and dumping a dict.
    def _interview_parts(self, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
        groups = (
            "дети",
            "подростки",
            "студенты",
            "пенсионеры",
            "люди с ОВЗ",
            "многодетные семьи",
            "волонтёры",
        )
        orgs = [
            _dumps(
                {
                    "name": f"АНО «{rng.choice(ORG_WORDS)}»",
                    "type": rng.choices(ORG_TYPE_NAMES, cum_weights=ORG_TYPE_CUM)[0],
                    "region": rng.choice(REGIONS),
                    "inn": f"{rng.randrange(10**9, 10**10)}",
                    "employees": rng.randint(1, 120),
                }
            )
            for _ in range(700)
        ]
        projects = [
            _dumps(
                {
                    "title": rng.choice(PROJECT_WORDS),
                    "direction": rng.choice(DIRECTIONS),
                    "budget": rng.randrange(300_000, 9_000_000, 50_000),
                    "duration_months": rng.choice((6, 9, 12, 12, 18, 24)),
                    "target_groups": rng.sample(groups, k=rng.randint(1, 3)),
                    "fund": rng.choice(FUNDS),
                }
            )
            for _ in range(700)
        ]
        answers = [
            _dumps({f"q{i}": rng.choice(DOC_SENTENCES) for i in range(1, rng.randint(3, 8))})
            for _ in range(400)
        ]
        return orgs, projects, answers

    def _applications(self) -> Iterator[str]:
        rng = self.rng("applications")
        n = self.counts["applications"]
        created = self.offsets(rng, n)
        stages, stage_cum = weighted(STAGES)
        tt = self.time_text
        orgs, projects, answers = self._interview_parts(rng)
        audits = [
            _json(
                {
                    "score": round(rng.uniform(2.0, 9.8), 1),
                    "criteria": {
                        k: rng.randint(1, 10) for k in ("relevance", "budget", "team", "impact")
                    },
                    "recommendations": rng.sample(DOC_SENTENCES, k=2),
                    "auditor": rng.choices(MODEL_NAMES, cum_weights=MODEL_CUM)[0],
                }
            )
            for _ in range(500)
        ]
        items = ("зарплаты", "оборудование", "аренда", "печать", "транспорт", "реклама")
        plans = [
            _json(
                {
                    "milestones": [
                        {"month": m, "task": rng.choice(DOC_SENTENCES)}
                        for m in range(1, rng.randint(3, 7))
                    ],
                    "budget_items": [
                        {"item": w, "amount": rng.randrange(10_000, 900_000, 5_000)}
                        for w in rng.sample(items, k=3)
                    ],
                }
            )
            for _ in range(500)
        ]
        # Paragraphs separated by blank lines (newlines escaped for COPY).
        documents = [
            "\\n\\n".join(
                " ".join(rng.choices(DOC_SENTENCES, k=rng.randint(2, 4)))
                for _ in range(rng.randint(3, 7))
            )
            for _ in range(300)
        ]
        late = {"review", "submitted", "approved", "rejected"}
        seconds = self.clock.seconds

        def lines() -> Iterator[str]:
            rand = rng.random
            for app_id in range(1, n + 1):
                start = created[app_id - 1]
                stage = stages[bisect_right(stage_cum, rand() * stage_cum[-1])]
                project = projects[int(rand() * 700)]
                title = project[11 : project.index('"', 11)]  # {"title": "...
                interview = copy_escape(
                    f'{{"version": 2, "source": "{"web" if rand() < 0.3 else "telegram"}", '
                    f'"completed": {"true" if rand() < 0.8 else "false"}, '
                    f'"organization": {orgs[int(rand() * 700)]}, "project": {project}, '
                    f'"answers": {answers[int(rand() * 400)]}}}'
                )
                audit = NULL if stage == "interview" else audits[int(rand() * 500)]
                plan = NULL if stage in {"interview", "audit"} else plans[int(rand() * 500)]
                document = documents[int(rand() * 300)] if stage in late else NULL
                updated = start + int((seconds - start) * rand() ** 3)
                yield (
                    f"{app_id}\t{self._user_for(rng, start)}\t{title}: заявка №{app_id}"
                    f"\t{stage}\t{interview}\t{audit}\t{plan}\t{document}\t{tt(start)}"
                    f"\t{tt(updated)}\n"
                )

        return self._chunked(lines())

    def _ai_requests(self) -> Iterator[str]:
        rng = self.rng("ai_requests")
        n, apps = self.counts["ai_requests"], self.counts["applications"]
        times = self.offsets(rng, n)
        tt = self.time_text
        prompts = [
            f"{rng.choice(GREETINGS)}, {rng.choice(QUESTIONS)}{rng.choice(TAILS)} "
            f"Контекст: {rng.choice(DOC_SENTENCES)}"
            for _ in range(600)
        ]
        callers = [
            f"{rng.choice(AGENT_TYPES)}\t"
            f"{rng.choices(MODEL_NAMES, cum_weights=MODEL_CUM)[0]}\t{rng.choice(prompts)}"
            for _ in range(3000)
        ]
        outcomes = []
        for _ in range(3000):
            r = rng.random()
            tokens = int(200 + rng.expovariate(1 / 900))
            latency = int(400 + tokens * 2.2 * rng.random())
            if r < 0.955:
                response = " ".join(rng.choices(ANSWERS + DOC_SENTENCES, k=rng.randint(1, 6)))
                outcomes.append(f"{response}\t{tokens}\t{latency}\tok")
            else:
                status = "error" if r < 0.985 else "timeout"
                outcomes.append(f"{NULL}\t0\t{latency if status == 'error' else 30000}\t{status}")
        seconds = self.clock.seconds

        def lines() -> Iterator[str]:
            rand = rng.random
            for rid in range(1, n + 1):
                at = times[rid - 1]
                # Requests belong to applications that exist by then (ids grow with time).
                newest = max(1, int(apps * at / seconds))
                app_id = max(1, newest - int(min(newest, 400) * rand()))
                yield (
                    f"{rid}\t{app_id}\t{callers[int(rand() * 3000)]}"
                    f"\t{outcomes[int(rand() * 3000)]}\t{tt(at)}\n"
                )

        return self._chunked(lines())

    def _site_visits(self) -> Iterator[str]:
        rng = self.rng("site_visits")
        n = self.counts["site_visits"]
        hours = self.time_text.hours
        day_texts = self.clock.day_texts()
        paths = [f"{p}\tf" for p in zipf_pool(public_paths(), 1.05, 19_400)]
        paths += [f"{p}\tt" for p in ADMIN_PATHS for _ in range(75)]  # 3 % admin visits
        referrers, ref_cum = weighted(REFERRERS)
        countries, country_cum = weighted(COUNTRIES)
        devices = [(name, uas) for name, _, uas in DEVICES]
        device_cum = list(itertools.accumulate(w for _, w, _ in DEVICES))
        clients = []
        for _ in range(4000):
            device, uas = devices[bisect_right(device_cum, rng.random() * device_cum[-1])]
            ref = referrers[bisect_right(ref_cum, rng.random() * ref_cum[-1])]
            country = countries[bisect_right(country_cum, rng.random() * country_cum[-1])]
            clients.append(f"{opt(ref)}\t{rng.choice(uas)}\t{device}\t{country}")
        first_octets = (
            5,
            31,
            37,
            46,
            77,
            78,
            79,
            85,
            91,
            94,
            95,
            109,
            176,
            178,
            185,
            188,
            195,
            212,
            213,
            217,
        )
        ips = []
        for _ in range(max(50, min(n // 6, 40_000))):
            bits = rng.getrandbits(24)
            ips.append(
                f"{rng.choice(first_octets)}.{bits >> 16}.{(bits >> 8) & 255}."
                f"{1 + (bits & 255) % 254}"
            )
        latencies = [str(int(rng.lognormvariate(4.2, 0.7))) for _ in range(2000)]
        self._visits_per_day.clear()

        def chunks() -> Iterator[str]:
            offsets = self.offsets(rng, n, per_day=self._visits_per_day)
            rand = rng.random
            session, visitor = rng.getrandbits(40), ""
            n_clients, n_ips = len(clients), len(ips)
            for lo in range(0, n, CHUNK_ROWS):
                part = offsets[lo : lo + CHUNK_ROWS]
                m = len(part)
                visitors = []
                for _ in range(m):
                    if rand() < 0.3 or not visitor:  # a new session: about three pages each
                        session += 1 + int(rand() * 1000)
                        visitor = (
                            f"{clients[int(rand() * n_clients)]}\t"
                            f"{ips[int(rand() * n_ips)]}\t{session:012x}"
                        )
                    visitors.append(visitor)
                rows = zip(
                    map(str, range(lo + 1, lo + m + 1)),
                    [hours[a // 3600] + MINUTE_SECONDS[a % 3600] for a in part],
                    [day_texts[a // 86400] for a in part],
                    rng.choices(paths, k=m),
                    visitors,
                    rng.choices(latencies, k=m),
                    strict=True,
                )
                yield "\n".join(map("\t".join, rows)) + "\n"

        return chunks()

    def _bot_logs(self) -> Iterator[str]:
        rng = self.rng("bot_logs")
        n, users = self.counts["bot_logs"], self.counts["users"]
        hours = self.time_text.hours
        first_id = BOT_LOGS_LAST_ID - n + 1
        commands = expand(BOT_COMMANDS, 1000)
        reasons = expand(BLOCK_REASONS, 1000)
        known = []
        for uid in range(1, min(users, 5000) + 1):
            ident = user_identity(uid)
            known.append(f"{ident.telegram_id}\t{opt(ident.username)}\t{ident.telegram_id}")
        spam = []
        for _ in range(2000):
            account = 7_000_000_000 + rng.randrange(10**8)
            spam.append(
                f"{account}\tpromo_{account % 100_000}\t{account}\tmessage\t{NULL}"
                f"\t{rng.choice(SPAM_TEXTS)}\tt\t{rng.choice(reasons)}"
                f"\t{rng.randint(5, 25)}\t{NULL}"
            )
        questions = [f"{g}, {q}{t}" for g in GREETINGS for q in QUESTIONS for t in TAILS]
        events = []
        for _ in range(5000):
            r = rng.random()
            if r < 0.47:
                event = f"command\t{rng.choice(commands)}\t{NULL}"
            elif r < 0.89:
                event = f"message\t{NULL}\t{rng.choice(questions)}"
            elif r < 0.97:
                event = f"callback\t{NULL}\tbtn:{rng.randrange(12)}"
            else:
                event = f"join\t{NULL}\t{NULL}"
            error = rng.choice(BOT_ERRORS) if rng.random() < 0.02 else NULL
            events.append(f"{event}\tf\t{NULL}\t{int(rng.lognormvariate(5.0, 0.8))}\t{error}")
        self._bot_per_day.clear()
        self._blocked_per_day.clear()

        def chunks() -> Iterator[str]:
            offsets = self.offsets(rng, n, growth=3.0, per_day=self._bot_per_day)
            rand = rng.random
            n_known = len(known)
            for lo in range(0, n, CHUNK_ROWS):
                part = offsets[lo : lo + CHUNK_ROWS]
                bodies = []
                for at in part:
                    if rand() < 0.05:  # blocked: spam from unknown accounts
                        self._blocked_per_day[at // 86400] += 1
                        bodies.append(spam[int(rand() * 2000)])
                    else:
                        bodies.append(
                            f"{known[int(n_known * rand() ** 2)]}\t{events[int(rand() * 5000)]}"
                        )
                rows = zip(
                    map(str, range(first_id + lo, first_id + lo + len(part))),
                    [hours[a // 3600] + MINUTE_SECONDS[a % 3600] for a in part],
                    bodies,
                    strict=True,
                )
                yield "\n".join(map("\t".join, rows)) + "\n"

        return chunks()

    def _daily_stats(self) -> Iterator[str]:
        """One row per day, aggregated from the generated visits and bot events — and the
        nightly job ran twice on some days, so a few dates have two rows (no unique key)."""
        rng = self.rng("daily_stats")
        days = self.clock.hours // 24
        tt = self.time_text
        rows = []
        for d in range(days):
            visits = self._visits_per_day.get(d, 0)
            fields = [
                self.clock.day(d).isoformat(),
                visits,
                int(visits * rng.uniform(0.3, 0.4)),
                int(visits * rng.uniform(0.02, 0.04)),
                self._bot_per_day.get(d, 0),
                self._blocked_per_day.get(d, 0),
                self._users_per_day.get(d, 0),
                f"{rng.uniform(60, 140):.2f}",
            ]
            rows.append("\t".join(map(str, fields)) + f"\t{tt((d + 1) * 86400 + 300)}\n")
            if rng.random() < 0.06 or d == days - 10:  # the job re-ran with partial numbers
                fields[1] = int(visits * 0.97)
                rows.append("\t".join(map(str, fields)) + f"\t{tt((d + 1) * 86400 + 7200)}\n")
        self.counts["daily_stats"] = len(rows)
        return iter(["".join(rows)])

    def _dialog_rows(self) -> Iterator[str]:
        rng = self.rng("dialogs")
        tt = self.time_text
        channels = expand([("telegram", 62.0), ("web", 28.0), ("widget", 10.0)], 100)
        horizon = self.clock.seconds - 3 * 86400
        users = self.counts["users"]

        def lines() -> Iterator[str]:
            for did, (start, count) in enumerate(self._dialogs, start=1):
                duration = count * int(30 + rng.expovariate(1 / 120))
                end = start + duration
                active = start > horizon and rng.random() < 0.6
                handoff: str | None = None
                r = rng.random()
                if r < 0.06:
                    handoff = "requested" if active else "resolved"
                elif r < 0.1:
                    handoff = "accepted" if active else "resolved"
                status = (
                    "active"
                    if active
                    else ("handoff" if handoff in {"requested", "accepted"} else "closed")
                )
                rating = (
                    str(rng.choice((5, 5, 5, 4, 4, 3, 2, 1)))
                    if (not active and rng.random() < 0.3)
                    else NULL
                )
                # Power users (low ids, registered first) own many dialogs.
                user = 1 + int(
                    min(users, max(1, users * start // self.clock.seconds)) * rng.random() ** 2.5
                )
                yield (
                    f"{did}\t{user}\t{1 + did % 37}\t{channels[int(rng.random() * 100)]}"
                    f"\t{status}\t{opt(handoff)}\t{count}\t{rating}\t{tt(start)}"
                    f"\t{NULL if active else tt(end)}\t{tt(end)}\n"
                )

        return self._chunked(lines())

    def _dialog_messages(self) -> Iterator[str]:
        rng = self.rng("dialog_messages")
        tt = self.time_text
        user_lines = [f"{g}, {q}{t}" for g in GREETINGS for q in QUESTIONS for t in TAILS]
        kinds = expand([("text", 91.0), ("voice", 4.0), ("image", 3.0), ("file", 2.0)], 100)

        def lines() -> Iterator[str]:
            rand = rng.random
            mid = 0
            n_user = len(user_lines)
            for did, (start, count) in enumerate(self._dialogs, start=1):
                at = start
                for k in range(count):
                    mid += 1
                    r = rand()
                    if k % 2 == 0:
                        sender, text = "user", user_lines[int(rand() * n_user)]
                        tokens = NULL
                        kind = kinds[int(rand() * 100)]
                    elif r < 0.9:
                        sender, text = "assistant", ANSWERS[int(rand() * len(ANSWERS))]
                        tokens = str(int(40 + rand() * 400))
                        kind = "text"
                    elif r < 0.97:
                        sender, text = "operator", OPERATOR_LINES[int(rand() * 4)]
                        tokens, kind = NULL, "text"
                    else:
                        sender, text = "system", SYSTEM_LINES[int(rand() * 4)]
                        tokens, kind = NULL, "text"
                    yield (
                        f"{mid}\t{did}\t{sender}\t{kind}\t{text}\t{tokens}"
                        f"\t{'f' if rand() < 0.01 else 't'}\t{tt(at)}\n"
                    )
                    at += int(3 + rand() * 90) if sender == "user" else int(5 + rand() * 240)

        return self._chunked(lines())

    def _document_rows(self) -> Iterator[str]:
        rng = self.rng("documents")
        tt = self.time_text
        kinds = (
            ("pdf", "application/pdf"),
            ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("txt", "text/plain"),
            ("md", "text/markdown"),
        )

        def lines() -> Iterator[str]:
            for doc_id, (owner, topic, _chunks, at) in enumerate(self._documents, start=1):
                ext, mime = kinds[doc_id % len(kinds)]
                subject = DOC_TOPICS[topic % len(DOC_TOPICS)]
                title = f"{subject.capitalize()} ({2023 + doc_id % 3})"
                content = " ".join(rng.choice(DOC_SENTENCES) for _ in range(rng.randint(10, 30)))
                digest = hashlib.sha256(f"{self.seed}:{doc_id}".encode()).hexdigest()
                status = "processed" if rng.random() < 0.93 else rng.choice(("pending", "failed"))
                filename = f"{subject.replace(' ', '_')}_{doc_id}.{ext}"
                yield (
                    f"{doc_id}\t{owner}\t{filename}\t{title}\t{mime}"
                    f"\t{len(content.encode()) * rng.randint(3, 40)}\t{digest}\t{status}"
                    f"\t{content}\t{tt(at)}\n"
                )

        return self._chunked(lines())

    def _knowledge_chunks(self) -> Iterator[str]:
        rng = self.rng("knowledge_embeddings")
        tt = self.time_text
        sources = expand([("upload", 70.0), ("website", 18.0), ("faq", 8.0), ("manual", 4.0)], 100)

        noise = self.noise_vectors

        def lines() -> Iterator[str]:
            rand = rng.random
            kid = 0
            for doc_id, (owner, topic, chunks, at) in enumerate(self._documents, start=1):
                for c in range(chunks):
                    kid += 1
                    text = " ".join(
                        DOC_SENTENCES[int(rand() * len(DOC_SENTENCES))] for _ in range(4)
                    )
                    digest = hashlib.md5(
                        f"{doc_id}:{c}:{text}".encode(), usedforsecurity=False
                    ).hexdigest()
                    yield (
                        f"{kid}\t{doc_id}\t{owner}\t{c}\t{text}\t{digest}"
                        f"\t{1 + int(rand() * 5)}\t{sources[int(rand() * 100)]}"
                        f"\t{tt(at + 60 + c)}\t{topic}\t{int(rand() * noise)}"
                        f"\t{int(rand() * noise)}\n"
                    )

        return self._chunked(lines())

    def _news(self) -> Iterator[str]:
        rng = self.rng("news")
        n = self.counts["news"]
        tt = self.time_text
        published = self.offsets(rng, n)
        categories = expand(NEWS_CATEGORIES, 100)

        def lines() -> Iterator[str]:
            for nid in range(1, n + 1):
                domain, source = NEWS_SOURCES[int(rng.random() * len(NEWS_SOURCES))]
                title = (
                    f"{rng.choice(NEWS_SUBJECTS)} {rng.choice(NEWS_VERBS)} "
                    f"{rng.choice(NEWS_OBJECTS)}"
                )
                summary = " ".join(rng.choice(DOC_SENTENCES) for _ in range(2))
                content = " ".join(rng.choice(DOC_SENTENCES) for _ in range(rng.randint(5, 14)))
                at = published[nid - 1]
                year = self.time_text(at)[:4]
                age = 1.0 - at / self.clock.seconds
                views = int(rng.expovariate(1 / 400) * (1 + age * 3))
                yield (
                    f"{nid}\t{title}\t{summary}\t{content}"
                    f"\thttps://{domain}/news/{year}/{nid}-{rng.getrandbits(24):06x}"
                    f"\t{source}\t{categories[int(rng.random() * 100)]}"
                    f"\t{bool_text(rng.random() < 0.9)}\t{views}\t{tt(at)}\t{tt(at + 120)}\n"
                )

        return self._chunked(lines())

    def _portfolio(self) -> Iterator[str]:
        rng = self.rng("portfolio")
        n = self.counts["portfolio"]
        tt = self.time_text
        created = self.offsets(rng, n)

        def lines() -> Iterator[str]:
            for pid in range(1, n + 1):
                slug = f"{PORTFOLIO_SLUGS[pid % len(PORTFOLIO_SLUGS)]}-{pid}"
                gallery = [
                    {
                        "url": f"/media/portfolio/{slug}/{i}.webp",
                        "alt": f"Экран {i}",
                        "width": 1280,
                        "height": rng.choice((720, 800, 960)),
                    }
                    for i in range(1, rng.randint(2, 7))
                ]
                kind = slug.split("-", maxsplit=1)[0]
                yield (
                    f"{pid}\tПроект {kind.upper()} №{pid}\t{slug}\t{kind}"
                    f"\tООО «{rng.choice(ORG_WORDS)}»\t{rng.choice(DOC_SENTENCES)}"
                    f"\t{rng.randrange(50_000, 3_000_000, 1000)}.00\t{_json(gallery)}"
                    f"\t{pid * 10}\t{bool_text(rng.random() < 0.8)}\t{tt(created[pid - 1])}"
                    f"\t{tt(created[pid - 1] + 86400)}\n"
                )

        return self._chunked(lines())

    def _services(self) -> Iterator[str]:
        rng = self.rng("services")
        n = self.counts["services"]
        tt = self.time_text

        def lines() -> Iterator[str]:
            for sid in range(1, n + 1):
                slug = SERVICE_SLUGS[sid % len(SERVICE_SLUGS)]
                tier = ("basic", "standard", "pro", "enterprise")[sid % 4]
                yield (
                    f"{sid}\t{slug}-{tier}-{sid}\t{slug.replace('-', ' ').capitalize()} "
                    f"({tier})\t{slug.split('-')[0]}\t{rng.choice(DOC_SENTENCES)}"
                    f"\t{rng.randrange(5_000, 500_000, 500)}.00\tRUB"
                    f"\t{bool_text(rng.random() < 0.85)}"
                    f"\t{tt(rng.randrange(self.clock.seconds))}\n"
                )

        return self._chunked(lines())

    def _secure_settings(self) -> Iterator[str]:
        rng = self.rng("secure_settings")
        n = self.counts["secure_settings"]
        tt = self.time_text

        def lines() -> Iterator[str]:
            for sid in range(1, n + 1):
                category, key = secure_setting_key(sid)
                blob = hashlib.sha256(f"{self.seed}:{sid}".encode()).hexdigest() * 2
                yield (
                    f"{sid}\t{category}\t{key}\tgAAAAB{blob}\tt"
                    f"\tadmin{1 + sid % 3}@example.com"
                    f"\t{tt(rng.randrange(self.clock.seconds))}\n"
                )

        return self._chunked(lines())


SETTING_CATEGORIES = (
    "telegram",
    "smtp",
    "payments",
    "openai",
    "storage",
    "analytics",
    "security",
    "crm",
)


def secure_setting_key(setting_id: int) -> tuple[str, str]:
    """(category, key) of a secure setting, as the generator names them."""
    category = SETTING_CATEGORIES[setting_id % len(SETTING_CATEGORIES)]
    return category, f"{category}_key_{setting_id // len(SETTING_CATEGORIES)}"


def noise_pools(seed: int, count: int = NOISE_VECTORS) -> Iterator[str]:
    """COPY text for the temporary embedding pools: (kind, n, values as real[])."""
    for number, vector in enumerate(topic_vectors(seed)):
        yield "topic\t" + str(number) + "\t{" + ",".join(f"{v:.4f}" for v in vector) + "}\n"
    rng = random.Random(f"{seed}-noise")
    rand = rng.random
    for number in range(count):
        values = ",".join(f"{rand() * 1.8 - 0.9:.3f}" for _ in range(EMBEDDING_DIM))
        yield "noise\t" + str(number) + "\t{" + values + "}\n"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _json(value: Any) -> str:
    """A JSON value as COPY text (None is SQL NULL)."""
    return NULL if value is None else copy_escape(_dumps(value))
