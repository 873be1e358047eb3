"""People: insured persons and their designated family members."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError


def validate_id_number(value: str) -> None:
    """PRC resident ID (GB 11643): 18 characters, a real birth date and the ISO 7064 MOD 11-2 check
    digit. The region code is not looked up: the library's region table lacks many codes that were
    renamed or split since, and refusing a real customer's ID is worse than an unknown region."""
    number = normalize_id_number(value)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号码须为18位（前17位为数字，末位为数字或X）"))
    try:
        ric.get_birth_date(number)
    except StdnumError as exc:
        raise ValidationError(_("身份证号码中的出生日期无效")) from exc
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(_("身份证号码校验位错误，请核对"))


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def normalize_id_number(value: str) -> str:
    return ric.compact(value or "").upper()


def mask(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return value
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


# Mainland mobile and landline numbers, as typed on the forms and the intake API.
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}")
PHONE_FORMAT_ERROR = (
    "电话格式不正确：手机号为 1 开头的 11 位数字（如 13812345678），固话为区号加号码（如 021-63211234）"
)


def phone_is_valid(value: str) -> bool:
    return bool(MOBILE_RE.fullmatch(value) or LANDLINE_RE.fullmatch(value))


def id_number_disagreements(*, id_number: str, birth_date, gender: str) -> dict[str, str]:
    """Field → reason, where the birth date or gender disagrees with a valid 18-digit ID number."""
    id_number = normalize_id_number(id_number)
    if len(id_number) != 18 or not is_valid_id_number(id_number):
        return {}
    errors = {}
    encoded = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    if birth_date and birth_date.isoformat() != encoded:
        errors["birth_date"] = f"出生日期与身份证号不符：身份证号中的出生日期为 {encoded}"
    expected = "M" if int(id_number[16]) % 2 else "F"
    if gender and gender != expected:
        errors["gender"] = f"性别与身份证号不符：身份证号第17位表示{'男' if expected == 'M' else '女'}"
    return errors


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class SocialInsurance(models.TextChoices):
    UNKNOWN = "unknown", _("未知")
    INSURED = "insured", _("有社保")
    UNINSURED = "uninsured", _("无社保")


class Person(models.Model):
    """An insured person or a designated family member (直系亲属)."""

    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    social_insurance = models.CharField(
        _("社保情况"), max_length=12, choices=SocialInsurance.choices, default=SocialInsurance.UNKNOWN
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["id"]
        indexes = [
            # The desk search finds a customer by the beginning of the name (LIKE '王%').
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="person_name_prefix_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    def save(self, *args, **kwargs) -> None:
        self.id_number = normalize_id_number(self.id_number)
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask(self.id_number, 4, 4)

    @property
    def phone_masked(self) -> str:
        return mask(self.phone, 3, 4)
