"""Values a field's name asks for: a Luhn-valid test card number, a future expiry, a CVV, a phone
number, a postcode... Each meaning offers a few spellings; the caller keeps the first the schema
accepts. Dates are relative to today, so an expiry stays in the future."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

# Public test numbers of the card networks (Visa, Mastercard, Amex, Discover): Luhn-valid, never
# chargeable.
TEST_CARDS = ("4242424242424242", "4111111111111111", "5555555555554444", "378282246310005")


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    if len(digits) < 12 or len(digits) != len(number):
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _expiry_year(today: datetime.date) -> int:
    return today.year + 3


def _cards(canary: str, today: datetime.date) -> list[str | int]:
    return list(TEST_CARDS)


def _cvv(canary: str, today: datetime.date) -> list[str | int]:
    return ["123", "1234", 123]


def _month(canary: str, today: datetime.date) -> list[str | int]:
    return ["12", 12]


def _year(canary: str, today: datetime.date) -> list[str | int]:
    year = _expiry_year(today)
    return [str(year), year, str(year)[2:], int(str(year)[2:]), "1990", 1990]


def _expiry(canary: str, today: datetime.date) -> list[str | int]:
    year = _expiry_year(today)
    short = str(year)[2:]
    return [f"12/{short}", f"12/{year}", f"{year}-12", f"12{short}"]


def _email(canary: str, today: datetime.date) -> list[str | int]:
    return [f"{canary}@example.com"]


def _url(canary: str, today: datetime.date) -> list[str | int]:
    return [f"https://example.com/{canary}"]


def _phone(canary: str, today: datetime.date) -> list[str | int]:
    return ["+14155550123", "4155550123", "+1 415-555-0123", "(415) 555-0123", "+447700900123"]


def _postcode(canary: str, today: datetime.date) -> list[str | int]:
    return ["94105", "10115", "SW1A 1AA", "94105-1234", "75001", 94105]


def _country(canary: str, today: datetime.date) -> list[str | int]:
    return ["US", "USA", "United States"]


def _currency(canary: str, today: datetime.date) -> list[str | int]:
    return ["USD", "EUR"]


def _date(canary: str, today: datetime.date) -> list[str | int]:
    ahead = today + datetime.timedelta(days=30)
    return [ahead.isoformat(), "1990-01-01", ahead.strftime("%d/%m/%Y")]


def _birth(canary: str, today: datetime.date) -> list[str | int]:
    return ["1990-01-01", "01/01/1990"]


def _ip(canary: str, today: datetime.date) -> list[str | int]:
    return ["192.0.2.10"]


def _host(canary: str, today: datetime.date) -> list[str | int]:
    return ["example.com"]


def _iban(canary: str, today: datetime.date) -> list[str | int]:
    return ["DE89370400440532013000", "GB82WEST12345698765432"]


def _locale(canary: str, today: datetime.date) -> list[str | int]:
    return ["en", "en-US", "en_US"]


def _timezone(canary: str, today: datetime.date) -> list[str | int]:
    return ["UTC", "Europe/London"]


def _colour(canary: str, today: datetime.date) -> list[str | int]:
    return ["#336699", "336699", "blue"]


Meaning = Callable[[str, datetime.date], list[str | int]]

# Normalised name (lower case, letters and digits only) → candidates; first match wins.
_MEANINGS: tuple[tuple[re.Pattern[str], Meaning], ...] = (
    (re.compile(r"^(card|cc|credit|debit|payment)\w*(number|num|no)$|^pan$"), _cards),
    (re.compile(r"cvv|cvc|csc|securitycode|cardcode"), _cvv),
    (re.compile(r"(exp|expiry|expiration)\w*(month|mm)$|^month$"), _month),
    (re.compile(r"(exp|expiry|expiration)\w*(year|yy|yyyy)$|^year$"), _year),
    (re.compile(r"^(exp|expiry|expiration|expdate|expirydate|expirationdate|validthru)$"), _expiry),
    (re.compile(r"email|^mail$"), _email),
    (re.compile(r"(url|uri|website|homepage|href)$|^link$"), _url),
    (re.compile(r"phone|mobile|^tel$|telephone|msisdn"), _phone),
    (re.compile(r"zip|postcode|postalcode"), _postcode),
    (re.compile(r"^country(code)?$"), _country),
    (re.compile(r"^currency(code)?$"), _currency),
    (re.compile(r"birth|^dob$"), _birth),
    (re.compile(r"date$|^(due|start|end|delivery)on$"), _date),
    (re.compile(r"^ip(address|v4)?$"), _ip),
    (re.compile(r"^(host|hostname|domain)$"), _host),
    (re.compile(r"^iban$"), _iban),
    (re.compile(r"^(locale|language|lang)$"), _locale),
    (re.compile(r"^(timezone|tz)$"), _timezone),
    (re.compile(r"^(colou?r|hexcolou?r)$"), _colour),
)


def candidates(name: str, canary: str, today: datetime.date | None = None) -> list[str | int]:
    """Values the field's name asks for, most likely first; [] when the name says nothing."""
    key = _norm(name)
    if not key:
        return []
    for rule, meaning in _MEANINGS:
        if rule.search(key):
            return meaning(canary, today or datetime.date.today())
    return []
