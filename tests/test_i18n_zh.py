"""Chinese by default, every label translated: django-unfold's own UI strings in Simplified Chinese.

Unfold ships no translations. `locale/zh_Hans/LC_MESSAGES/django.po` (and its compiled `.mo`) translates
the unfold msgids that neither Django's zh_Hans catalogs nor django-import-export's translate, and no
others (ours must not shadow their wording; our own code's msgids are Chinese already).

- every msgid in the installed unfold package (extracted at test time with xgettext, by
  `devtools/unfold_msgids.py`) comes out of `gettext` in Chinese under zh-hans;
- our catalog holds only such missing unfold msgids, keeps their placeholders, and its `.mo` is
  compiled from the `.po`;
- the login page and the job list as a superuser show unfold's strings in Chinese, not English.

After upgrading unfold: `.venv/bin/python devtools/unfold_msgids.py`, translate what it prints into the
`.po`, then `.venv/bin/python manage.py compilemessages -l zh_Hans -i ".venv"`.
"""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from devtools import unfold_msgids
from devtools.unfold_msgids import Msgid
from tests.conftest import need_service
from tests.factories import JobFactory

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Placeholders a translation must keep: %(name)s, %s, %d, {}, {0}, {name}.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{[^{}]*\}")
# Unfold msgids whose Chinese is the msgid itself: placeholders only, nothing to translate.
SAME_IN_CHINESE = {"%(class_name)s %(instance)s"}


