"""Demo data for `make run`: one team, one job, one account, a superuser. Safe to run again.

The admin's password is DEMO_ADMIN_PASSWORD when that is set (also on later runs: it resets the
password), else `hunter-demo` when the user is first created; a password changed since then is kept,
and the login line says so rather than print one that no longer works."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from hunter_robot.models import Team
from recruit.services.registration import account_register, job_register

DEMO_USER = "admin"
DEFAULT_PASSWORD = "hunter-demo"


def explicit_password() -> str | None:
    return os.environ.get("DEMO_ADMIN_PASSWORD") or None


def demo_login() -> str | None:
    """The demo login as it works now ("admin / <password>"), or None without a demo user."""
    user = get_user_model().objects.filter(username=DEMO_USER).first()
    if user is None:
        return None
    for password in (explicit_password(), DEFAULT_PASSWORD):
        if password and user.check_password(password):
            return f"{DEMO_USER} / {password}"
    return f"{DEMO_USER} (password changed since the demo was seeded; set DEMO_ADMIN_PASSWORD to reset it)"


class Command(BaseCommand):
    help = "Seed a demo job, account and superuser (idempotent)."

    def handle(self, *args, **options):
        explicit = explicit_password()
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        if created or (explicit and not user.check_password(explicit)):
            user.set_password(explicit or DEFAULT_PASSWORD)
            user.save()
        team = Team.default()
        team.members.add(user)
        job = job_register(
            team=team,
            platform="Boss",
            platform_id="demo-job-1",
            name="客服专员",
            jd="负责在线及电话客户咨询，跟进工单，维护客户关系。",
            config={
                "touch_msg": "您好，我们在招客服专员，五险一金、双休，看您的经历很合适，方便聊聊吗？",
                "faq": {
                    "salary": "底薪 6000，加绩效，综合 7-9K。",
                    "location": "北京市朝阳区望京，地铁 14 号线附近。",
                    "hours": "早九晚六，双休。",
                    "benefits": "五险一金、带薪年假、节日福利。",
                },
                "contact_ask": ["方便留个微信吗？我把岗位详情发您。", "留个电话也可以，HR 会尽快联系您。"],
                "closing_msg": "好的，已收到，HR 会尽快联系您，感谢！",
                "criteria": {"age": [18, 40], "min_degree": "大专"},
            },
        )
        account = account_register(team=team, platform="Boss", platform_id="demo-account-1", jobs=[job])
        self.stdout.write(f"demo job {job.job_id}, account {account.account_id}")
        self.stdout.write(self.style.SUCCESS(f"superuser {demo_login()}"))
