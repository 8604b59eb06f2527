"""The /wechat bot endpoints (CONTRACT §6). Thin: validate, resolve the named entities, call one service."""

from __future__ import annotations

from django.db import transaction
from rest_framework.response import Response

from hunter_robot.api.views import BotView
from recruit.activity import call_stamp
from wechat import lookups, serializers, services
from wechat.models import WechatAccount, WechatTask


def account_for(request, data: dict) -> WechatAccount:
    """The WeChat account the bot names, its call recorded (`call_stamp`)."""
    account = lookups.wechat_account_for(request.caller, data["account_id"], field=data["account_field"])
    call_stamp(account, request.path)
    return account


class AccountRegisterView(BotView):
    Input = serializers.RegisterInput

    def post(self, request):
        data = self.validated(request)
        caller = request.caller
        caller.require_manage()
        field = data["account_field"]
        recruit_accounts = [
            lookups.recruit_account_for(caller, ref, field=f"recruitAccounts[{index}]")
            for index, ref in enumerate(data["recruitAccounts"])
        ]
        # A key registers into its team; a keyless bot into its recruiting accounts' team.
        team = caller.team() if caller.key or not recruit_accounts else recruit_accounts[0].team
        with transaction.atomic():
            lookups.check_registration(caller, data["account_id"], field)
            account = services.wechat_account_register(
                team=team,
                api_key=caller.key,
                account_id=data["account_id"],
                recruit_accounts=recruit_accounts,
                hello_msg=data.get("helloMsg"),
            )
            # Created meanwhile by another team's call: refused, and this transaction undoes the edit.
            caller.check_team(account.team_id, field)
        call_stamp(account, request.path)  # after the commit: the stamp never waits on the registration
        return Response({"account_id": account.account_id})


def task_list(account: WechatAccount, tasks: list[WechatTask]) -> list[dict]:
    """The bot's shape: one group per task type that has items, add_friend first."""
    adds = [
        {"search_id": t.friend.search_id, "alias_id": t.friend.alias_id, "hello_msg": t.msg or account.hello_msg}
        for t in tasks
        if t.kind == WechatTask.Kind.ADD_FRIEND
    ]
    sends = [{"alias_id": t.friend.alias_id, "msg": t.msg} for t in tasks if t.kind == WechatTask.Kind.SEND_MSG]
    groups = ((WechatTask.Kind.ADD_FRIEND, adds), (WechatTask.Kind.SEND_MSG, sends))
    return [{"task_type": kind.value, "content": content} for kind, content in groups if content]


class TaskToDoView(BotView):
    Input = serializers.WechatAccountInput

    @staticmethod
    def failure_data(msg):
        return {"task_list": []}

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data)
        return Response({"task_list": task_list(account, services.wechat_tasks_claim(account=account))})


class AddFriendReportView(BotView):
    Input = serializers.AddFriendReportInput

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data)
        services.wechat_friend_requested(account=account, alias_id=data["alias_id"], search_id=data["search_id"])
        return Response(None)


class MsgSendReportView(BotView):
    Input = serializers.MsgSendReportInput
    scraped_text = ("msg_send",)

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data)
        services.wechat_message_sent(account=account, alias_id=data["alias_id"], text=data["msg_send"])
        return Response(None)


class UserMsgView(BotView):
    Input = serializers.UserMsgInput
    scraped_text = ("msg_receive",)

    @staticmethod
    def failure_data(msg):
        return {"msg": ""}

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data)
        reply = services.wechat_message_receive(account=account, alias_id=data["alias_id"], text=data["msg_receive"])
        return Response({"msg": reply})
