"""People: insured persons and their designated family members."""

from django.core.exceptions import ValidationError
from django.db import models
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError


def validate_id_number(value: str) -> None:
    """PRC resident ID (GB 11643): 18 characters, birth date and ISO 7064 MOD 11-2 check digit."""
    try:
        ric.validate(value)
    except StdnumError as exc:
        raise ValidationError("身份证号码无效（%(reason)s）", params={"reason": exc.message}) from exc


def normalize_id_number(value: str) -> str:
    return ric.compact(value or "").upper()


def mask(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return value
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class SocialInsurance(models.TextChoices):
    UNKNOWN = "unknown", "未知"
    INSURED = "insured", "有社保"
    UNINSURED = "uninsured", "无社保"


class Person(models.Model):
    """An insured person or a designated family member (直系亲属)."""

    name = models.CharField("姓名", max_length=64)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField("手机号", max_length=20, blank=True, db_index=True)
    address = models.CharField("地址", max_length=255, blank=True)
    social_insurance = models.CharField(
        "社保情况", max_length=12, choices=SocialInsurance.choices, default=SocialInsurance.UNKNOWN
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "客户"
        verbose_name_plural = "客户"
        ordering = ["id"]

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
