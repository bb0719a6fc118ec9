"""A tiny application whose N+1 queries make the checked-in capture (``capture.json``).

``python tests/report/capture_app.py DSN tests/report/capture.json`` writes it again;
``test_capture_round_trip`` runs the same code on a real server and compares.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

import pgsage
from pgsage.instrument.capture import capture_json


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    orders: Mapped[list[Order]] = relationship(back_populates="user", order_by="Order.id")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")


def seed(session: Session) -> None:
    for u in range(1, 4):
        session.add(User(id=u, name=f"user {u}", orders=[Order(id=u * 10 + o) for o in range(2)]))
    session.commit()


def list_users_with_orders(session: Session) -> int:
    count = 0
    for user in session.scalars(select(User).order_by(User.id)).all():
        count += len(user.orders)  # lazy load of User.orders per user
    return count


def list_orders_with_users(session: Session) -> int:
    names = set()
    for order in session.scalars(select(Order).order_by(Order.id)).all():
        names.add(order.user.name)  # lazy load of Order.user per order
    return len(names)


def run(engine: Engine) -> str:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
    with pgsage.instrument(
        engine, metrics=False, nplusone="log", nplusone_threshold=2, nplusone_min_total_ms=0
    ) as handle:
        with pgsage.unit_of_work("GET /users", nplusone="log"), Session(engine) as session:
            list_users_with_orders(session)
        with pgsage.unit_of_work("GET /orders", nplusone="log"), Session(engine) as session:
            list_orders_with_users(session)
        events = handle.events.snapshot()
    return capture_json(events)


def main(dsn: str, out: Path) -> None:
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        out.write_text(run(engine), encoding="utf-8")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
