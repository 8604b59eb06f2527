"""Admin for teams, API keys and the audit log, plus the team-scoping mixin every admin uses."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from hunter_robot.models import ApiKey, AuditLog, Team


def user_team_ids(request) -> list[int]:
    return list(request.user.teams.values_list("pk", flat=True))


def scoped_choices(db_field, request):
    """The choices a staff user may pick for a relation: only their teams' rows (and users)."""
    if request.user.is_superuser:
        return None
    teams = user_team_ids(request)
    model = db_field.remote_field.model
    if model is Team:
        return Team.objects.filter(pk__in=teams)
    if model is get_user_model():
        return model.objects.filter(is_staff=True, teams__in=teams).distinct()
    if any(field.name == "team" for field in model._meta.get_fields()):
        return model.objects.filter(team__in=teams)
    return None


class TeamScopedFormfields:
    """Relation pickers offer a staff user only their teams' rows, so nothing of another team can
    be seen in a dropdown or linked by posting its id."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(db_field, request)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = scoped_choices(db_field, request)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TeamScopedAdmin(TeamScopedFormfields, admin.ModelAdmin):
    """Staff see and edit only their teams' rows; superusers see all (CONTRACT §8).

    `team_path` is the lookup from the model to its team.
    """

    team_path = "team"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.team_path}__in": user_team_ids(request)})


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk__in=user_team_ids(request))


@admin.register(ApiKey)
class ApiKeyAdmin(TeamScopedAdmin):
    list_display = ("name", "team", "prefix", "manage", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("manage", "team")
    readonly_fields = ("prefix", "last_used_at", "created_at")
    fields = ("team", "name", "manage", "expires_at", "revoked_at", "prefix", "last_used_at", "created_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        plain = obj.issue() if not change else None
        super().save_model(request, obj, form, change)
        if plain:
            self.message_user(
                request,
                _("新密钥（只显示这一次，请立即保存）：%(key)s") % {"key": plain},
                level=messages.WARNING,
            )

    @admin.action(description=_("吊销所选密钥"), permissions=["change"])
    def revoke(self, request, queryset):
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "action", "object_type", "object_id", "detail")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
