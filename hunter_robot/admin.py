"""Admin for teams, API keys and the audit log, plus the mixins every admin uses: team scoping and
change-page buttons that run a service."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.filters import AllValuesFieldListFilter, FieldListFilter, RelatedFieldListFilter
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from hunter_robot.audit import ACCESS_ACTIONS, AuditAction, action_label
from hunter_robot.models import ApiKey, AuditLog, Team
from hunter_robot.services import api_key_revoke

# Team scoping in the console (CONTRACT §8): staff see other teams' names and ids nowhere. Rows are
# scoped by each admin's get_queryset; everything else that shows rows derives from those querysets:
# - list-filter sidebars (every admin, registered below for every relation / value filter),
# - relation pickers (`TeamScopedFormfields`), inlines (`TeamScopedInline`), autocomplete (Django
#   asks the target admin's get_queryset), the audit log (rows about objects the user may see),
# - users: staff see the users of their teams only; unregistered accounts: superusers only.


def user_team_ids(request) -> list[int]:
    return list(request.user.teams.values_list("pk", flat=True))


def visible_pks(admin_site, model, request):
    """The pks of `model` this user may see, as a subquery: its registered admin's queryset (None
    when the model has no admin, i.e. it is only ever shown inside a scoped parent)."""
    model_admin = admin_site._registry.get(model)
    if model_admin is None:
        return None
    return model_admin.get_queryset(request).values("pk")


class TeamScopedRelatedFilter(RelatedFieldListFilter):
    """A relation filter that offers staff only the related rows occurring in the rows they may see
    (their teams'), instead of the related table's every row; superusers get the full list."""

    def field_choices(self, field, request, model_admin):
        if request.user.is_superuser:
            return super().field_choices(field, request, model_admin)
        present = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        limit = Q(pk__in=present)
        own = visible_pks(model_admin.admin_site, self.field.related_model, request)
        if own is not None:
            limit &= Q(pk__in=own)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=limit, ordering=ordering)


class TeamScopedValuesFilter(AllValuesFieldListFilter):
    """A value filter (e.g. `job__name`) whose choices come from the rows the user may see; Django's
    own reads the related table's every row when the path crosses a relation."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        if not request.user.is_superuser:
            rows = model_admin.get_queryset(request).order_by(field_path)
            self.lookup_choices = rows.values_list(field_path, flat=True).distinct()


def _gets_all_values_filter(field) -> bool:
    # The fields Django would give AllValuesFieldListFilter (its registry's fallback).
    return not (field.remote_field or isinstance(field, (models.BooleanField, models.DateField)) or field.flatchoices)


# For every admin, including third-party ones (users, Celery beat) and admins written later.
FieldListFilter.register(lambda field: field.remote_field, TeamScopedRelatedFilter, take_priority=True)
FieldListFilter.register(_gets_all_values_filter, TeamScopedValuesFilter, take_priority=True)


def scoped_choices(db_field, request):
    """The choices a staff user may pick for a relation: only their teams' rows (and users)."""
    if request.user.is_superuser:
        return None
    teams = user_team_ids(request)
    model = db_field.remote_field.model
    if model is Team:
        return Team.objects.filter(pk__in=teams)
    if model is get_user_model():
        users = model.objects.filter(pk__in=model.objects.filter(teams__in=teams).values("pk"))
        # One person to take over (a staff user); a member list keeps its non-staff members.
        return users if db_field.many_to_many else users.filter(is_staff=True)
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


class TeamScopedInline(TeamScopedFormfields):
    """An inline shows a staff user only the rows its model's own admin would show them (e.g. a shared
    candidate's screening decisions: only their teams'). Put it before the inline base class."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        own = visible_pks(self.admin_site, self.model, request)
        return queryset if own is None else queryset.filter(pk__in=own)


class ObjectButtonsAdmin(ModelAdmin):
    """Buttons on a change page's toolbar that run one service on the object ("take over", "revoke").

    Each is its own small POST form (CSRF-protected, outside the change form, so neither Enter in a
    field nor the Save button can trigger it) to `<pk>/button/<name>/`, which opens only rows this
    user's `get_queryset` shows and needs the change permission. List the labels in
    `object_button_labels`; `object_buttons(request, obj)` says which apply now and
    `object_button_run(request, obj, name)` calls the service and returns the message to show.
    """

    change_form_template = "admin/object_buttons_change_form.html"
    object_button_labels: dict[str, str] = {}

    def object_buttons(self, request, obj) -> list[str]:
        return list(self.object_button_labels)

    def object_button_run(self, request, obj, name: str) -> str:
        raise NotImplementedError

    def _button_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_button"

    def get_urls(self):
        view = self.admin_site.admin_view(self.object_button_view)
        return [path("<path:object_id>/button/<slug:name>/", view, name=self._button_url_name()), *super().get_urls()]

    def object_button_view(self, request, object_id: str, name: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None or name not in self.object_button_labels:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        self.message_user(request, self.object_button_run(request, obj, name), messages.SUCCESS)
        change = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        return HttpResponseRedirect(change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        buttons = []
        if obj is not None and obj.pk is not None and self.has_change_permission(request, obj):
            url_name = f"admin:{self._button_url_name()}"
            buttons = [
                {"url": reverse(url_name, args=[obj.pk, name]), "label": self.object_button_labels[name]}
                for name in self.object_buttons(request, obj)
            ]
        context["object_buttons"] = buttons
        return super().render_change_form(request, context, add, change, form_url, obj)


class PauseResumeAdmin(ModelAdmin):
    """An account that can be paused (`active`): the list's pause/resume actions and ticking 启用 on its
    page both go through its audited services (`pause_service` / `resume_service`, called with
    `account=` and `user=`, returning whether they changed anything)."""

    pause_service: Callable[..., bool]
    resume_service: Callable[..., bool]
    actions = ["pause", "resume"]

    def save_model(self, request, obj, form, change):
        """Ticking or unticking 启用 on an existing account is a pause or resume: the service writes
        it (locked, audited); the form saves the other fields with the stored value left as it was."""
        if not change or "active" not in form.changed_data:
            return super().save_model(request, obj, form, change)
        wanted = obj.active
        obj.active = form.initial["active"]
        super().save_model(request, obj, form, change)
        (self.resume_service if wanted else self.pause_service)(account=obj, user=request.user)

    @admin.action(description=_("暂停所选账号"), permissions=["change"])
    def pause(self, request, queryset):
        paused = sum(self.pause_service(account=account, user=request.user) for account in queryset)
        self.message_user(request, _("已暂停 %(n)d 个账号") % {"n": paused}, messages.SUCCESS)

    @admin.action(description=_("恢复所选账号"), permissions=["change"])
    def resume(self, request, queryset):
        resumed = sum(self.resume_service(account=account, user=request.user) for account in queryset)
        self.message_user(request, _("已恢复 %(n)d 个账号") % {"n": resumed}, messages.SUCCESS)


class ReadOnlyAdmin(ModelAdmin):
    """A record written only by the system (audit rows, the bot's tasks): read, never added, edited or
    deleted in the console."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TeamScopedAdmin(TeamScopedFormfields, ModelAdmin):
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
class TeamAdmin(TeamScopedFormfields, ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk__in=user_team_ids(request))


@admin.register(ApiKey)
class ApiKeyAdmin(ObjectButtonsAdmin, TeamScopedAdmin):
    list_display = ("name", "team", "prefix", "manage", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("manage", "team")
    # Revocation is final and audited: the button or the list action, never a date typed in the form.
    readonly_fields = ("prefix", "revoked_at", "last_used_at", "created_at")
    fields = ("team", "name", "manage", "expires_at", "revoked_at", "prefix", "last_used_at", "created_at")
    actions = ["revoke"]
    object_button_labels = {"revoke": _("吊销此密钥")}

    def object_buttons(self, request, obj) -> list[str]:
        return ["revoke"] if obj.revoked_at is None else []

    def object_button_run(self, request, obj, name: str) -> str:
        api_key_revoke(key=obj, user=request.user)
        return _("密钥已吊销")

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
        revoked = sum(api_key_revoke(key=key, user=request.user) for key in queryset.filter(revoked_at__isnull=True))
        self.message_user(request, _("已吊销 %(n)d 个密钥") % {"n": revoked}, messages.SUCCESS)


class AuditKindFilter(admin.SimpleListFilter):
    """The record's kind (`AuditLog.action`, labelled from `hunter_robot.audit`): every access record at
    once, or one kind. Offers only the kinds occurring in the rows this user may see."""

    title = _("类型")
    parameter_name = "kind"
    ACCESS = "access"

    def lookups(self, request, model_admin):
        present = set(model_admin.get_queryset(request).order_by().values_list("action", flat=True).distinct())
        known = [action for action in AuditAction.values if action in present]
        others = sorted(present - set(known))
        return [
            (self.ACCESS, _("个人数据访问（全部）")),
            *((action, action_label(action)) for action in known + others),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ACCESS:
            return queryset.filter(action__in=ACCESS_ACTIONS)
        return queryset.filter(action=value) if value else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "kind", "object_type", "object_id", "detail")
    list_select_related = ("user",)  # nullable, so Django's automatic select_related skips it
    # By user (their teams' users only, like every relation filter), kind and date (drill-down by
    # year, month and day above the list, or the last days in the sidebar).
    list_filter = (AuditKindFilter, "user", "created_at", "object_type")
    date_hierarchy = "created_at"
    search_fields = ("object_id", "detail")

    @admin.display(description=_("类型"), ordering="action")
    def kind(self, record: AuditLog) -> str:
        return action_label(record.action)

    def get_queryset(self, request):
        """Staff see the records about objects they may see: `object_type` is the model name of an
        admin-registered model and `object_id` one of the rows that admin shows them. Records of any
        other kind are for superusers."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        admins = {model._meta.model_name: model_admin for model, model_admin in self.admin_site._registry.items()}
        visible = Q(pk__in=[])
        for object_type in AuditLog.objects.order_by().values_list("object_type", flat=True).distinct():
            model_admin = admins.get(object_type)
            if model_admin is None or model_admin is self:
                continue
            ids = model_admin.get_queryset(request).annotate(audit_id=Cast("pk", models.CharField()))
            visible |= Q(object_type=object_type, object_id__in=ids.values("audit_id"))
        return queryset.filter(visible)


def reskin(model, base_admin) -> None:
    """Register a third-party model's admin again on the console's skin (django-unfold's ModelAdmin
    after the package's own class), keeping everything the package's admin does."""
    admin.site.unregister(model)
    admin.site.register(model, type(base_admin.__name__, (base_admin, ModelAdmin), {}))


def permission_label(permission: Permission) -> str:
    """A permission as the console's language says it. Django stores a model permission's name once, from
    the untranslated verbose name ("Can add 岗位"), and a custom one as written (our msgids): the model's
    name and custom names are translated when shown."""
    model = permission.content_type.model_class()
    name = permission.name
    if model is not None:
        raw = str(model._meta.verbose_name_raw)
        if name.startswith("Can ") and name.endswith(f" {raw}"):
            name = f"{name[: -len(raw)]}{model._meta.verbose_name}"
        else:
            name = gettext(name)
    return f"{permission.content_type} | {name}"


class PermissionLabels:
    """Permission pickers (a group's, a user's) labelled by `permission_label`."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.remote_field.model is Permission:
            field.label_from_instance = permission_label
        return field


class ConsoleGroupAdmin(PermissionLabels, GroupAdmin):
    pass


for schedule_model in (PeriodicTask, IntervalSchedule, CrontabSchedule, ClockedSchedule, SolarSchedule):
    reskin(schedule_model, type(admin.site._registry[schedule_model]))
reskin(Group, ConsoleGroupAdmin)

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class TeamScopedUserAdmin(PermissionLabels, DjangoUserAdmin, ModelAdmin):
    """Staff see and pick only the users of their teams (and themselves); a user they add joins their
    teams. Only a superuser can make or edit a superuser (incl. its password), who sees every team."""

    # The skin's forms for the user pages (same fields and validation as Django's).
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        members = User.objects.filter(teams__in=user_team_ids(request)).values("pk")
        return queryset.filter(Q(pk__in=members) | Q(pk=request.user.pk))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "is_superuser")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            obj.teams.add(*user_team_ids(request))
