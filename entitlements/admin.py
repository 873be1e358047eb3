from entitlements import catalog_admin  # noqa: F401  (registers the catalogue's admin pages)

# isort: split

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from audit.lookups import LookupLimited, identifier_lookup_take, mask_identifier
from audit.models import AuditAction
from audit.services import REVEAL_PERMISSION, audit_record, personal_data_reveal
from entitlements.eligibility import eligibility_explain
from entitlements.importers import enrollments_import, family_import
from entitlements.models import (
    Enrollment,
    FamilyDesignation,
    Person,
    Policy,
    QualifyingProduct,
    QuotaBucket,
    QuotaHold,
)
from entitlements.models.people import (
    PHONE_FORMAT_ERROR,
    id_number_disagreements,
    is_valid_id_number,
    phone_is_valid,
)
from entitlements.selectors import enrollments_for, entitlement_inquiry, person_cases_recent, person_find
from entitlements.services import enrollment_upsert
from entitlements.services.enrollments import qualifying_year_error


class InquiryForm(forms.Form):
    query = forms.CharField(label=_("身份证号 / 手机号 / 保单号"), max_length=32)
    on = forms.DateField(label=_("查询日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    KINDS = [
        ("enrollments", _("服务权益（import_enrollments 格式）")),
        ("family", _("指定直系亲属（import_family 格式）")),
    ]
    kind = forms.ChoiceField(label=_("文件类型"), choices=KINDS)
    file = forms.FileField(label=_("CSV 文件（UTF-8，含表头）"))


def _eligibility(person: Person, on) -> list[list[str]]:
    """达标条件, explained for each enrollment's edition (same order as the inquiry)."""
    return [
        eligibility_explain(person=e.insured, edition=e.edition, on=on).reasons
        for e in enrollments_for(beneficiary=person)
    ]


class DesignationInline(admin.TabularInline):
    model = FamilyDesignation
    extra = 0
    fields = ["member", "relation", "designated_on", "valid_until", "ended_on"]
    readonly_fields = ["member", "relation", "designated_on", "valid_until"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        # Designations are checked against the tier's cap: they come through the import page.
        return False


class PersonForm(forms.ModelForm):
    """Where people type a customer in: the phone's format, and the birth date and gender the ID
    number encodes (a birth date of 2030 beside an ID that says 1990 was kept), each beside its field."""

    class Meta:
        model = Person
        fields = ["name", "gender", "birth_date", "id_number", "phone", "address", "social_insurance"]

    def clean(self):
        data = super().clean()
        phone = (data.get("phone") or "").strip()
        if "phone" in self.fields and phone and not phone_is_valid(phone):
            self.add_error("phone", PHONE_FORMAT_ERROR)
        id_number = data.get("id_number") or self.instance.id_number or ""
        birth_date = data.get("birth_date") if "birth_date" in self.fields else None
        gender = data.get("gender") if "gender" in self.fields else ""
        for field, message in id_number_disagreements(
            id_number=id_number, birth_date=birth_date, gender=gender
        ).items():
            self.add_error(field, message)
        return data


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    change_list_template = "entitlements/person_change_list.html"
    # An age, not the birth date: beside a masked ID the birth date leaves a handful of candidates.
    list_display = ["name", "gender", "age", "masked_id", "masked_phone", "social_insurance"]
    search_fields = ["=id_number", "=phone", "name", "=policies__policy_no"]
    list_filter = ["gender", "social_insurance"]
    # On an existing person the full ID number and phone never appear in the page: they are shown
    # masked, and a role that needs them reveals them one at a time, each reveal audited.
    MASKED = ("id_number", "phone")
    change_form_template = "entitlements/person_change_form.html"

    def get_exclude(self, request, obj=None):
        return list(self.MASKED) if obj else []

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["created_at", "updated_at"]
        return ["masked_id", "masked_phone", "created_at", "updated_at"]

    def reveal_view(self, request, object_id):
        if request.method != "POST":
            raise PermissionDenied
        person = self.get_object(request, object_id)
        field = request.POST.get("field")
        if person is None or field not in self.MASKED:
            raise PermissionDenied
        value = personal_data_reveal(actor=request.user, obj=person, field=field, request=request)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{person.name} · 完整{Person._meta.get_field(field).verbose_name}",
            "opts": self.model._meta,
            "person": person,
            "value": value,
        }
        return TemplateResponse(request, "entitlements/person_reveal.html", context)

    @admin.display(description=_("年龄"))
    def age(self, obj: Person) -> int:
        today = timezone.localdate()
        born = obj.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        person = Person.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        extra = {"person_cases": person_cases_recent(person=person) if person else []}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        """A search is personal data sought: every one is audited (the term masked). A full ID number
        or phone confirms who a masked row is and would sit in the access log (this search is a
        GET): the list never answers one — the 权益查询 page (POST, limited) looks people up by it."""
        term = search_term.strip()
        if not term:
            return super().get_search_results(request, queryset, search_term)
        masked = mask_identifier(term)
        if is_valid_id_number(term) or (term.isdigit() and len(term) >= 7):
            audit_record(
                action=AuditAction.REVEAL_REFUSED,
                request=request,
                summary=f"客户列表不按完整身份证号/手机号搜索：{masked}",
                extra={"search": masked},
            )
            messages.warning(request, _("按身份证号、手机号或保单号查找客户，请使用「权益查询」。"))
            return queryset.none(), False
        audit_record(action="person_search", request=request, summary=f"搜索客户：{masked}", extra={"search": masked})
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) if change else ""
        audit_record(
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            request=request,
            summary=f"修改客户资料：{changed}" if change else "新增客户",
            extra={"fields": list(form.changed_data)},
        )

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj: Person) -> str:
        return obj.id_number_masked

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: Person) -> str:
        return obj.phone_masked

    def get_urls(self):
        extra = [
            path("inquiry/", self.admin_site.admin_view(self.inquiry_view), name="entitlements_inquiry"),
            path("import/", self.admin_site.admin_view(self.import_view), name="entitlements_import"),
            path(
                "<int:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="entitlements_person_reveal",
            ),
        ]
        return extra + super().get_urls()

    def inquiry_view(self, request):
        """权益查询 for intake agents: find a person, show what each beneficiary may still use."""
        if not request.user.has_perm("entitlements.view_person"):
            raise PermissionDenied
        # POST: the number searched for never travels in a URL (nor lands in the access log).
        form = InquiryForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "title": _("权益查询"),
            "form": form,
            "opts": self.model._meta,
        }
        if form.is_valid() and not request.user.has_perm(REVEAL_PERMISSION):
            # Whether a full ID number or phone belongs to a customer is itself personal data.
            masked = mask_identifier(form.cleaned_data["query"].strip())
            audit_record(action=AuditAction.REVEAL_REFUSED, request=request, summary=f"无权权益查询：{masked}")
            form.add_error("query", _("当前角色无权按身份证号、手机号或保单号查询客户"))
        if form.is_valid():
            try:
                identifier_lookup_take(user=request.user)
            except LookupLimited as exc:
                form.add_error("query", exc.message)
                response = TemplateResponse(
                    request, "entitlements/inquiry.html", context, status=503 if exc.unavailable else 429
                )
                response["Retry-After"] = str(exc.retry_after)
                return response
        if form.is_valid():
            on = form.cleaned_data["on"] or timezone.localdate()
            person = person_find(query=form.cleaned_data["query"])
            if person is None:
                masked = mask_identifier(form.cleaned_data["query"].strip())
                audit_record(action="person_search", request=request, summary=f"权益查询未找到：{masked}")
            context.update({"person": person, "on": on, "searched": True})
            if person is not None:
                # Personal data viewed: the audit trail keeps who looked at whom (DOMAIN.md, privacy).
                audit_record(action="entitlements.inquiry", obj=person, request=request, summary=f"权益查询 {on}")
                context["person_cases"] = person_cases_recent(person=person)
                inquiry = entitlement_inquiry(person=person, on=on)
                context["inquiry"] = inquiry
                context["rows"] = list(zip(inquiry["enrollments"], _eligibility(person, on), strict=True))
        return TemplateResponse(request, "entitlements/inquiry.html", context)

    def import_view(self, request):
        """The core-system feeds, uploaded by hand: the same importer as the commands."""
        if not request.user.has_perm("entitlements.add_enrollment"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入保单权益"),
            "form": form,
            "opts": self.model._meta,
        }
        if request.method == "POST" and form.is_valid():
            importer = enrollments_import if form.cleaned_data["kind"] == "enrollments" else family_import
            text = io.TextIOWrapper(form.cleaned_data["file"].file, encoding="utf-8-sig", newline="")
            try:
                report = importer(stream=text)
            except UnicodeDecodeError:
                form.add_error("file", _("文件不是 UTF-8 编码"))
            else:
                context["report"] = report
                level = messages.SUCCESS if report.ok else messages.WARNING
                self.message_user(request, report.summary(), level)
        return TemplateResponse(request, "entitlements/import.html", context)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = [
        "policy_no",
        "product_name",
        "category",
        "insured",
        "effective_date",
        "payment_term_years",
        "status",
    ]
    list_filter = ["category", "payment_mode", "status"]
    search_fields = ["=policy_no", "product_name", "=insured__id_number"]
    list_select_related = ["insured"]
    raw_id_fields = ["insured"]


class EnrollmentForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ["insured", "policy", "edition", "qualified_on", "upgraded"]

    def clean(self):
        """The service's own checks, on the form, so a mistake is shown next to its field."""
        data = super().clean()
        instance = self.instance
        for name in ("insured", "policy", "edition"):
            if name in data:
                setattr(instance, name, data[name])
        if instance.policy_id and instance.insured_id and instance.policy.insured_id != instance.insured_id:
            self.add_error("policy", _("达标保单的被保险人不是该客户"))
        elif instance.policy_id and instance.edition_id and data.get("qualified_on"):
            instance.qualified_on, instance.upgraded = data["qualified_on"], data.get("upgraded", False)
            period = instance.period()
            if period.start > period.end:
                self.add_error("qualified_on", _("服务期为空，请核对日期"))
            elif error := qualifying_year_error(edition=instance.edition, qualified_on=data["qualified_on"]):
                self.add_error("qualified_on", error)
        return data


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    form = EnrollmentForm
    list_display = ["insured", "edition", "policy", "qualified_on", "service_start", "service_end", "upgraded"]
    list_filter = ["edition__series", "edition"]
    search_fields = ["=insured__id_number", "=policy__policy_no", "insured__name"]
    list_select_related = ["insured", "edition", "policy"]
    raw_id_fields = ["insured", "policy"]
    readonly_fields = ["service_start", "service_end", "created_at", "updated_at"]
    inlines = [DesignationInline]

    def get_readonly_fields(self, request, obj=None):
        # The enrollment's identity is (insured, policy, edition): a change would be another enrollment.
        identity = ["insured", "policy", "edition"] if obj is not None else []
        return [*identity, *self.readonly_fields]

    def save_model(self, request, obj, form, change) -> None:
        saved = enrollment_upsert(
            insured=obj.insured, policy=obj.policy, edition=obj.edition,
            qualified_on=obj.qualified_on, upgraded=obj.upgraded,
        )  # fmt: skip
        obj.pk, obj.service_start, obj.service_end = saved.pk, saved.service_start, saved.service_end


