"""Tenancy and machine credentials, shared by every app."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Team(models.Model):
    """A recruiting agency's client or department. Jobs, accounts and keys belong to one."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("成员"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("团队")
        verbose_name_plural = pgettext_lazy("plural", "团队")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Team:
        team, _created = cls.objects.get_or_create(name=settings.DEFAULT_TEAM_NAME)
        return team


KEY_PREFIX_LEN = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """A bot credential: stored hashed, shown once, revocable, optionally expiring.

    The key is `hr_<prefix>.<secret>`; the prefix finds the row, the hash of the whole key proves it.
    Keys are random and long, so a fast hash is enough (no password stretching needed).
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("团队"))
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=KEY_PREFIX_LEN, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    manage = models.BooleanField(
        _("管理权限"), default=False, help_text=_("可注册岗位和账号；注册的账号自动绑定到此密钥")
    )
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = pgettext_lazy("plural", "接口密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (hr_{self.prefix}…)"

    def issue(self) -> str:
        """Give this (unsaved or saved) row a fresh key and return the plain text, to be shown once."""
        self.prefix = secrets.token_hex(KEY_PREFIX_LEN // 2)
        plain = f"hr_{self.prefix}.{secrets.token_urlsafe(32)}"
        self.key_hash = _digest(plain)
        return plain

    def matches(self, plain: str) -> bool:
        return hmac.compare_digest(self.key_hash, _digest(plain))

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @staticmethod
    def prefix_of(plain: str) -> str | None:
        if not plain.startswith("hr_") or "." not in plain:
            return None
        prefix = plain[3:].split(".", 1)[0]
        return prefix if len(prefix) == KEY_PREFIX_LEN else None


class AuditLog(models.Model):
    """Who saw or exported personal data, and other operator actions worth a record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("用户"))
    action = models.CharField(_("操作"), max_length=40)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象"), max_length=64)
    detail = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = pgettext_lazy("plural", "审计记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
