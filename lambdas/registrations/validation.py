"""The three checks of a registration, in plain Python: the Spanish DNI or NIE, the e-mail
address and the bank card. Each answers a :class:`Check` (valid or not, and why) and never
raises for bad input: an invalid value is an answer, not an error. Nothing here calls a network.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

# -- DNI and NIE ----------------------------------------------------------------------------

# The check letter of a DNI is this string's letter at (number mod 23); an NIE's number is its
# seven digits behind the prefix's digit (X=0, Y=1, Z=2).
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
NIE_PREFIXES = {"X": "0", "Y": "1", "Z": "2"}
_DNI = re.compile(r"^(\d{8})([A-Z])$")
_NIE = re.compile(r"^([XYZ])(\d{7})([A-Z])$")
_DNI_SEPARATORS = str.maketrans("", "", " -.")


@dataclass(frozen=True)
class Check:
    valid: bool
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"valid": self.valid, "reason": self.reason}


def normalize_dni(value: str) -> str:
    """Upper case, without the spaces, dots and hyphens people write into it."""
    return value.strip().upper().translate(_DNI_SEPARATORS)


def dni_letter(number: int) -> str:
    return DNI_LETTERS[number % 23]


def check_dni(value: str) -> Check:
    """A DNI (8 digits and a letter) or an NIE (X, Y or Z, 7 digits and a letter) whose letter
    is the check letter of its number."""
    dni = normalize_dni(value)
    if match := _DNI.match(dni):
        digits, letter, kind = match[1], match[2], "DNI"
    elif match := _NIE.match(dni):
        digits, letter, kind = NIE_PREFIXES[match[1]] + match[2], match[3], "NIE"
    else:
        return Check(
            False, "a DNI is 8 digits and a letter; an NIE is X, Y or Z, 7 digits and a letter"
        )
    if dni_letter(int(digits)) != letter:
        return Check(False, f"the {kind}'s check letter does not match its number")
    return Check(True, f"a valid {kind}")


# -- e-mail ---------------------------------------------------------------------------------

MAX_EMAIL = 254  # a forward path is at most 256 octets, angle brackets included (RFC 5321)
MAX_LOCAL_PART = 64
MAX_DOMAIN = 253
MAX_LABEL = 63
# A dot-atom (RFC 5322): the unquoted local parts mail providers hand out.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_TOP_LEVEL = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalize_email(value: str) -> str:
    """Without surrounding blanks, the domain in lower case (it is case-insensitive; the local
    part belongs to the mail server, so it is kept as written)."""
    address = value.strip()
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


class _Refused(ValueError):
    """A rule the value breaks; its message is the reason."""


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise _Refused(reason)


def check_email(value: str, disposable_domains: Collection[str] = ()) -> Check:
    """Syntax and length limits of an address, and not at a disposable-mail domain (nor a
    subdomain of one). Quoted local parts, IP-literal domains and non-ASCII local parts are
    refused: no mail provider hands those out."""
    try:
        _check_address(normalize_email(value), {d.lower() for d in disposable_domains})
    except _Refused as refused:
        return Check(False, str(refused))
    return Check(True, "a valid e-mail address")


def _check_address(address: str, disposable_domains: set[str]) -> None:
    _require(len(address) <= MAX_EMAIL, f"an e-mail address is at most {MAX_EMAIL} characters")
    local, at, domain = address.rpartition("@")
    _require(bool(at and local and domain), "an e-mail address is a name, an @ and a domain")
    _require(
        len(local) <= MAX_LOCAL_PART,
        f"the part before the @ is at most {MAX_LOCAL_PART} characters",
    )
    _require(
        local.isascii() and bool(_LOCAL_PART.match(local)),
        "the part before the @ may hold letters, digits and !#$%&'*+/=?^_`{|}~- "
        "in dot-separated words",
    )
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Refused("the domain is not a valid domain name") from None
    labels = ascii_domain.split(".")
    _require(
        len(ascii_domain) <= MAX_DOMAIN and all(len(label) <= MAX_LABEL for label in labels),
        "the domain is too long",
    )
    _require(
        len(labels) >= 2 and all(_LABEL.match(label) for label in labels),
        "the domain is not a valid domain name",
    )
    _require(
        bool(_TOP_LEVEL.match(labels[-1])), "the domain does not end in a valid top-level domain"
    )
    parents = {".".join(labels[n:]) for n in range(len(labels) - 1)}
    _require(not parents & disposable_domains, "disposable e-mail domains are not accepted")


# -- bank card ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Brand:
    name: str
    # Issuer identification number ranges, inclusive, as (first, last) prefixes of equal length.
    ranges: tuple[tuple[int, int], ...]
    lengths: frozenset[int]

    def issues(self, number: str) -> bool:
        return any(
            first <= int(number[: len(str(first))]) <= last
            for first, last in self.ranges
            if len(number) >= len(str(first))
        )


BRANDS = (
    Brand("Visa", ((4, 4),), frozenset({13, 16, 19})),
    Brand("Mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    Brand("American Express", ((34, 34), (37, 37)), frozenset({15})),
    Brand(
        "Discover",
        ((6011, 6011), (644, 649), (65, 65), (622126, 622925)),
        frozenset({16, 17, 18, 19}),
    ),
    Brand("JCB", ((3528, 3589),), frozenset({16, 17, 18, 19})),
    Brand("Diners Club", ((300, 305), (36, 36), (38, 39)), frozenset({14, 16, 17, 18, 19})),
)
_EXPIRY = re.compile(r"^(0[1-9]|1[0-2])/(\d{2})$")
_CARD_SEPARATORS = str.maketrans("", "", " -")


@dataclass(frozen=True)
class CardCheck(Check):
    brand: str | None
    last4: str

    def to_json(self) -> dict[str, object]:
        return {**super().to_json(), "brand": self.brand, "last4": self.last4}


def normalize_card_number(value: str) -> str:
    """Without the spaces and hyphens cards are printed with."""
    return value.strip().translate(_CARD_SEPARATORS)


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) checksum: from the right, every second digit doubled (less 9 past 9)."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(number: str) -> Brand | None:
    return next((brand for brand in BRANDS if brand.issues(number)), None)


def check_card(number: str, expiry: str, today: date) -> CardCheck:
    """A number of a known brand, of a length that brand issues, that passes the Luhn check,
    on a card that has not expired (it is valid through the last day of its month).
    ``last4`` is all of the number that the answer (or anything) ever holds."""
    digits = normalize_card_number(number)
    brand = card_brand(digits) if digits.isascii() and digits.isdigit() else None
    try:
        _check_card(digits, brand, expiry, today)
    except _Refused as refused:
        return CardCheck(False, str(refused), brand.name if brand else None, digits[-4:])
    assert brand is not None  # _check_card refuses a card without one
    return CardCheck(True, f"a valid {brand.name} card", brand.name, digits[-4:])


def _check_card(digits: str, brand: Brand | None, expiry: str, today: date) -> None:
    _require(digits.isascii() and digits.isdigit(), "the card number may hold only digits")
    if brand is None:
        raise _Refused("the card's brand is not one we accept")
    lengths = " or ".join(str(n) for n in sorted(brand.lengths))
    _require(len(digits) in brand.lengths, f"a {brand.name} card number has {lengths} digits")
    _require(luhn_valid(digits), "the card number fails its check digit (Luhn)")
    match = _EXPIRY.match(expiry.strip())
    if match is None:
        raise _Refused("the expiry date is MM/YY")
    month, year = int(match[1]), 2000 + int(match[2])
    _require((year, month) >= (today.year, today.month), "the card has expired")
