"""Small models for the instrumentation tests: users -> orders -> items."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):
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
    items: Mapped[list[Item]] = relationship(back_populates="order", order_by="Item.id")


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    sku: Mapped[str] = mapped_column(String(20))
    order: Mapped[Order] = relationship(back_populates="items")


USERS = 3
ORDERS_PER_USER = 2
ITEMS_PER_ORDER = 2


def seed(session: Session, users: int = USERS) -> None:
    for u in range(1, users + 1):
        user = User(id=u, name=f"user {u}")
        for o in range(ORDERS_PER_USER):
            order = Order(id=u * 10 + o, user=user)
            order.items = [
                Item(id=order.id * 10 + i, sku=f"sku-{i}") for i in range(ITEMS_PER_ORDER)
            ]
        session.add(user)
    session.commit()
