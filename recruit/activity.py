"""Bots at a glance: when the bot of each recruiting and WeChat account last called, and what it did today.

- `call_stamp` is the API edge's record of a call (any endpoint naming the account). The bot endpoints
  run thousands of times an hour, so it writes at most once per BOT_SEEN_RESOLUTION seconds: nothing at
  all (not even a read) while the loaded row's stamp is fresher, else one conditional UPDATE.
- `with_recruit_today` / `with_wechat_today` annotate a queryset of accounts with today's counts, each a
  correlated SQL aggregate: a page of accounts costs no statement per row (and none beyond the page's).
- `last_call_html`, `recruit_today_text`, `wechat_today_text`: what the console shows of them.

Today is the local day (TIME_ZONE, `recruit.quota.day_bounds`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recruit.models import Conversation, Greeting, Message, RecruitAccount, ScreeningDecision
from recruit.quota import day_bounds
from wechat.models import WechatAccount, WechatFriend, WechatTask

# --- The last call -----------------------------------------------------------------------------------


def call_stamp(account: RecruitAccount | WechatAccount, endpoint: str, *, now: datetime | None = None) -> bool:
    """Record that the account's bot called `endpoint` (a request path) now. Returns whether it wrote.

    No statement while the loaded `last_call_at` is younger than BOT_SEEN_RESOLUTION. Otherwise one
    `UPDATE … WHERE pk = … AND (last_call_at IS NULL OR last_call_at <= now - resolution)`: of several
    concurrent calls that all loaded a stale stamp, one writes and the others match no row (the
    condition is checked again on the row), never a read-modify-write. Runs in autocommit at the edge,
    before the endpoint's own transaction, so it holds the row lock for one statement only.
    """
    now = now or timezone.now()
    resolution = timedelta(seconds=settings.BOT_SEEN_RESOLUTION)
    seen = account.last_call_at
    if seen is not None and now - seen < resolution:
        return False
    endpoint = endpoint.strip("/")[:100]
    stale = Q(last_call_at__isnull=True) | Q(last_call_at__lte=now - resolution)
    written = type(account).objects.filter(stale, pk=account.pk).update(last_call_at=now, last_call_endpoint=endpoint)
    if written:
        account.last_call_at, account.last_call_endpoint = now, endpoint
    return bool(written)


NEVER, ACTIVE, SILENT = "never", "active", "silent"
_STATES = {
    NEVER: (gettext_lazy("从未调用"), "#9ca3af"),
    ACTIVE: (gettext_lazy("活跃"), "#16a34a"),
    SILENT: (gettext_lazy("静默"), "#dc2626"),
}


def call_state(last_call_at: datetime | None, now: datetime) -> str:
    """never (no call recorded), active (a call within BOT_SILENT_AFTER seconds) or silent."""
    if last_call_at is None:
        return NEVER
    return ACTIVE if now - last_call_at <= timedelta(seconds=settings.BOT_SILENT_AFTER) else SILENT


def _ago(then: datetime, now: datetime) -> str:
    if now - then < timedelta(minutes=1):
        return _("刚刚")
    return _("%(time)s前") % {"time": timesince(then, now, depth=1)}


def last_call_html(account: RecruitAccount | WechatAccount, *, now: datetime | None = None) -> str:
    """A coloured state and how long ago, e.g. "● 活跃 3 分钟前"; the exact time and endpoint on hover."""
    now = now or timezone.now()
    state = call_state(account.last_call_at, now)
    label, color = _STATES[state]
    if account.last_call_at is None:
        return format_html('<span class="bot-state bot-{}" style="color:{}">● {}</span>', state, color, label)
    exact = timezone.localtime(account.last_call_at).strftime("%Y-%m-%d %H:%M:%S")
    return format_html(
        '<span class="bot-state bot-{}" style="color:{}" title="{} {}">● {}</span> {}',
        state,
        color,
        exact,
        account.last_call_endpoint,
        label,
        _ago(account.last_call_at, now),
    )


# --- What it did today -----------------------------------------------------------------------------


def _per_account(rows: QuerySet, account_path: str, *, distinct: str | None = None) -> Coalesce:
    """How many of `rows` belong to the outer query's account (`account_path` leads to its pk), as a
    correlated aggregate; `distinct` counts distinct values of that field instead of rows."""
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    per_account = (
        rows.filter(**{account_path: OuterRef("pk")}).order_by().values(account_path).annotate(n=counted).values("n")
    )
    return Coalesce(Subquery(per_account, output_field=IntegerField()), Value(0))


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


CONTACT_MILESTONES = ("phone_at", "wechat_at", "email_at", "cv_at")


def with_recruit_today(queryset: QuerySet, day: date | None = None) -> QuerySet:
    """Recruiting accounts with what their bot did on local `day` (default today):

    - today_screened / today_touched: screening decisions (filter and preFilter), and those that said greet;
    - today_greeted: greetings reported (task/report);
    - today_answered: conversations the dialogue engine answered on the platform (robot replies; the
      greeting and recall lines are not answers);
    - today_contacts: conversations that obtained a contact today (a phone, WeChat id, e-mail or CV
      first reported, by candidate/result or found in the chat), as the funnel counts them.
    """
    day = day or timezone.localdate()
    start, end = day_bounds(day)
    decisions = ScreeningDecision.objects.filter(_within("created_at", start, end))
    replies = (
        Message.objects.filter(
            _within("created_at", start, end),
            channel=Message.Channel.PLATFORM,
            speaker=Message.Speaker.ROBOT,
            is_recall=False,
            # Every engine reply moves its conversation's last_robot_at (messages_append), so this only
            # narrows the scan to conversations active today instead of the account's every message.
            conversation__last_robot_at__gte=start,
        )
        .exclude(engine="")
        .exclude(engine="greeting")
    )
    contact = Q()
    for field in CONTACT_MILESTONES:
        contact |= _within(field, start, end)
    return queryset.annotate(
        today_screened=_per_account(decisions, "account"),
        today_touched=_per_account(decisions.filter(touch=True), "account"),
        today_greeted=_per_account(Greeting.objects.filter(day=day), "account"),
        today_answered=_per_account(replies, "conversation__account", distinct="conversation"),
        today_contacts=_per_account(Conversation.objects.filter(contact), "account"),
    )


def with_wechat_today(queryset: QuerySet, day: date | None = None) -> QuerySet:
    """WeChat accounts with what their bot did on local `day` (default today):

    - today_requested: friend requests the bot reported sent (addFriendReport, or proven by the
      candidate's first message);
    - today_sent: WeChat messages the bot reported delivered (msgSendReport: engine replies, nudges and
      sends, lines typed by hand), on the conversations of this account's friends;
    - today_failed: tasks failed today (their third lease ran out without a report).
    """
    day = day or timezone.localdate()
    start, end = day_bounds(day)
    sent = Message.objects.filter(
        _within("sent_at", start, end),
        channel=Message.Channel.WECHAT,
        speaker__in=(Message.Speaker.ROBOT, Message.Speaker.RECRUITER),
    )
    # A task fails when its last lease has run out (the lease-expiry task, or the account's next claim).
    failed = WechatTask.objects.filter(_within("lease_until", start, end), status=WechatTask.Status.FAILED)
    return queryset.annotate(
        today_requested=_per_account(
            WechatFriend.objects.filter(_within("requested_at", start, end)), "wechat_account"
        ),
        today_sent=_per_account(sent, "conversation__wechat_friends__wechat_account", distinct="pk"),
        today_failed=_per_account(failed, "wechat_account"),
    )


def _count(account, name: str) -> int:
    return getattr(account, name, None) or 0


def recruit_today_text(account: RecruitAccount) -> str:
    """One line from `with_recruit_today`'s counts."""
    return _(
        "筛选 %(screened)d（通过 %(touched)d）· 打招呼 %(greeted)d · 回复 %(answered)d · 联系方式 %(contacts)d"
    ) % {
        "screened": _count(account, "today_screened"),
        "touched": _count(account, "today_touched"),
        "greeted": _count(account, "today_greeted"),
        "answered": _count(account, "today_answered"),
        "contacts": _count(account, "today_contacts"),
    }


def wechat_today_text(account: WechatAccount) -> str:
    """One line from `with_wechat_today`'s counts."""
    return _("好友申请 %(requested)d · 发出消息 %(sent)d · 失败任务 %(failed)d") % {
        "requested": _count(account, "today_requested"),
        "sent": _count(account, "today_sent"),
        "failed": _count(account, "today_failed"),
    }
