import pytest
from django.core.exceptions import ValidationError

from municipalities.models import Municipality
from municipalities.validators import (
    check_digit,
    is_valid_municipality_code,
    validate_municipality_code,
)
from tests.constants import TOWN_CODES


@pytest.mark.parametrize("code", TOWN_CODES)
def test_it_accepts_the_eight_codes(code):
    validate_municipality_code(code)
    assert is_valid_municipality_code(code)


def test_check_digit_follows_the_weights():
    # 06205: 0*6 + 6*5 + 2*4 + 0*3 + 5*2 = 48; 48 mod 11 = 4; 11 - 4 = 7
    assert check_digit("06205") == 7


def test_remainder_zero_and_one_give_last_digit_of_eleven_and_ten():
    # 00000 → sum 0 → 11 − 0 = 11 → 1;  10002 → 6 + 4 = 10 → 11 − 10 = 1
    assert check_digit("00000") == 1
    # 00005 → 10 → 11 − 10 = 1;  00105 → 4 + 10 = 14 → 14 mod 11 = 3 → 8
    assert check_digit("00105") == 8
    # sum 12 → 12 mod 11 = 1 → 11 − 1 = 10 → 0 :  00006 → 12
    assert check_digit("00006") == 0


def test_it_rejects_a_wrong_check_digit():
    with pytest.raises(ValidationError) as exc:
        validate_municipality_code("062058")
    assert exc.value.code == "check_digit"
    assert "7" in exc.value.messages[0]


@pytest.mark.parametrize("code", ["62057", "0620577", "06205a", "０６２０５７", ""])
def test_it_rejects_what_is_not_six_ascii_digits(code):
    with pytest.raises(ValidationError) as exc:
        validate_municipality_code(code)
    assert exc.value.code == "format"


@pytest.mark.django_db
def test_the_model_refuses_a_bad_code_in_full_clean():
    municipality = Municipality(code="063615", name="架空町")
    with pytest.raises(ValidationError) as exc:
        municipality.full_clean()
    assert "code" in exc.value.message_dict
