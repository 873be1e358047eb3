"""English is available for the desk: Chinese stays the source of every word (the msgids), and the
English catalogue (locale/en) translates every one of them, compiled beside it."""

from __future__ import annotations

import gettext
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from cases.models import CaseState
from cases.workflow import ACTIONS

LOCALE = Path(settings.BASE_DIR) / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = EN_PO.with_suffix(".mo")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Chinese an English text may still quote: the notice's own wording and the import's keywords.
QUOTED = re.compile(r'"[^"]*"|holiday/休|workday/班|,春节')
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%s")


def po_entries(path: Path) -> list[dict]:
    """The catalogue's entries as {msgctxt, msgid, msgstr, flags} (the header left out)."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,"):
            entry = {"flags": line[2:], "msgctxt": None, "msgid": "", "msgstr": ""}
            entries.append(entry)
            continue
        match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
        if match:
            if match.group(1) in ("msgctxt", "msgid") and (entry is None or entry.get("_done")):
                entry = {"flags": "", "msgctxt": None, "msgid": "", "msgstr": ""}
                entries.append(entry)
            field = match.group(1).split("[")[0]
            entry[field] = (entry.get(field) or "") + _unquote(match.group(2))
            entry["_done"] = field == "msgstr"
        elif line.startswith('"') and entry is not None and field:
            entry[field] += _unquote(line)
    return [e for e in entries if e["msgid"]]


def _unquote(text: str) -> str:
    import json

    return json.loads(text)


def test_every_english_msgid_is_translated_and_none_is_fuzzy():
    entries = po_entries(EN_PO)
    assert len(entries) > 900
    untranslated = [e["msgid"] for e in entries if not e["msgstr"].strip()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    chinese = [e["msgstr"] for e in entries if HAN.search(QUOTED.sub("", e["msgstr"]))]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]
    assert not chinese, chinese[:20]


def test_every_english_translation_keeps_the_placeholders_of_its_msgid():
    wrong = [
        (e["msgid"], e["msgstr"])
        for e in po_entries(EN_PO)
        if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(e["msgstr"]))
    ]
    assert not wrong, wrong[:10]


def test_msgfmt_accepts_the_english_catalogue_and_the_compiled_file_matches_it(tmp_path):
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", str(compiled), str(EN_PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    with compiled.open("rb") as fresh, EN_MO.open("rb") as committed:
        # `manage.py compilemessages -l en` after editing the .po: the committed .mo says the same.
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "workdays" / "templates"]
TRANSLATED = re.compile(
    r"{% comment %}.*?{% endcomment %}|{% blocktranslate.*?{% endblocktranslate %}"
    r"|{% translate (\"[^\"]*\"|'[^']*')[^%]*%}|_\(\"[^\"]*\"\)",
    re.S,
)


@pytest.mark.parametrize("template", [p for d in TEMPLATE_DIRS for p in sorted(d.rglob("*.html"))], ids=str)
def test_no_chinese_word_in_a_template_is_left_out_of_the_catalogue(template):
    text = TRANSLATED.sub("", template.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if HAN.search(line)]
    assert not lines, lines


def test_labels_read_in_the_chosen_language_and_chinese_is_unchanged():
    with translation.override("en"):
        assert str(CaseState.SUBMITTED.label) == "Submitted"
        assert str(ACTIONS["reject"].label) == "Reject"
        assert str(CaseState.REJECTED.label) == "Rejected"
    with translation.override("zh-hans"):
        assert str(CaseState.SUBMITTED.label) == "已提交"
        assert str(ACTIONS["reject"].label) == "审核不通过"
        assert str(CaseState.REJECTED.label) == "审核不通过"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_list_rows_state_and_edition_read_as_get_foo_display_gives_them(language):
    """The lists' one-lookup labels (config.i18n.choice_label) say what Django's display method says,
    in either language, and pass a value that is not a choice through unchanged."""
    from cases.models import Case
    from config.i18n import choice_label
    from entitlements.models import Edition

    with translation.override(language):
        for state in CaseState:
            case = Case(state=state.value)
            assert case.state_label == case.get_state_display()
        for series in Edition.Series:
            edition = Edition(series=series.value, plan="专业版")
            assert choice_label(Edition.Series, edition.series) == edition.get_series_display()
            assert str(edition) == f"{edition.get_series_display()}专业版"
        assert choice_label(CaseState, "no-such-state") == "no-such-state"
        assert Case(state="").state_label == ""
