"""django-unfold's UI strings that no Simplified Chinese catalog translates.

Unfold ships no translations, so the console would show its own strings ("Welcome back to", "Filters",
pagination, the import/export pages, …) in English. `locale/zh_Hans/LC_MESSAGES/django.po` translates
exactly those unfold msgids that neither Django's own zh_Hans catalogs (`django/conf/locale` and the
installed `django.contrib` apps: admin, auth, …) nor django-import-export's translate, so ours never
shadows their wording. Other third-party catalogs are not a reference: where one of them happens to
translate an unfold msgid for its own screen (djangorestframework's "Filters" → 过滤器, django-celery-beat's
"Name" → 任务名), ours takes precedence (LOCALE_PATHS wins) with the console's wording.

After upgrading django-unfold:

    .venv/bin/python devtools/unfold_msgids.py
    (add the entries it prints to locale/zh_Hans/LC_MESSAGES/django.po, or fill in the ones the .po
    already holds empty or fuzzy, and translate them; keep placeholders and surrounding newlines)
    .venv/bin/python manage.py compilemessages -l zh_Hans -i ".venv"

It prints the missing entries as PO text (with unfold's source locations as comments) and exits 1 when
there are any, 0 when none. `--stale` lists the entries of our catalog that are no longer needed (unfold
dropped the msgid, or another catalog now translates it). `tests/test_i18n_zh.py` runs the same
extraction.

The msgids are extracted the way `makemessages` does it, over the installed package in place (nothing is
written into it): templates go through Django's `templatize` into a temporary directory, then GNU
xgettext reads them and the Python sources with makemessages' keywords.
"""

from __future__ import annotations

import ast
import gettext
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGE = "zh_Hans"
DOMAIN = "django"
# The keywords `makemessages` passes to xgettext for the "django" domain (Python's defaults: gettext,
# ngettext, _, … are on by default).
XGETTEXT_ARGS = [
    "--language=Python",
    "--from-code=UTF-8",
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
    "--no-wrap",
    "--output=-",
]
# Files `makemessages` reads for the "django" domain; everything but .py is a template.
EXTENSIONS = {".py", ".html", ".txt"}


@dataclass(frozen=True, order=True)
class Msgid:
    """One translatable string: its context (pgettext) and plural (ngettext) make it a different entry."""

    msgid: str
    context: str = ""
    plural: str = ""
    locations: tuple[str, ...] = field(default=(), compare=False, hash=False)
    flags: tuple[str, ...] = field(default=(), compare=False, hash=False)

    @property
    def catalog_key(self) -> str | tuple[str, int]:
        """The key of this entry in a compiled catalog (`GNUTranslations._catalog`)."""
        key = f"{self.context}\x04{self.msgid}" if self.context else self.msgid
        return (key, 0) if self.plural else key


def unfold_dir() -> Path:
    import unfold

    return Path(unfold.__file__).resolve().parent


def project_locale_dir() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR) / "locale"


# --- Extraction -----------------------------------------------------------------------------------------