@admin.register(FamilyDesignation)
class FamilyDesignationAdmin(admin.ModelAdmin):
    list_display = ["member", "relation", "enrollment", "designated_on", "valid_until", "ended_on"]
    list_filter = ["relation"]
    search_fields = ["=member__id_number", "=enrollment__insured__id_number"]
    list_select_related = ["member", "enrollment__edition", "enrollment__policy"]
    readonly_fields = ["enrollment", "member", "relation", "designated_on", "valid_until", "replaces"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(QualifyingProduct)
class QualifyingProductAdmin(SimpleHistoryAdmin):
    list_display = ["product_name", "category", "min_annual_premium", "min_sum_insured", "active"]
    list_filter = ["category", "active", "editions__series"]
    search_fields = ["product_name"]
    filter_horizontal = ["editions"]


class LedgerReadOnly(admin.ModelAdmin):
    """The ledger moves only through the quota services (hold, use, release): never by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuotaBucket)
class QuotaBucketAdmin(LedgerReadOnly):
    list_display = ["beneficiary", "service", "enrollment", "period_start", "period_end", "limit", "held", "used"]
    list_filter = ["service"]
    search_fields = ["=beneficiary__id_number"]
    list_select_related = ["beneficiary", "service", "enrollment__edition", "enrollment__policy"]


@admin.register(QuotaHold)
class QuotaHoldAdmin(LedgerReadOnly):
    list_display = ["reference", "beneficiary", "service", "status", "requested_on", "created_at", "used_at"]
    list_filter = ["status", "service"]
    search_fields = ["=reference", "=beneficiary__id_number"]
    list_select_related = ["beneficiary", "service"]
