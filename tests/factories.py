"""factory_boy factories for every core model. Related rows are created on demand; pass the ones a
test cares about (a conversation's account and job, say) so they line up."""

from __future__ import annotations

import hashlib
from datetime import time, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from hunter_robot.models import ApiKey, AuditLog, Team
from recruit.models import (
    AccountJob,
    Candidate,
    ContactRecord,
    Conversation,
    DoNotContact,
    Greeting,
    Job,
    Message,
    Notification,
    RawCard,
    RecallStep,
    RecruitAccount,
    Reservation,
    RetentionRun,
    RubricScore,
    ScreeningDecision,
    TimeSlot,
    UnknownAccount,
)
from recruit.pii import identity_hash
from wechat.models import WechatAccount, WechatAccountLink, WechatFriend, WechatTask


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"team-{n}")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    team = factory.SubFactory(TeamFactory)
    platform = "Boss"
    platform_id = factory.Sequence(lambda n: f"j{n}")
    name = "客服专员"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecruitAccount

    team = factory.SubFactory(TeamFactory)
    platform = "Boss"
    platform_id = factory.Sequence(lambda n: f"a{n}")
    # A bot that has just called (stamped): the endpoints' pinned statement counts are for that case.
    last_call_at = factory.LazyFunction(timezone.now)


def link(account: RecruitAccount, job: Job, *, hello_sum=50, slots=((9, 0, 25), (16, 0, 25)), position=0, **kw):
    """Give `account` a daily task for `job` with the given slots."""
    account_job = AccountJob.objects.create(account=account, job=job, hello_sum=hello_sum, position=position, **kw)
    TimeSlot.objects.bulk_create(
        TimeSlot(account_job=account_job, time=time(h, m), mount=mount) for h, m, mount in slots
    )
    return account_job


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("hunter-test-pw")


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """`key.plain` holds the key text, as it is shown once when created."""

    class Meta:
        model = ApiKey

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"key-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        key = model_class(*args, **kwargs)
        key.plain = key.issue()
        key.save()
        return key


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditLog

    user = factory.SubFactory(UserFactory)
    action = "view_contact"
    object_type = "conversation"
    object_id = "1"


class RecallStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecallStep

    job = factory.SubFactory(JobFactory)
    position = factory.Sequence(int)
    after_hours = 24
    msg = "{name}您好，还在看机会吗？"


class AccountJobFactory(factory.django.DjangoModelFactory):
    """A daily task without slots; `link()` adds the default slots."""

    class Meta:
        model = AccountJob

    account = factory.SubFactory(AccountFactory)
    job = factory.SubFactory(JobFactory, team=factory.SelfAttribute("..account.team"))
    hello_sum = 50


class TimeSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeSlot

    account_job = factory.SubFactory(AccountJobFactory)
    time = time(9, 0)
    mount = 25


class UnknownAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnknownAccount

    account_id = factory.Sequence(lambda n: f"account_Boss_unknown{n}")
    hits = 1


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    platform = "Boss"
    platform_cid = factory.Sequence(lambda n: f"c{n}")
    name = factory.Sequence(lambda n: f"候选人{n}")


class RawCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RawCard

    platform = "Boss"
    payload = factory.Sequence(lambda n: {"geekCard": {"geekId": n}})
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(repr(o.payload).encode()).hexdigest())


class ScreeningDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningDecision

    account = factory.SubFactory(AccountFactory)
    job = factory.SubFactory(JobFactory, team=factory.SelfAttribute("..account.team"))
    candidate = factory.SubFactory(CandidateFactory)
    touch = False
    reasons = factory.LazyFunction(lambda: ["age: 36 > 35"])
    details = factory.LazyFunction(lambda: [{"criterion": "age", "passed": False, "value": 36, "expected": [18, 35]}])
    profile = factory.LazyFunction(lambda: {"age": 36, "degree": "本科"})


class ReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reservation

    account = factory.SubFactory(AccountFactory)
    job = factory.SubFactory(JobFactory, team=factory.SelfAttribute("..account.team"))
    candidate = factory.SubFactory(CandidateFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


class GreetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Greeting

    account = factory.SubFactory(AccountFactory)
    job = factory.SubFactory(JobFactory, team=factory.SelfAttribute("..account.team"))
    candidate = factory.SubFactory(CandidateFactory)
    day = factory.LazyFunction(timezone.localdate)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    account = factory.SubFactory(AccountFactory)
    job = factory.SubFactory(JobFactory, team=factory.SelfAttribute("..account.team"))
    candidate = factory.SubFactory(CandidateFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    """Appends to the conversation: `seq` follows the rows it already has."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    seq = factory.LazyAttribute(lambda o: o.conversation.messages.count())
    speaker = "user"
    text = "你好"


class ContactRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactRecord

    conversation = factory.SubFactory(ConversationFactory)
    phone = "13800138000"


class DoNotContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoNotContact

    kind = "phone"
    value_hash = factory.Sequence(lambda n: identity_hash("phone", f"1380000{n:04d}"))
    reason = "declined"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    conversation = factory.SubFactory(ConversationFactory)
    team = factory.SelfAttribute("conversation.job.team")
    kind = "contact"
    payload = factory.LazyFunction(lambda: {"kind": "contact"})
    next_attempt_at = factory.LazyFunction(timezone.now)


class WechatAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WechatAccount

    team = factory.SubFactory(TeamFactory)
    account_id = factory.Sequence(lambda n: f"wx-bot-{n}")
    hello_msg = "您好，我是招聘顾问"
    last_call_at = factory.LazyFunction(timezone.now)  # a bot that has just called, as AccountFactory's


class WechatAccountLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WechatAccountLink

    wechat_account = factory.SubFactory(WechatAccountFactory)
    recruit_account = factory.SubFactory(AccountFactory, team=factory.SelfAttribute("..wechat_account.team"))


class WechatFriendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WechatFriend

    conversation = factory.SubFactory(ConversationFactory)
    wechat_account = factory.SubFactory(WechatAccountFactory, team=factory.SelfAttribute("..conversation.job.team"))
    search_id = factory.Sequence(lambda n: f"wxid_cand{n:04d}")
    alias_id = factory.Sequence(lambda n: f"候选人-{n:04x}")


class WechatTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WechatTask

    friend = factory.SubFactory(WechatFriendFactory)
    wechat_account = factory.SelfAttribute("friend.wechat_account")
    kind = "add_friend"
    msg = "您好"


class RetentionRunFactory(factory.django.DjangoModelFactory):
    """A finished pass of the retention task over transcripts."""

    class Meta:
        model = RetentionRun

    kind = "message"
    days = 365
    started_at = factory.LazyFunction(timezone.now)
    cutoff = factory.LazyAttribute(lambda o: o.started_at - timedelta(days=o.days))
    removed = 3
    batches = 1
    finished_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(seconds=2))


def staff_client(team: Team, *perms: str):
    """A logged-in test client of a new staff user of `team` holding `perms` ("app_label.codename")."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    user = UserFactory()
    team.members.add(user)
    for dotted in perms:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    return client


class RubricScoreFactory(factory.django.DjangoModelFactory):
    """A cached rubric score of one masked profile."""

    class Meta:
        model = RubricScore

    profile_hash = factory.Sequence(lambda n: f"{n:064x}")
    rubric_version = "0" * 64
    score = 72
    reason = "三年以上客服经验，表达清楚"
    model = "fake-model"
