from __future__ import annotations

from datetime import time

import factory

from hunter_robot.models import Team
from recruit.models import AccountJob, Job, RecruitAccount, TimeSlot


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


def link(account: RecruitAccount, job: Job, *, hello_sum=50, slots=((9, 0, 25), (16, 0, 25)), position=0, **kw):
    """Give `account` a daily task for `job` with the given slots."""
    account_job = AccountJob.objects.create(account=account, job=job, hello_sum=hello_sum, position=position, **kw)
    TimeSlot.objects.bulk_create(
        TimeSlot(account_job=account_job, time=time(h, m), mount=mount) for h, m, mount in slots
    )
    return account_job
