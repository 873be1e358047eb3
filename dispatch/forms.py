"""Forms of the coordinator board: dispatch, re-dispatch, bulk actions, and what a provider said by phone."""

from django import forms

from cases.models import DOCTOR_TITLES_FOR_EXPERT_SERVICES
from providers.models import Provider


def _active_providers():
    return Provider.objects.filter(active=True)


class DispatchForm(forms.Form):
    provider = forms.ModelChoiceField(label="服务商", queryset=_active_providers())
    note = forms.CharField(label="派单说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RedispatchForm(forms.Form):
    provider = forms.ModelChoiceField(label="改派给", queryset=_active_providers())
    note = forms.CharField(label="改派原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class BulkActionForm(forms.Form):
    REMIND = "remind"
    REDISPATCH = "redispatch"

    action = forms.ChoiceField(label="批量操作", choices=[(REMIND, "催办服务商"), (REDISPATCH, "改派")])
    selected = forms.TypedMultipleChoiceField(label="案件", coerce=int, choices=())
    provider = forms.ModelChoiceField(label="改派给", queryset=_active_providers(), required=False)
    note = forms.CharField(label="改派原因", max_length=500, required=False)

    def __init__(self, *args, case_ids: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is acceptable here: the service re-reads and re-checks every case under its lock.
        self.fields["selected"].choices = [(pk, pk) for pk in case_ids or []]

    def clean(self):
        data = super().clean()
        if data.get("action") == self.REDISPATCH:
            if not data.get("provider"):
                self.add_error("provider", "改派须选择服务商")
            if not (data.get("note") or "").strip():
                self.add_error("note", "改派须说明原因")
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(label="拒单原因", max_length=255)


class ArrangementForm(forms.Form):
    hospital = forms.CharField(label="医院", max_length=128)
    department = forms.CharField(label="科室", max_length=64)
    doctor = forms.CharField(label="医生", max_length=64)
    doctor_title = forms.ChoiceField(
        label="职称",
        choices=[(t, t) for t in (*DOCTOR_TITLES_FOR_EXPERT_SERVICES, "主治医师", "住院医师")],
        help_text="专家类服务须为副主任医师或主任医师",
    )
    arranged_at = forms.DateTimeField(
        label="就诊/入院时间",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    address = forms.CharField(label="地址", max_length=255)