def _has(program: str) -> bool:
    try:
        subprocess.run([program, "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def need_gettext_tools() -> None:
    need_service(_has("xgettext") and _has("msgfmt"), "needs GNU gettext (xgettext, msgfmt): apt-get install gettext")


@pytest.fixture(scope="module")
def unfold_entries() -> list[Msgid]:
    need_gettext_tools()
    return unfold_msgids.extract()


def translate(msgid: Msgid) -> list[tuple[str, str]]:
    """(source, Chinese) pairs: the singular and, for a plural entry, the plural form."""
    with translation.override("zh-hans"):
        if not msgid.plural:
            text = (
                translation.pgettext(msgid.context, msgid.msgid) if msgid.context else translation.gettext(msgid.msgid)
            )
            return [(msgid.msgid, text)]
        pairs = []
        for n, source in ((1, msgid.msgid), (2, msgid.plural)):
            if msgid.context:
                text = translation.npgettext(msgid.context, msgid.msgid, msgid.plural, n)
            else:
                text = translation.ngettext(msgid.msgid, msgid.plural, n)
            pairs.append((source, text))
        return pairs


# --- (a) every unfold msgid is translated -------------------------------------------------------------


def test_extraction_finds_unfold_strings(unfold_entries):
    # A broken extraction (no templates read, wrong keywords) would make the next test pass vacuously.
    found = {m.msgid for m in unfold_entries}
    assert {"Welcome back to", "Return to site", "Filters", "Search apps and models...", "Apply Filters"} <= found
    assert any(m.plural for m in unfold_entries)  # {% blocktranslate count %} in the import/export pages
    assert any(loc.startswith("contrib/import_export/") for m in unfold_entries for loc in m.locations)
    assert any(loc.startswith("contrib/filters/") for m in unfold_entries for loc in m.locations)
    assert any(loc.startswith("contrib/forms/") for m in unfold_entries for loc in m.locations)


def test_every_unfold_msgid_is_chinese(unfold_entries):
    untranslated = []
    for msgid in unfold_entries:
        for source, text in translate(msgid):
            if msgid.msgid in SAME_IN_CHINESE:
                continue
            if text == source or not HAN.search(text):
                untranslated.append(f"{source!r} -> {text!r} ({', '.join(msgid.locations[:2])})")
    assert not untranslated, "unfold strings without Chinese (run devtools/unfold_msgids.py):\n" + "\n".join(
        untranslated
    )


def test_same_in_chinese_lists_only_unfold_placeholder_strings(unfold_entries):
    # The exception list cannot hide a real English label: its entries are unfold's and hold no words.
    assert SAME_IN_CHINESE <= {m.msgid for m in unfold_entries}
    for text in SAME_IN_CHINESE:
        assert not re.search(r"[A-Za-z]", PLACEHOLDER.sub("", text)), text


def test_script_reports_nothing_missing_or_stale(unfold_entries):
    assert unfold_msgids.missing(unfold_entries) == []
    assert unfold_msgids.stale(unfold_entries) == []


def test_script_runs_from_the_command_line():
    need_gettext_tools()
    result = subprocess.run(
        [sys.executable, str(ROOT / "devtools" / "unfold_msgids.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "# 0 unfold msgids without a zh_Hans translation" in result.stderr


def test_missing_and_stale_compare_against_the_catalogs():
    welcome = Msgid("Welcome back to")  # ours
    save = Msgid("Save")  # Django admin's
    export = Msgid("Export")  # django-import-export's
    unknown = Msgid("A string no catalog has")
    assert unfold_msgids.missing([welcome, save, export, unknown]) == [unknown]
    # Context and plural make a different entry: Django's "Save" says nothing about these.
    with_context = Msgid("Save", context="unfold toolbar")
    plural = Msgid("%(n)s item", plural="%(n)s items")
    assert unfold_msgids.missing([with_context, plural]) == [with_context, plural]
    # Our entries unfold no longer has, or that Django now translates, are stale.
    stale = {entry.msgid for entry in unfold_msgids.stale([welcome, save])}
    assert "Welcome back to" not in stale
    assert {"Return to site", "Filters"} <= stale


def test_extract_reads_python_and_templates_like_makemessages(tmp_path):
    need_gettext_tools()
    package = tmp_path / "pkg"
    (package / "templates" / "pkg").mkdir(parents=True)
    (package / "forms.py").write_text(
        "from django.utils.translation import gettext_lazy as _, pgettext_lazy, ngettext\n"
        'A = _("Date from")\n'
        'B = pgettext_lazy("theme", "Light")\n'
        'C = ngettext("%(n)s row", "%(n)s rows", 2)\n',
        encoding="utf-8",
    )
    (package / "templates" / "pkg" / "page.html").write_text(
        '{% load i18n %}<h1>{% translate "Welcome back to" %}</h1>'
        "{% blocktranslate trimmed count n=rows %}\n  One row\n{% plural %}\n  {{ n }} rows\n{% endblocktranslate %}",
        encoding="utf-8",
    )
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "junk.txt").write_text('{% translate "Never read" %}', encoding="utf-8")
    entries = unfold_msgids.extract(package)
    assert set(entries) == {
        Msgid("Date from"),
        Msgid("Light", context="theme"),
        Msgid("%(n)s row", plural="%(n)s rows"),
        Msgid("Welcome back to"),
        Msgid("One row", plural="%(n)s rows"),
    }
    locations = {m.msgid: m.locations for m in entries}
    assert locations["Welcome back to"] == ("templates/pkg/page.html:1",)
    assert locations["Date from"] == ("forms.py:2",)


# --- our catalog ----------------------------------------------------------------------------------------


def test_our_catalog_holds_only_missing_unfold_msgids(unfold_entries):
    entries = unfold_msgids.our_entries()
    assert entries, f"{PO} is missing or empty"
    unfold = set(unfold_entries)
    reference = unfold_msgids.translated_elsewhere()
    problems = []
    for entry in entries:
        key = entry.key
        if HAN.search(entry.msgid + entry.plural):
            problems.append(f"{entry.msgid!r}: a Chinese msgid (our own strings need no zh_Hans entry)")
        if key not in unfold:
            problems.append(f"{entry.msgid!r}: not an unfold msgid")
        if key.catalog_key in reference:
            problems.append(f"{entry.msgid!r}: shadows Django's or django-import-export's translation")
        if "fuzzy" in entry.flags or not entry.msgstr or not all(entry.msgstr):
            problems.append(f"{entry.msgid!r}: untranslated or fuzzy")
        if len(entry.msgstr) != 1:  # zh_Hans has one plural form
            problems.append(f"{entry.msgid!r}: {len(entry.msgstr)} msgstr forms, zh_Hans has one")
        for text in entry.msgstr:
            if not HAN.search(text):
                problems.append(f"{entry.msgid!r}: {text!r} is not Chinese")
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid)):
                problems.append(f"{entry.msgid!r}: {text!r} changes the placeholders")
            if re.findall(r"<[^>]+>", text) != re.findall(r"<[^>]+>", entry.msgid):
                problems.append(f"{entry.msgid!r}: {text!r} changes the markup")
    assert not problems, "\n".join(problems)
    assert len({e.key for e in entries}) == len(entries), "duplicate entries"


def test_compiled_catalog_matches_the_po(tmp_path):
    need_gettext_tools()
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True, capture_output=True)
    with fresh.open("rb") as a, MO.open("rb") as b:
        expected, committed = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert committed._catalog == expected._catalog, (
        "locale/zh_Hans/LC_MESSAGES/django.mo is stale: run manage.py compilemessages -l zh_Hans"
    )
    assert committed.info()["plural-forms"] == "nplurals=1; plural=0;"


# --- (b) the pages ------------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """Text nodes and the attributes a person reads (title, placeholder, aria-label, alt), scripts aside."""

    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        self.texts += [" ".join(value.split()) for name, value in attrs if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible(response) -> list[str]:
    assert response.status_code == 200
    parser = VisibleText()
    parser.feed(response.content.decode())
    return parser.texts


def assert_chinese(texts: list[str], english: list[str], chinese: list[str]) -> None:
    shown = [word for word in english for text in texts if re.search(rf"\b{re.escape(word)}\b", text)]
    assert not shown, f"English unfold strings on the page: {shown}"
    absent = [word for word in chinese if not any(word in text for text in texts)]
    assert not absent, f"Chinese strings missing from the page: {absent}"


@pytest.fixture
def root(db):
    user = get_user_model().objects.create_superuser("i18n-root", "root@example.com", "unused-pw-1234")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_login_page_is_chinese():
    texts = visible(Client().get("/admin/login/"))
    assert_chinese(
        texts,
        english=["Welcome back to", "Return to site", "Light", "Dark", "System", "Log in", "Username", "Password"],
        chinese=["欢迎回到", "返回网站", "浅色", "深色", "跟随系统", "登录"],
    )


def test_job_list_is_chinese(root):
    JobFactory.create_batch(2)
    texts = visible(root.get("/admin/recruit/job/"))
    assert_chinese(
        texts,
        english=[
            "Filters",
            "Search",
            "Type to search",
            "Search apps and models",
            "Select all rows",
            "Select record",
            "Select action",
            "Run",
            "Light",
            "Dark",
            "Log out",
        ],
        chinese=["筛选", "搜索应用和模型…", "输入以搜索", "选择所有行", "选择记录", "选择操作", "执行", "深色"],
    )


def test_empty_job_list_is_chinese(root):
    JobFactory()
    texts = visible(root.get("/admin/recruit/job/", {"q": "nothing-matches-this"}))
    assert_chinese(
        texts,
        english=["No results found", "Reset filters", "This page yielded into no results", "Filters"],
        chinese=["未找到结果", "重置筛选", "此页没有结果"],
    )


def test_pages_show_no_unfold_msgid_in_english(unfold_entries, root):
    # Whatever unfold adds to these pages later: no text on them is one of its msgids left in English.
    english = {m.msgid.strip() for m in unfold_entries if m.msgid not in SAME_IN_CHINESE} | {
        m.plural.strip() for m in unfold_entries if m.plural
    }
    JobFactory()
    pages = {
        "login": visible(Client().get("/admin/login/")),
        "jobs": visible(root.get("/admin/recruit/job/")),
        "no jobs": visible(root.get("/admin/recruit/job/", {"q": "nothing-matches-this"})),
    }
    shown = {name: sorted(set(texts) & english) for name, texts in pages.items()}
    assert shown == {name: [] for name in pages}
