"""FastAPI + pydantic wallet in the shape of card/order APIs: a saved card must pass its patterns
(13-19 digits, Luhn-checked by a validator; expiry month `^0[1-9]|1[0-2]$`; year `^20[2-9][0-9]$`
and in the future; a 3-4 digit CVV; a 5-digit postcode), and an order needs the id of one of the
caller's cards and a quantity between 1 and 10. The order's only changeable field is that number.

Vulnerable: `PATCH /orders/{order_id}` changes any customer's order quantity (no owner check), and
`GET /cards/{card_id}` shows any customer's card (masked, but with its holder and postcode)."""

import datetime
import itertools
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, field_validator

from dynaguard.probe.engine.identities import Identity

from ._kit import static

EXPECTED = {
    ("bola-write", "PATCH /orders/{order_id}"),
    ("bola-read", "GET /cards/{card_id}"),
}
TOKENS = {"alice": "wallet-alice", "bob": "wallet-bob", "dave": "wallet-dave"}


def _luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


class CardIn(BaseModel):
    card_number: str = Field(pattern=r"^[0-9]{13,19}$")
    expiry_month: str = Field(pattern=r"^0[1-9]|1[0-2]$")
    expiry_year: str = Field(pattern=r"^20[2-9][0-9]$")
    cvv: str = Field(pattern=r"^[0-9]{3,4}$")
    holder_name: str = Field(min_length=2, max_length=60)
    billing_postcode: str = Field(pattern=r"^[0-9]{5}$")

    @field_validator("card_number")
    @classmethod
    def _passes_luhn(cls, value: str) -> str:
        if not _luhn(value):
            raise ValueError("card number fails the Luhn check")
        return value

    @field_validator("expiry_year")
    @classmethod
    def _not_expired(cls, value: str) -> str:
        if int(value) < datetime.date.today().year:
            raise ValueError("card expired")
        return value


class OrderIn(BaseModel):
    card_id: int
    quantity: int = Field(ge=1, le=10)
    gift_note: str | None = Field(default=None, max_length=80)


class OrderChange(BaseModel):
    quantity: int = Field(ge=1, le=10)


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="wallet")
    cards: dict[int, dict[str, Any]] = {}
    orders: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    bearer = HTTPBearer(auto_error=False)
    by_token = {token: name for name, token in TOKENS.items()}

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str:
        if credentials is None or credentials.credentials not in by_token:
            raise HTTPException(401, "not signed in")
        return by_token[credentials.credentials]

    Caller = Annotated[str, Depends(caller)]

    def shown(card: dict[str, Any]) -> dict[str, Any]:
        hidden = ("card_number", "cvv", "owner")
        kept = {k: v for k, v in card.items() if k not in hidden}
        return {**kept, "last4": card["card_number"][-4:]}

    @app.post("/cards", status_code=201)
    def add_card(card: CardIn, me: Caller) -> dict[str, Any]:
        card_id = next(ids)
        cards[card_id] = {"id": card_id, "owner": me, **card.model_dump()}
        return shown(cards[card_id])

    @app.get("/cards")
    def my_cards(me: Caller) -> list[dict[str, Any]]:
        return [shown(c) for c in cards.values() if c["owner"] == me]

    @app.get("/cards/{card_id}")
    def one_card(card_id: int, me: Caller) -> dict[str, Any]:
        card = cards.get(card_id)
        if card is None or (card["owner"] != me and not vulnerable):
            raise HTTPException(404, "no such card")
        return shown(card)

    @app.post("/orders", status_code=201)
    def place(order: OrderIn, me: Caller) -> dict[str, Any]:
        card = cards.get(order.card_id)
        if card is None or card["owner"] != me:
            raise HTTPException(422, "card_id: not one of your cards")
        order_id = next(ids)
        orders[order_id] = {"id": order_id, "customer": me, **order.model_dump()}
        return orders[order_id]

    @app.get("/orders")
    def my_orders(me: Caller) -> list[dict[str, Any]]:
        return [o for o in orders.values() if o["customer"] == me]

    def order_of(order_id: int, me: str, anyone: bool = False) -> dict[str, Any]:
        order = orders.get(order_id)
        if order is None or (order["customer"] != me and not anyone):
            raise HTTPException(404, "no such order")
        return order

    @app.get("/orders/{order_id}")
    def one_order(order_id: int, me: Caller) -> dict[str, Any]:
        return order_of(order_id, me)

    @app.patch("/orders/{order_id}")
    def change(order_id: int, change: OrderChange, me: Caller) -> dict[str, Any]:
        order = order_of(order_id, me, anyone=vulnerable)
        order["quantity"] = change.quantity
        return {"id": order_id, "quantity": order["quantity"]}

    return app


def identities(url: str) -> list[Identity]:
    return static({name: f"Authorization: Bearer {token}" for name, token in TOKENS.items()})
