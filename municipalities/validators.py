"""The 全国地方公共団体コード: five digits and a check digit.

Check digit: weights 6, 5, 4, 3, 2 over the first five digits,
11 − (sum mod 11), last digit of that (so a remainder of 0 gives 1 and 1 gives 0).
"""

from django.core.exceptions import ValidationError


def check_digit(first_five: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def is_valid_municipality_code(code: str) -> bool:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    return check_digit(code[:5]) == int(code[5])


def validate_municipality_code(code: str) -> None:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(
            "全国地方公共団体コードは半角数字6桁で入力してください（例：062057）。",
            code="format",
        )
    expected = check_digit(code[:5])
    if expected != int(code[5]):
        raise ValidationError(
            "全国地方公共団体コードの検査数字（6桁目）が正しくありません。"
            "%(code)s の6桁目は %(expected)s になるはずです。",
            code="check_digit",
            params={"code": code, "expected": expected},
        )
