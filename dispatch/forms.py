"""The coordinator board's bulk actions. The case page's actions use the workflow table's forms (cases.forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import Provider


def _active_providers():
    return Provider.objects.filter(active=True)


class BulkActionForm(forms.Form):
    REMIND = "remind"
    REDISPATCH = "redispatch"

    action = forms.ChoiceField(label=_("批量操作"), choices=[(REMIND, "催办服务商"), (REDISPATCH, "改派")])
    selected = forms.TypedMultipleChoiceField(label=_("案件"), coerce=int, choices=())
    provider = forms.ModelChoiceField(label=_("改派给"), queryset=_active_providers(), required=False)
    note = forms.CharField(label=_("改派原因"), max_length=500, required=False)

    def __init__(self, *args, case_ids: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is acceptable here: the service re-reads and re-checks every case under its lock.
        selected = self.fields["selected"]
        assert isinstance(selected, forms.TypedMultipleChoiceField)  # noqa: S101 — narrows the field's type
        selected.choices = [(pk, pk) for pk in case_ids or []]

    def clean(self):
        data = super().clean()
        if data.get("action") == self.REDISPATCH:
            if not data.get("provider"):
                self.add_error("provider", _("改派须选择服务商"))
            if not (data.get("note") or "").strip():
                self.add_error("note", _("改派须说明原因"))
        return data


class LookupForm(forms.Form):
    """A customer's full phone or ID number, sent by POST so that it never appears in a URL."""

    action = forms.CharField(widget=forms.HiddenInput, initial="lookup")
    identifier = forms.CharField(
        label=_("按手机号/身份证号查找"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("完整手机号或身份证号")}),
    )
