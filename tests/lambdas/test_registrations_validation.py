"""The registration's three checks (lambdas/registrations/validation.py) with real values: DNI
and NIE check letters, card numbers of every brand, expiry and e-mail edge cases; and the
properties that must hold for any value (hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registrations.validation import (
    BRANDS,
    Brand,
    card_brand,
    check_card,
    check_dni,
    check_email,
    luhn_valid,
)

# The Ministry of the Interior's table: the check letter of a DNI number by its remainder mod 23.
OFFICIAL_LETTERS = {
    0: "T", 1: "R", 2: "W", 3: "A", 4: "G", 5: "M", 6: "Y", 7: "F", 8: "P", 9: "D", 10: "X",
    11: "B", 12: "N", 13: "J", 14: "Z", 15: "S", 16: "Q", 17: "V", 18: "H", 19: "L", 20: "C",
    21: "K", 22: "E",
}  # fmt: skip
TODAY = date(2026, 5, 15)
FUTURE = "12/30"
DISPOSABLE = {"mailinator.com", "yopmail.com"}

# -- DNI and NIE ----------------------------------------------------------------------------


@pytest.mark.parametrize(("remainder", "letter"), sorted(OFFICIAL_LETTERS.items()))
def test_every_check_letter_of_the_official_table(remainder: int, letter: str) -> None:
    # GIVEN a number with each remainder, small and large THEN its letter makes a valid DNI
    for number in (remainder, 23_000_000 + remainder, 23 * 4_347_825 + remainder):
        assert check_dni(f"{number:08d}{letter}").valid, (number, letter)
    # AND every other letter is refused, naming the check letter
    for other in set(OFFICIAL_LETTERS.values()) - {letter}:
        refused = check_dni(f"{remainder:08d}{other}")
        assert not refused.valid
        assert refused.reason == "the DNI's check letter does not match its number"


@pytest.mark.parametrize(
    "nie",
    ["X0000000T", "X1234567L", "Y0000000Z", "Y1234567X", "Z0000000M", "Z1234567R"],
)
def test_nie_prefixes_stand_for_0_1_and_2(nie: str) -> None:
    result = check_dni(nie)
    assert result.valid
    assert result.reason == "a valid NIE"


def test_an_nie_with_the_letter_of_another_prefix_is_refused() -> None:
    # X1234567L is valid: the same digits under Y or Z need other letters
    assert not check_dni("Y1234567L").valid
    assert not check_dni("Z1234567L").valid
    assert "NIE's check letter" in check_dni("Z1234567L").reason


@pytest.mark.parametrize("written", ["12345678z", " 12345678-Z ", "12.345.678 Z"])
def test_how_a_dni_is_written_does_not_matter(written: str) -> None:
    assert check_dni(written).valid


@pytest.mark.parametrize(
    "malformed", ["", "1234567Z", "123456789Z", "12345678", "A2345678Z", "W1234567L", "12345678Ñ"]
)
def test_malformed_dnis_are_refused_with_the_expected_form(malformed: str) -> None:
    result = check_dni(malformed)
    assert not result.valid
    assert "8 digits and a letter" in result.reason


@given(number=st.integers(0, 99_999_999), letter=st.sampled_from(sorted(OFFICIAL_LETTERS.values())))
def test_a_valid_dni_with_any_other_letter_is_refused(number: int, letter: str) -> None:
    right = OFFICIAL_LETTERS[number % 23]
    assert check_dni(f"{number:08d}{right}").valid
    if letter != right:
        assert not check_dni(f"{number:08d}{letter}").valid


@given(
    prefix=st.sampled_from("XYZ"),
    number=st.integers(0, 9_999_999),
    letter=st.sampled_from(sorted(OFFICIAL_LETTERS.values())),
)
def test_a_valid_nie_with_any_other_letter_is_refused(
    prefix: str, number: int, letter: str
) -> None:
    right = OFFICIAL_LETTERS[int(f"{'XYZ'.index(prefix)}{number:07d}") % 23]
    assert check_dni(f"{prefix}{number:07d}{right}").valid
    if letter != right:
        assert not check_dni(f"{prefix}{number:07d}{letter}").valid


# -- bank cards -----------------------------------------------------------------------------

# The test numbers the card networks and payment processors publish.
CARDS = [
    ("4111111111111111", "Visa"),
    ("4012888888881881", "Visa"),
    ("4222222222222", "Visa"),
    ("5555555555554444", "Mastercard"),
    ("5105105105105100", "Mastercard"),
    ("2223003122003222", "Mastercard"),
    ("378282246310005", "American Express"),
    ("371449635398431", "American Express"),
    ("6011111111111117", "Discover"),
    ("6011000990139424", "Discover"),
    ("3530111333300000", "JCB"),
    ("3566002020360505", "JCB"),
    ("30569309025904", "Diners Club"),
    ("38520000023237", "Diners Club"),
]


@pytest.mark.parametrize(("number", "brand"), CARDS)
def test_published_test_numbers_pass_and_name_their_brand(number: str, brand: str) -> None:
    result = check_card(number, FUTURE, TODAY)
    assert result.valid, result.reason
    assert result.brand == brand
    assert result.last4 == number[-4:]
    assert result.reason == f"a valid {brand} card"


@pytest.mark.parametrize(("number", "brand"), CARDS)
def test_a_wrong_last_digit_fails_the_luhn_check(number: str, brand: str) -> None:
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    result = check_card(wrong, FUTURE, TODAY)
    assert not result.valid
    assert result.reason == "the card number fails its check digit (Luhn)"
    assert result.brand == brand


def test_a_number_of_the_wrong_length_for_its_brand_is_refused() -> None:
    # 15 digits that pass Luhn, with a Visa prefix (Visa issues 13, 16 or 19)
    result = check_card("411111111111116", FUTURE, TODAY)
    assert luhn_valid("411111111111116")
    assert not result.valid
    assert result.reason == "a Visa card number has 13 or 16 or 19 digits"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("1234567812345670", "the card's brand is not one we accept"),
        ("4111-1111-1111-111x", "the card number may hold only digits"),
        ("\uff14" + "\uff11" * 15, "the card number may hold only digits"),  # full-width
    ],
)
def test_unknown_brands_and_non_digits_are_refused(number: str, reason: str) -> None:
    result = check_card(number, FUTURE, TODAY)
    assert (result.valid, result.reason, result.brand) == (False, reason, None)


def test_spaces_and_hyphens_are_how_cards_are_printed() -> None:
    assert check_card("4111 1111-1111 1111", FUTURE, TODAY).valid


@pytest.mark.parametrize(
    ("expiry", "today", "valid"),
    [
        ("05/26", date(2026, 5, 1), True),  # this month: valid through its last day
        ("05/26", date(2026, 5, 31), True),
        ("04/26", date(2026, 5, 1), False),  # last month: expired
        ("12/25", date(2026, 1, 1), False),  # December, seen in January
        ("01/27", date(2026, 12, 31), True),
        ("12/99", TODAY, True),
    ],
)
def test_a_card_is_valid_through_its_expiry_month(expiry: str, today: date, valid: bool) -> None:
    result = check_card("4111111111111111", expiry, today)
    assert result.valid is valid
    if not valid:
        assert result.reason == "the card has expired"


@pytest.mark.parametrize("expiry", ["13/26", "00/26", "5/26", "05/2026", "05-26", ""])
def test_an_expiry_that_is_not_mm_yy_is_refused(expiry: str) -> None:
    result = check_card("4111111111111111", expiry, TODAY)
    assert (result.valid, result.reason) == (False, "the expiry date is MM/YY")


def test_only_the_last_four_digits_are_ever_in_the_answer() -> None:
    for number in ("4111111111111111", "4111111111111112", "9999888877776666"):
        answer = check_card(number, FUTURE, TODAY).to_json()
        assert number[:-4] not in str(answer)
        assert answer["last4"] == number[-4:]


@st.composite
def luhn_numbers(draw: st.DrawFn) -> tuple[Brand, str]:
    """A number of a random brand: one of its prefixes, one of its lengths, random digits,
    and the check digit that makes the Luhn sum a multiple of ten."""
    brand = draw(st.sampled_from(BRANDS))
    first, last = draw(st.sampled_from(brand.ranges))
    prefix = str(draw(st.integers(first, last)))
    length = draw(st.sampled_from(sorted(brand.lengths)))
    body = prefix + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=length - len(prefix) - 1,
                      max_size=length - len(prefix) - 1))
    )  # fmt: skip
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return brand, body + str((10 - total % 10) % 10)


@given(card=luhn_numbers())
def test_any_luhn_valid_number_of_a_valid_length_passes(card: tuple[Brand, str]) -> None:
    brand, number = card
    assert luhn_valid(number)
    assert card_brand(number) == brand
    result = check_card(number, FUTURE, TODAY)
    assert result.valid, (number, result.reason)
    assert result.brand == brand.name


@given(card=luhn_numbers(), position=st.integers(0, 18), change=st.integers(1, 9))
def test_any_one_mistyped_digit_fails_the_checksum(
    card: tuple[Brand, str], position: int, change: int
) -> None:
    _, number = card
    position %= len(number)
    typo = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1 :]
    assert not luhn_valid(typo)


# -- e-mail ---------------------------------------------------------------------------------


def address(local_length: int, domain: str = "example.com") -> str:
    return "a" * local_length + "@" + domain


@pytest.mark.parametrize(
    "valid",
    [
        "ana@example.com",
        "ana.garcia+news@mail.example.es",
        "o'brien@example.ie",
        "x@example.co",
        "ANA@EXAMPLE.COM",
        "  ana@example.com  ",
        "ana@bücher.de",
        "ana@xn--bcher-kva.de",
        "ana@notmailinator.com",  # only the disposable domain and its subdomains are refused
        address(64),
        address(64, ("d" * 63 + ".") * 2 + "e" * 57 + ".com"),  # 254 characters in all
    ],
)
def test_valid_addresses(valid: str) -> None:
    assert len(valid.strip()) <= 254
    assert check_email(valid, DISPOSABLE).valid, check_email(valid, DISPOSABLE).reason


@pytest.mark.parametrize(
    ("invalid", "reason"),
    [
        (address(65), "the part before the @ is at most 64 characters"),
        (address(64, ("d" * 63 + ".") * 2 + "e" * 58 + ".com"), "at most 254 characters"),
        (address(1, "d" * 64 + ".com"), "the domain is too long"),
        ("ana.example.com", "a name, an @ and a domain"),
        ("@example.com", "a name, an @ and a domain"),
        ("ana@", "a name, an @ and a domain"),
        ("ana@@example.com", "the part before the @ may hold"),
        ("ana..garcia@example.com", "the part before the @ may hold"),
        (".ana@example.com", "the part before the @ may hold"),
        ("ana.@example.com", "the part before the @ may hold"),
        ('"ana garcia"@example.com', "the part before the @ may hold"),
        ("añá@example.com", "the part before the @ may hold"),
        ("ana@localhost", "the domain is not a valid domain name"),
        ("ana@-example.com", "the domain is not a valid domain name"),
        ("ana@example-.com", "the domain is not a valid domain name"),
        ("ana@exa_mple.com", "the domain is not a valid domain name"),
        ("ana@[192.0.2.1]", "the domain is not a valid domain name"),
        ("ana@example..com", "the domain is not a valid domain name"),
        ("ana@example.c0m", "the domain does not end in a valid top-level domain"),
        ("ana@example.c", "the domain does not end in a valid top-level domain"),
        ("ana@192.0.2.1", "the domain does not end in a valid top-level domain"),
        ("ana@mailinator.com", "disposable e-mail domains are not accepted"),
        ("ana@MailInator.com", "disposable e-mail domains are not accepted"),
        ("ana@eu.yopmail.com", "disposable e-mail domains are not accepted"),
    ],
)
def test_invalid_addresses_say_why(invalid: str, reason: str) -> None:
    result = check_email(invalid, DISPOSABLE)
    assert not result.valid
    assert reason in result.reason


def test_the_deny_list_is_configuration() -> None:
    assert check_email("ana@mailinator.com").valid
    assert not check_email("ana@example.com", ["Example.com"]).valid
