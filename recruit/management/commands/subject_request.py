"""`manage.py subject_request export|erase`: a candidate data request for operators (CONTRACT §8), the
console's 导出个人数据 / 删除个人数据 for a person named by identifiers instead of a candidate page.

    manage.py subject_request export --platform=Boss --platform-id=100000001 --out=person.zip
    manage.py subject_request erase --phone=13800138000 --email=a@example.com --do-not-contact --yes

The person is matched across every team and platform by any identifier given, transitively
(`recruit.services.subject`). Erasure without `--yes` only prints what it would remove. Every run that
exports or erases writes an audit row (the operator's login, the person's keyed hash, the counts).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from hunter_robot.errors import DomainError
from recruit.services import subject as subject_service


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


class Command(BaseCommand):
    help = (
        "Export (one zip: manifest.json and the CV files) or erase everything stored about one person, "
        "matched on every platform and team by platform id, phone, WeChat id or e-mail. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("export", "erase"))
        parser.add_argument("--platform", default="", help="Boss, maimai, Linkedin or liepin (with --platform-id)")
        parser.add_argument("--platform-id", default="", help="the candidate's id on that platform")
        parser.add_argument("--phone", action="append", default=[], help="a phone number they gave (repeatable)")
        parser.add_argument("--wechat", action="append", default=[], help="a WeChat id they gave (repeatable)")
        parser.add_argument("--email", action="append", default=[], help="an e-mail address they gave (repeatable)")
        parser.add_argument("--out", help="export: the zip to write (default: subject-<time>.zip)")
        parser.add_argument(
            "--do-not-contact", action="store_true", help="erase: keep the keyed-hash do-not-contact entries"
        )
        parser.add_argument("--yes", action="store_true", help="erase: really erase (without it, only show counts)")

    def handle(self, *args, **options):
        via = f"command:{_login()}"
        try:
            identifiers = subject_service.Identifiers.parse(
                platform=options["platform"],
                platform_id=options["platform_id"],
                phones=options["phone"],
                wechat_ids=options["wechat"],
                emails=options["email"],
            )
            subject = subject_service.subject_find(identifiers)
            if options["action"] == "export":
                self._export(subject, Path(options["out"] or f"subject-{timezone.localtime():%Y%m%d-%H%M%S}.zip"), via)
            else:
                self._erase(subject, identifiers, options, via)
        except DomainError as exc:
            raise CommandError(exc.msg) from exc

    def _export(self, subject, output: Path, via: str) -> None:
        # The zip holds personal data: readable by the operator only, and no half-written file left behind.
        partial = output.with_name(output.name + ".part")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                counts = subject_service.subject_export(subject, out=out, via=via)
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stderr.write(_("注意：导出文件包含此人的完整个人数据，请妥善保管"))
        self._counts(counts)
        self.stdout.write(_("已导出 %(rows)d 条记录 → %(path)s") % {"rows": sum(counts.values()), "path": output})

    def _erase(self, subject, identifiers, options, via: str) -> None:
        if not options["yes"]:
            self._counts(subject_service.subject_counts(subject))
            self.stdout.write(_("文件：%(n)d") % {"n": len(subject_service.subject_files(subject))})
            raise CommandError(_("未删除任何数据：确认删除请加 --yes"))
        result = subject_service.subject_erase(
            identifiers=identifiers, do_not_contact=options["do_not_contact"], via=via
        )
        self._counts(result.counts)
        self.stdout.write(
            _("已删除此人的个人数据：%(rows)d 条记录，%(files)d 个文件；勿扰记录：%(dnc)s")
            % {
                "rows": sum(result.counts.values()),
                "files": result.files,
                "dnc": _("已保留（仅加密哈希）") if result.do_not_contact else _("无"),
            }
        )

    def _counts(self, counts: dict[str, int]) -> None:
        for label, n in counts.items():
            self.stdout.write(f"  {apps.get_model(label)._meta.verbose_name_plural}: {n}")
