"""Reads for the console's home (the funnel dashboard): SQL aggregates over the stored milestones, a fixed
handful of statements whatever the data size, scoped to teams.

The funnel is by cohort: the greetings of each local day (`Greeting.day`, fixed when the bot reported
it), and for each stage how many of the conversations they opened reached it, whenever that happened:
replied (`first_reply_at`), contact obtained (phone, WeChat id, e-mail or CV), WeChat added (a WeChat
friend accepted the request) and interview agreed. A conversation the candidate started without a
greeting is in no cohort. `teams` is None for all teams (superusers), else the team ids to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from recruit.models import Conversation, Greeting, RecruitAccount

# (key, label): the funnel's stages in order.
STAGES: tuple[tuple[str, str], ...] = (
    ("greeted", _("打招呼")),
    ("replied", _("回复")),
    ("contact", _("获得联系方式")),
    ("wechat_added", _("添加微信")),
    ("interview", _("约定面试")),
)
STAGE_KEYS = tuple(key for key, _label in STAGES)


@dataclass(frozen=True)
class Scope:
    """What to count: `teams` the user may read (None: all), and the filters chosen on the page."""

    teams: list[int] | None = None
    job_id: int | None = None
    account_id: int | None = None
    team_id: int | None = None

    def filter(self, rows):
        """Rows with a `job` and an `account` (greetings, conversations) narrowed to this scope."""
        if self.teams is not None:
            rows = rows.filter(job__team_id__in=self.teams)
        if self.team_id is not None:
            rows = rows.filter(job__team_id=self.team_id)
        if self.job_id is not None:
            rows = rows.filter(job_id=self.job_id)
        if self.account_id is not None:
            rows = rows.filter(account_id=self.account_id)
        return rows


@dataclass
class FunnelRow:
    day: date | None  # None for the total
    counts: dict[str, int] = field(default_factory=dict)

    def rate(self, key: str) -> float | None:
        """`key`'s count as a share of the previous stage's (None when that is 0)."""
        index = STAGE_KEYS.index(key)
        if index == 0:
            return None
        previous = self.counts[STAGE_KEYS[index - 1]]
        return self.counts[key] / previous if previous else None

    def overall(self, key: str) -> float | None:
        """`key`'s count as a share of the greeted."""
        greeted = self.counts["greeted"]
        return self.counts[key] / greeted if greeted else None


def funnel(scope: Scope, start: date, end: date) -> tuple[list[FunnelRow], FunnelRow]:
    """The cohorts of local days `start`..`end` (both included; days without greetings left out), and
    their total. One statement: the greetings joined to the conversation each opened (same account, job
    and candidate) and its WeChat friends."""
    # A greeting's conversation: no foreign key between them, so a filtered join through the candidate.
    conversation = FilteredRelation(
        "candidate__conversations",
        condition=Q(candidate__conversations__account=F("account"), candidate__conversations__job=F("job")),
    )
    contact = (
        Q(conversation__phone_at__isnull=False)
        | Q(conversation__wechat_at__isnull=False)
        | Q(conversation__email_at__isnull=False)
        | Q(conversation__cv_at__isnull=False)
    )
    conditions = {
        "replied": Q(conversation__first_reply_at__isnull=False),
        "contact": contact,
        "wechat_added": Q(conversation__wechat_friends__accepted_at__isnull=False),
        "interview": Q(conversation__wechat_friends__interview_at__isnull=False),
    }
    # DISTINCT: a conversation with several WeChat friends joins once per friend.
    rows = (
        scope.filter(Greeting.objects.all())
        .filter(day__gte=start, day__lte=end)
        .annotate(conversation=conversation)
        .order_by()
        .values("day")
        .annotate(
            greeted=Count("pk", distinct=True),
            **{key: Count("pk", distinct=True, filter=condition) for key, condition in conditions.items()},
        )
        .order_by("day")
    )
    days = [FunnelRow(day=row.pop("day"), counts={key: row[key] for key in STAGE_KEYS}) for row in rows]
    total = FunnelRow(day=None, counts={key: sum(row.counts[key] for row in days) for key in STAGE_KEYS})
    return days, total


@dataclass(frozen=True)
class QuotaUse:
    account: RecruitAccount
    greeted: int
    hello_sum: int

    @property
    def share(self) -> float | None:
        return self.greeted / self.hello_sum if self.hello_sum else None


def quota_today(scope: Scope, today: date) -> list[QuotaUse]:
    """Per recruiting account: greeted on local day `today` / its helloSum (the daily tasks in effect:
    listed, switched on, on active jobs). One statement; accounts with neither are left out."""
    accounts = RecruitAccount.objects.all()
    tasks = Q(account_jobs__linked=True, account_jobs__active=True, account_jobs__job__active=True)
    greetings = Greeting.objects.filter(account=OuterRef("pk"), day=today)
    if scope.teams is not None:
        accounts = accounts.filter(team_id__in=scope.teams)
    if scope.team_id is not None:
        accounts = accounts.filter(team_id=scope.team_id)
    if scope.account_id is not None:
        accounts = accounts.filter(pk=scope.account_id)
    if scope.job_id is not None:
        tasks &= Q(account_jobs__job_id=scope.job_id)
        greetings = greetings.filter(job_id=scope.job_id)
    greeted = greetings.order_by().values("account").annotate(n=Count("pk")).values("n")
    rows = (
        accounts.annotate(
            hello_sum=Coalesce(Sum("account_jobs__hello_sum", filter=tasks), 0),
            greeted=Coalesce(Subquery(greeted, output_field=IntegerField()), 0),
        )
        .filter(Q(hello_sum__gt=0) | Q(greeted__gt=0))
        .order_by("platform", "platform_id")
    )
    return [QuotaUse(account=row, greeted=row.greeted, hello_sum=row.hello_sum) for row in rows]


def waiting_for_human(scope: Scope, *, limit: int = 20) -> tuple[list[Conversation], int]:
    """The conversations flagged "needs a human", most recent message first: up to `limit`, and how
    many there are. Two statements."""
    rows = scope.filter(Conversation.objects.filter(needs_human=True))
    shown = list(
        rows.select_related("candidate", "job", "account")
        .defer("candidate__profile")
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")[:limit]
    )
    return shown, rows.count()
