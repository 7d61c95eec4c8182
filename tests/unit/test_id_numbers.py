"""Identity numbers of every generation: the area code is information, never a reason to refuse."""

from datetime import date

import pytest

from app.core.validators import IdNumberError, parse_id_number
from tests.idnumbers import check_character, make_15, make_id

TODAY = date(2026, 12, 5)
# Districts created or renamed after many of their residents were born: Futian and Nanshan (1990), Pudong New
# Area (1993), Wuchang (1955 in its present form), and Chaoyang for contrast.
AREAS = ("440304", "440305", "310115", "420106", "110105")
BIRTHS = [date(1931, 2, 28), date(1944, 3, 12), date(1952, 12, 31), date(1968, 7, 1), date(1979, 10, 15),
          date(1983, 1, 1), date(1996, 2, 29), date(2004, 6, 30), date(2012, 9, 9), date(2019, 11, 30)]


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("birth", BIRTHS, ids=lambda d: d.isoformat())
@pytest.mark.parametrize("male", [True, False], ids=["male", "female"])
def test_every_generation_in_every_district_is_accepted(area, birth, male):
    number = make_id(area, birth, seq=37, male=male)
    parsed = parse_id_number(number, TODAY)
    assert (parsed.number, parsed.birth_date, parsed.sex) == (number, birth, "male" if male else "female")
    assert parsed.area_code == area


def test_the_area_is_named_when_the_table_knows_it_and_accepted_when_it_does_not():
    futian = parse_id_number(make_id("440304", date(1948, 5, 4)), TODAY)
    assert futian.area_name == "广东省深圳市福田区"  # the code's present name, though Futian dates from 1990
    unknown = parse_id_number(make_id("449999", date(1950, 1, 1)), TODAY)
    assert unknown.area_name is None and unknown.area_code == "449999"


@pytest.mark.parametrize("typed", [
    lambda n: n.lower(), lambda n: " ".join([n[:6], n[6:14], n[14:]]), lambda n: n[:6] + "-" + n[6:],
    lambda n: n.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
], ids=["lower-x", "spaces", "hyphen", "full-width"])
def test_numbers_as_people_type_them_are_normalised(typed):
    birth = date(1957, 8, 14)
    number = next(make_id("440305", birth, seq=s) for s in range(300) if make_id("440305", birth, seq=s)[-1] == "X")
    assert parse_id_number(typed(number), TODAY).number == number


def test_a_first_generation_number_is_converted_to_18_digits():
    old = make_15("440304", date(1946, 4, 2), seq=12, male=False)
    parsed = parse_id_number(old, TODAY)
    assert parsed.converted_from_15 and parsed.number == old[:6] + "19" + old[6:] + check_character(
        old[:6] + "19" + old[6:])
    assert (parsed.birth_date, parsed.sex) == (date(1946, 4, 2), "female")


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[-1] != "0" else "1")


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize(("raw", "reason"), [
    (_wrong_check(make_id("440304", date(1950, 1, 1))), "id_number_checksum"),
    (_with_check("44030419500230001"), "id_number_birth_invalid"),
    (make_id("440304", date(2027, 1, 1)), "id_number_birth_future"),
    (make_id("440304", date(1890, 6, 1)), "id_number_birth_too_old"),
    (make_id("440304", date(1950, 1, 1))[:17], "id_number_length"),
    (make_id("440304", date(1950, 1, 1)) + "1", "id_number_length"),
    ("4403041950010100A" + "1", "id_number_format"),
    ("44030419500101001Y", "id_number_format"),
    ("", "id_number_length"),
])
def test_bad_numbers_say_why(raw, reason):
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, TODAY)
    assert caught.value.reason == reason


def test_the_test_check_character_agrees_with_the_library():
    from stdnum.cn import ric

    for birth in BIRTHS:
        number = make_id("440304", birth)
        assert ric.calc_check_digit(number) == number[-1]
