"""QuickSelect writes the <select> Django's Select would: the same options, labels, escaping,
selected option and attributes — only without a template per option."""

from html.parser import HTMLParser

import pytest
from django import forms

from config.widgets import QuickSelect


class _Parsed(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, tuple]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(attrs, key=lambda pair: pair[0]))))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def parsed(html: str) -> tuple[list, list]:
    parser = _Parsed()
    parser.feed(str(html))
    return parser.tags, parser.text


CHOICES = [("", "全部"), ("上海市", "上海市"), ("a&b", "<b>A & B</b>"), (3, "三"), ("3", "重复的三")]


@pytest.mark.parametrize("value", [None, "", "上海市", "a&b", 3, "3", "不在列表里"])
def test_quick_select_writes_what_djangos_select_writes(value):
    attrs = {"id": "id_city", "class": "narrow", "required": True, "disabled": False}
    ours = QuickSelect(choices=CHOICES).render("city", value, attrs)
    theirs = forms.Select(choices=CHOICES).render("city", value, attrs)
    assert parsed(ours) == parsed(theirs)


def test_quick_select_marks_only_the_first_matching_option_selected():
    html = QuickSelect(choices=CHOICES).render("city", "3", {})
    assert html.count(" selected") == 1 and '<option value="3" selected>三</option>' in html


def test_option_groups_fall_back_to_djangos_templates():
    grouped = [("华东", [("上海市", "上海市"), ("杭州市", "杭州市")]), ("", "全部")]
    ours = QuickSelect(choices=grouped).render("city", "杭州市", {})
    assert "<optgroup" in ours and parsed(ours) == parsed(forms.Select(choices=grouped).render("city", "杭州市", {}))


@pytest.mark.django_db
def test_a_model_select_reads_its_choices_in_one_query(django_assert_num_queries):
    from entitlements.models import Service

    field = forms.ModelChoiceField(queryset=Service.objects.order_by("id"), widget=QuickSelect, empty_label="全部")
    with django_assert_num_queries(1):
        html = field.widget.render("service", None, {})
    assert html.count("<option") == Service.objects.count() + 1
