"""Input validation for the /wechat API. Messages are English: they are read in bot logs."""

from __future__ import annotations

from rest_framework import serializers

from hunter_robot.api.fields import IdField, StrictCharField, StrictListField
from recruit.platforms.ids import REF_MAX
from wechat.models import WechatAccount, WechatFriend

ACCOUNT_ID_MAX = WechatAccount._meta.get_field("account_id").max_length  # 128
ALIAS_MAX = WechatFriend._meta.get_field("alias_id").max_length  # 20
SEARCH_ID_MAX = WechatFriend._meta.get_field("search_id").max_length  # 32
MESSAGE_MAX = 5000


class WechatAccountInput(serializers.Serializer):
    """Every WeChat endpoint names its WeChat account as `account_id` or `accountID` (CONTRACT §6); the
    first given wins. `validated_data` carries it as `account_id`, and the name the bot used as
    `account_field` (messages name the field as sent)."""

    account_id = IdField(max_length=ACCOUNT_ID_MAX, required=False, allow_null=True)
    accountID = IdField(max_length=ACCOUNT_ID_MAX, required=False, allow_null=True)

    def to_internal_value(self, data):
        if hasattr(data, "get") and data.get("account_id") is None and data.get("accountID") is None:
            # Before the other fields: the account is what a bot must name first.
            raise serializers.ValidationError({"account_id": ["this field is required"]})
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("account_id") is not None:
            attrs["account_field"] = "account_id"
        else:
            attrs["account_id"], attrs["account_field"] = attrs.pop("accountID"), "accountID"
        attrs.pop("accountID", None)
        return attrs


class RegisterInput(WechatAccountInput):
    recruitAccounts = StrictListField(child=IdField(max_length=REF_MAX), allow_empty=True, max_length=200)
    helloMsg = StrictCharField(required=False, allow_blank=True, max_length=1000)


class FriendInput(WechatAccountInput):
    alias_id = IdField(max_length=ALIAS_MAX)


class AddFriendReportInput(FriendInput):
    search_id = IdField(max_length=SEARCH_ID_MAX)


class MsgSendReportInput(FriendInput):
    msg_send = StrictCharField(max_length=MESSAGE_MAX)


class UserMsgInput(FriendInput):
    msg_receive = StrictCharField(max_length=MESSAGE_MAX)
