"""Form fields shared by every app."""

from django import forms
from django.core.exceptions import ValidationError

from core.japanese import NumberFormatError, parse_number


class JapaneseNumberField(forms.CharField):
    """A number typed the way Japanese offices write it (core.japanese.parse_number)."""

    def __init__(self, *, integer: bool = False, **kwargs):
        self.integer = integer
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "" if value is None else value

    def to_python(self, value):
        try:
            number = parse_number(value)
        except NumberFormatError as exc:
            raise ValidationError(str(exc)) from None
        if number is not None and self.integer:
            if number != number.to_integral_value():
                raise ValidationError("千円単位の整数で入力してください。")
            return int(number)
        return number
