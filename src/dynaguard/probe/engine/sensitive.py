"""Secrets a response must never show to someone else, kept as data: field names and value shapes.

A public route is not a harmless one: a debug list of every user with their password hash, or an
order that shows the card number, exposes secrets of someone else (OWASP API3, excessive data
exposure). `secrets_in` finds them in any JSON answer, record by record, so the caller can decide
whose record each one is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dynaguard.probe.engine.fields import fields

# Field names (lower case, `-`/`_` removed) whose non-empty value is a secret, whatever its shape.
SECRET_FIELDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "password", "passwd", "pwd", "passwordhash", "hashedpassword", "passwordhashed",
            "pwdhash", "passhash", "passwordsalt", "passworddigest", "encryptedpassword",
        ),
        "password",
    ),
    **dict.fromkeys(("cvv", "cvc", "cvv2", "cvc2", "securitycode", "cardcvv", "cardcvc"), "cvv"),
    **dict.fromkeys(
        ("apikey", "apisecret", "secretkey", "clientsecret", "privatekey", "apitoken"), "api key"
    ),
    **dict.fromkeys(
        ("accesstoken", "refreshtoken", "authtoken", "bearertoken", "sessiontoken", "idtoken",
         "jwt", "sessionid"),
        "bearer token",
    ),
    **dict.fromkeys(
        ("resettoken", "passwordresettoken", "resetcode", "verificationtoken", "otp", "otpsecret",
         "totpsecret", "mfasecret", "recoverycode", "activationtoken"),
        "reset token",
    ),
    **dict.fromkeys(
        ("ssn", "socialsecuritynumber", "nationalid", "nationalidnumber", "taxid", "nin",
         "passportnumber", "idnumber"),
        "national id",
    ),
}  # fmt: skip
# Field names that hold a card number when the value is a Luhn-valid run of 13 to 19 digits.
CARD_FIELDS = frozenset(
    {"cardnumber", "ccnumber", "creditcard", "creditcardnumber", "pan", "cardno", "cardnum",
     "ccnum"}
)  # fmt: skip
# Value shapes that are secrets in any field.
_HASH = r"^\$(2[abxy]?|argon2i?d?|pbkdf2[-_a-z0-9]*|scrypt|[156])\$\S{8,}"
VALUE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("password hash", re.compile(_HASH)),
    ("password hash", re.compile(r"^(pbkdf2_sha256|bcrypt_sha256|argon2|scrypt)\$\S{8,}")),
    ("bearer token", re.compile(r"^(Bearer\s+)?eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{5,}$")),
    ("api key", re.compile(r"^(sk|rk)_(live|test)_[0-9A-Za-z]{8,}$")),
    ("api key", re.compile(r"^(AKIA[0-9A-Z]{16}|gh[pousr]_[0-9A-Za-z]{30,}|xox[abp]-[\w-]{10,})$")),
    ("national id", re.compile(r"^\d{3}-\d{2}-\d{4}$")),
)  # fmt: skip
_CARD_TEXT = re.compile(r"^\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}$")
_NOT_SECRET = frozenset({"", "none", "null", "***", "******", "********", "redacted", "hidden"})


@dataclass(frozen=True)
class Secret:
    """One secret found: what it is, under which field, and the record that holds it."""

    what: str
    field: str
    record: dict[str, Any]


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def luhn(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(value: str, field: str = "") -> bool:
    """A Luhn-valid 13 to 19 digit run: in a card-named field, or written in groups of four."""
    digits = re.sub(r"[ -]", "", value)
    if not (13 <= len(digits) <= 19 and luhn(digits)) or len(set(digits)) < 2:
        return False
    return normalise(field) in CARD_FIELDS or bool(_CARD_TEXT.match(value))


def classify(field: str, value: Any) -> str | None:
    """What secret `value` under `field` is, or None."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if text.lower() in _NOT_SECRET or set(text) <= {"*", "x", "X", "•"}:
        return None
    name = normalise(field)
    if isinstance(value, (int, float)):
        return "card number" if is_card_number(text, field) else None
    if not isinstance(value, str):
        return None
    if name in SECRET_FIELDS:
        return SECRET_FIELDS[name]
    if is_card_number(text, field):
        return "card number"
    for what, shape in VALUE_SHAPES:
        if shape.match(text):
            return what
    return None


def secrets_in(data: Any) -> list[Secret]:
    """Every secret in a JSON answer, with the record (dict) that directly holds it."""
    found: list[Secret] = []
    for record, key, value in fields(data):
        if not isinstance(value, (dict, list)):
            what = classify(key, value)
            if what is not None:
                found.append(Secret(what, key, record))
    return found