def _sources(package: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.suffix in EXTENSIONS:
                yield path


def xgettext_available() -> bool:
    try:
        subprocess.run(["xgettext", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def extract(package: Path | None = None) -> list[Msgid]:
    """Every msgid of the "django" domain in `package` (default: the installed unfold), sorted."""
    from django.utils.translation import templatize

    package = package or unfold_dir()
    with tempfile.TemporaryDirectory(prefix="unfold-msgids-") as tmp:
        inputs: list[str] = []
        # Location comments name the file relative to the package, templates without the ".py" we add.
        renamed: dict[str, str] = {}
        for path in _sources(package):
            relative = path.relative_to(package).as_posix()
            if path.suffix == ".py":
                inputs.append(str(path))
                renamed[str(path)] = relative
                continue
            try:
                source = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # makemessages skips undecodable files the same way
            work = Path(tmp) / f"{relative}.py"
            work.parent.mkdir(parents=True, exist_ok=True)
            work.write_text(templatize(source, origin=relative), encoding="utf-8")
            inputs.append(str(work))
            renamed[str(work)] = relative
        files_from = Path(tmp) / "files.txt"
        files_from.write_text("\n".join(inputs), encoding="utf-8")
        result = subprocess.run(
            ["xgettext", "-d", DOMAIN, *XGETTEXT_ARGS, "--files-from", str(files_from)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"xgettext failed ({result.returncode}):\n{result.stderr}")
    entries = []
    for entry in parse_po(result.stdout):
        locations = tuple(_rename_location(loc, renamed) for loc in entry.locations)
        entries.append(Msgid(entry.msgid, entry.context, entry.plural, locations, entry.flags))
    return sorted(entries)


def _rename_location(location: str, renamed: dict[str, str]) -> str:
    path, _, line = location.rpartition(":")
    return f"{renamed.get(path, path)}:{line}" if path else location


# --- A small PO reader (xgettext output and our catalog) ----------------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    context: str = ""
    plural: str = ""
    msgstr: list[str] = field(default_factory=list)
    locations: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    @property
    def key(self) -> Msgid:
        return Msgid(self.msgid, self.context, self.plural)


def parse_po(text: str) -> list[PoEntry]:
    """The entries of a PO file, without the header and obsolete (`#~`) entries."""
    entries: list[PoEntry] = []
    current = PoEntry()
    target: tuple[str, int] | None = None  # which string a continuation line extends
    seen_msgid = False

    def flush() -> None:
        nonlocal current, seen_msgid, target
        if seen_msgid and current.msgid:
            entries.append(current)
        current, seen_msgid, target = PoEntry(), False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if seen_msgid:
                flush()
            if line.startswith("#:"):
                current.locations += tuple(line[2:].split())
            elif line.startswith("#,"):
                current.flags += tuple(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if target is None:
                raise ValueError(f"PO continuation line without a keyword: {raw!r}")
            _extend(current, target, _unquote(line))
            continue
        value = _unquote(rest)
        if keyword == "msgctxt":
            if seen_msgid:
                flush()
            current.context, target = value, ("context", 0)
        elif keyword == "msgid":
            if seen_msgid:
                flush()
            current.msgid, target, seen_msgid = value, ("msgid", 0), True
        elif keyword == "msgid_plural":
            current.plural, target = value, ("plural", 0)
        elif keyword == "msgstr":
            current.msgstr, target = [value], ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            index = int(keyword[7:-1])
            current.msgstr += [""] * (index + 1 - len(current.msgstr))
            current.msgstr[index], target = value, ("msgstr", index)
        else:
            raise ValueError(f"unexpected PO line: {raw!r}")
    flush()
    return entries


def _unquote(quoted: str) -> str:
    if not (len(quoted) >= 2 and quoted[0] == '"' and quoted[-1] == '"'):
        raise ValueError(f"not a PO string: {quoted!r}")
    # PO strings use C escapes (\n, \t, \", \\), which a Python string literal reads the same way.
    return ast.literal_eval(quoted)


def _extend(entry: PoEntry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] += value
    else:
        setattr(entry, name, getattr(entry, name) + value)


# --- Catalogs -----------------------------------------------------------------------------------------


def _mo_keys(path: Path) -> set:
    with path.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)._catalog  # the compiled entries themselves
    return {key for key, value in catalog.items() if key != "" and value}


def reference_catalogs() -> list[Path]:
    """The compiled zh_Hans catalogs whose wording ours must not shadow: Django's own (`django/conf` and
    each installed `django.contrib` app) and django-import-export's."""
    import django
    import import_export
    from django.apps import apps

    django_dir = Path(django.__file__).resolve().parent
    roots = [django_dir / "conf" / "locale"]
    roots += [
        Path(config.path) / "locale"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(django_dir)
    ]
    roots.append(Path(import_export.__file__).resolve().parent / "locale")
    paths = [root / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.mo" for root in roots]
    return [path for path in paths if path.is_file()]


def translated_elsewhere() -> set:
    """Catalog keys that Django's or django-import-export's zh_Hans catalogs translate."""
    keys: set = set()
    for path in reference_catalogs():
        keys |= _mo_keys(path)
    return keys


def our_po() -> Path:
    return project_locale_dir() / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"


def our_entries() -> list[PoEntry]:
    path = our_po()
    return parse_po(path.read_text(encoding="utf-8")) if path.is_file() else []


def missing(unfold_msgids: Iterable[Msgid] | None = None) -> list[Msgid]:
    """Unfold msgids that neither the reference catalogs nor ours (a non-empty, non-fuzzy msgstr) translate."""
    elsewhere = translated_elsewhere()
    ours = {e.key for e in our_entries() if e.msgstr and all(e.msgstr) and "fuzzy" not in e.flags}
    msgids = extract() if unfold_msgids is None else unfold_msgids
    return [m for m in msgids if m.catalog_key not in elsewhere and m not in ours]


def stale(unfold_msgids: Iterable[Msgid] | None = None) -> list[PoEntry]:
    """Entries of our catalog that unfold no longer uses or a reference catalog already translates."""
    elsewhere = translated_elsewhere()
    msgids = set(extract() if unfold_msgids is None else unfold_msgids)
    return [e for e in our_entries() if e.key not in msgids or e.key.catalog_key in elsewhere]


# --- Output -------------------------------------------------------------------------------------------


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{escaped}"'


def format_entry(msgid: Msgid) -> str:
    lines = [f"#: {location}" for location in msgid.locations]
    if msgid.flags:
        lines.append("#, " + ", ".join(msgid.flags))
    if msgid.context:
        lines.append(f"msgctxt {_quote(msgid.context)}")
    lines.append(f"msgid {_quote(msgid.msgid)}")
    if msgid.plural:
        lines.append(f"msgid_plural {_quote(msgid.plural)}")
        lines.append('msgstr[0] ""')
    else:
        lines.append('msgstr ""')
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not xgettext_available():
        print("xgettext (GNU gettext) is needed: apt-get install gettext", file=sys.stderr)
        return 2
    if argv == ["--stale"]:
        entries = stale()
        for entry in entries:
            print(format_entry(entry.key))
            print()
        print(f"# {len(entries)} stale entries in {our_po()}", file=sys.stderr)
        return 1 if entries else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    todo = missing()
    for msgid in todo:
        print(format_entry(msgid))
        print()
    print(f"# {len(todo)} unfold msgids without a zh_Hans translation", file=sys.stderr)
    return 1 if todo else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hunter_robot.settings")
    import django

    django.setup()
    sys.exit(main())
