"""Enrollments (a person holding an edition through a policy) and family designations."""

from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from entitlements import periods
from entitlements.models.catalog import Edition, PeriodRule
from entitlements.models.people import Person
from entitlements.models.policies import Policy


class Enrollment(models.Model):
    """A person holds one edition/plan/tier through a qualifying policy.

    ``service_start``/``service_end`` are computed from the edition's period rule on every save,
    and stored so that "who is in service on this day" is one indexed query.
    """

    insured = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("被保险人")
    )
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("达标保单"))
    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("版本档次")
    )
    qualified_on = models.DateField(_("达标（加入）日"), help_text=_("满足达标条件之日；普惠版为成功加入之日"))
    upgraded = models.BooleanField(_("已完成服务升级"), default=False, help_text=_("2019/2020版：升级后服务期5年"))
    service_start = models.DateField(_("服务起始日"), editable=False)
    service_end = models.DateField(_("服务终止日"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务权益")
        verbose_name_plural = _("服务权益")
        ordering = ["service_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["insured", "policy", "edition"], name="enrollment_unique_per_policy"),
        ]
        indexes = [models.Index(fields=["service_start", "service_end"], name="enrollment_period_idx")]

    def __str__(self) -> str:
        return f"{self.edition} · {self.policy.policy_no}"

    def save(self, *args, **kwargs) -> None:
        period = self.period()
        self.service_start, self.service_end = period.start, period.end
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "service_start", "service_end"}
        super().save(*args, **kwargs)

    def terms(self) -> periods.PolicyTerms:
        policy = self.policy
        return periods.PolicyTerms(
            effective_date=policy.effective_date,
            cooling_off_days=policy.cooling_off_days,
            payment_term_years=policy.payment_term_years,
            single_premium=policy.is_single_premium,
            qualified_on=self.qualified_on,
            upgraded=self.upgraded,
            policy_ended_on=policy.ended_on,
        )

    def period(self) -> periods.DateRange:
        """The service period computed from the policy and the edition's rule (not the stored copy)."""
        return periods.service_period(self.edition.period_rule, self.terms(), periods.figures_of(self.edition))

    @property
    def stored_period(self) -> periods.DateRange:
        return periods.DateRange(self.service_start, self.service_end)

    def is_active(self, on: date) -> bool:
        return self.service_start <= on <= self.service_end

    def _year_base(self) -> date:
        return periods.year_base(self.edition.period_rule, self.terms(), self.stored_period)

    def service_year(self, on: date) -> tuple[date, date]:
        """The service year containing ``on``: the policy year (保单年度), or for 2019/2020 the
        year counted from the service start; 普惠版's whole period. Cut to the service period."""
        year = periods.year_containing(self.edition.period_rule, self._year_base(), self.stored_period, on)
        return year.start, year.end

    def policy_year_number(self, on: date) -> int:
        """1-based policy year (or 2019/2020 service year) containing ``on``."""
        if self.edition.period_rule == PeriodRule.YEAR_END:
            return 1
        return periods.year_number(self._year_base(), on)


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")


class FamilyDesignation(models.Model):
    """An immediate family member (直系亲属) designated to share an insured's 2档/3档 services.

    Valid from ``designated_on`` for at most ``Edition.family_max_years`` years and never beyond
    the insured's service period; ``ended_on`` (exclusive) closes it early when replaced.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="designations", verbose_name=_("服务权益")
    )
    member = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="designations", verbose_name=_("家庭成员")
    )
    relation = models.CharField(_("与被保险人关系"), max_length=10, choices=Relation.choices)
    designated_on = models.DateField(_("指定日"))
    valid_until = models.DateField(_("有效期至"), editable=False)
    ended_on = models.DateField(_("终止日"), null=True, blank=True, help_text=_("自该日起不再有效（含当日）"))
    # A member designated in a seat freed in the same service year takes over that seat's usage
    # of the year (DOMAIN: replacing a member never restores quota already used that year).
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("接替"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("指定直系亲属")
        verbose_name_plural = _("指定直系亲属")
        ordering = ["designated_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "member", "designated_on"], name="designation_unique_per_day"
            ),
        ]
        indexes = [models.Index(fields=["member", "valid_until"], name="designation_member_idx")]

    def __str__(self) -> str:
        return f"{self.member.name}（{self.get_relation_display()}）· {self.enrollment}"

    def save(self, *args, **kwargs) -> None:
        self.valid_until = self.compute_valid_until()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "valid_until"}
        super().save(*args, **kwargs)

    def first_designated_on(self) -> date:
        """The member's first designation on this enrollment: the family limit runs from it."""
        earlier = FamilyDesignation.objects.filter(enrollment_id=self.enrollment_id, member_id=self.member_id)
        if self.pk:
            earlier = earlier.exclude(pk=self.pk)
        first = earlier.order_by("designated_on").values_list("designated_on", flat=True).first()
        return min(first, self.designated_on) if first else self.designated_on

    def compute_valid_until(self) -> date:
        """ "直系亲属：不超过3年" from the first designation, whatever re-designations follow; an
        edition without that limit (2020 三档/四档) follows the insured's period."""
        end = self.enrollment.service_end
        years = self.enrollment.edition.family_max_years
        if years is None:
            return end
        return min(periods.years_span(self.first_designated_on(), years), end)

    def is_active(self, on: date) -> bool:
        if self.ended_on is not None and on >= self.ended_on:
            return False
        return self.designated_on <= on <= self.valid_until

    @property
    def last_day(self) -> date:
        if self.ended_on is None:
            return self.valid_until
        return min(self.valid_until, self.ended_on - timedelta(days=1))
