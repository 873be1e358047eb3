from django.db import models
from simple_history.models import HistoricalRecords


class Provider(models.Model):
    """A third-party provider (第三方服务商) the insurer dispatches green-channel cases to."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64, unique=True)
    contact_name = models.CharField("联系人", max_length=32, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    active = models.BooleanField("合作中", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "服务商"
        verbose_name_plural = "服务商"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
