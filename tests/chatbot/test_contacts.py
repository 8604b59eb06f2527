"""Contact extraction, notices, validation and masking (pure, no database)."""

from __future__ import annotations

import pytest

from chatbot.contacts import (
    detect_notice,
    extract_contacts,
    is_valid_email,
    is_valid_phone,
    is_valid_wechat,
    mask_email,
    mask_phone,
    mask_text,
    mask_wechat,
    normalise_phone,
)


@pytest.mark.parametrize(
    "text, phone",
    [
        ("13800138000", "13800138000"),
        ("我的电话 138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("138.0013.8000", "13800138000"),
        ("+86 13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("(+86) 138 0013 8000", "13800138000"),
        ("电话：１３８００１３８０００", "13800138000"),
        ("１３８ ００１３ ８０００ 随时联系", "13800138000"),
        ("1 3 8 0 0 1 3 8 0 0 0", "13800138000"),
        ("手机号19912345678，白天打", "19912345678"),
        ("call me +44 20 7946 0958", "+442079460958"),
        ("电话+1-415-555-0100", "+14155550100"),
    ],
)
def test_phone_extracted(text, phone):
    assert extract_contacts(text).phone == phone


@pytest.mark.parametrize(
    "text",
    [
        "2023年毕业",
        "期望薪资8000",
        "期望13000-15000",
        "验证码123456",
        "12800138000",  # 12x is not a mobile prefix
        "138001380001",  # 12 digits
        "6222021380013800012",  # a bank card
        "我的QQ 123456789",
        "+86 10",  # too short for anything
    ],
)
def test_not_a_phone(text):
    assert extract_contacts(text).phone == ""


@pytest.mark.parametrize(
    "text, wechat",
    [
        ("微信：abc_123", "abc_123"),
        ("微信号 zhangsan88", "zhangsan88"),
        ("我的微信号是Li-Hua_2020", "Li-Hua_2020"),
        ("加我微信 zhangsan", "zhangsan"),  # after a keyword, letters alone are an id
        ("vx: lisi_1990", "lisi_1990"),
        ("VX：lisi_1990", "lisi_1990"),
        ("wx lisi_1990", "lisi_1990"),
        ("V信 wangwu123", "wangwu123"),
        ("weixin: wangwu123", "wangwu123"),
        ("WeChat: wangwu123", "wangwu123"),
        ("加我 wangwu123 吧", "wangwu123"),
        ("微信：ａｂｃ＿１２３", "abc_123"),  # full-width
        ("wxid_abc123def", "wxid_abc123def"),  # standalone, and not "wx" + "id_abc123def"
        ("abc_123", "abc_123"),
        ("好的\nzhang_san88", "zhang_san88"),  # the id in its own bubble
        ("微信：13800138000", "13800138000"),
        ("微信同手机号 13800138000", "13800138000"),
        ("13800138000 微信就是手机号", "13800138000"),
        ("电话13800138000，手机微信同号", "13800138000"),
        ("微信：+86 138 0013 8000", "13800138000"),
    ],
)
def test_wechat_extracted(text, wechat):
    assert extract_contacts(text).wechat == wechat


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "thanks",
        "Hello123 我想问下",  # not alone in its bubble, no keyword
        "微信号是什么？",
        "wechat please",
        "可以加微信吗",
        "微信 abc",  # too short
        "微信 abcdefghijklmnopqrstu",  # too long (21)
        "微信 1abcdef",  # must start with a letter
        "13800138000",  # a phone, not said to be the WeChat id
        "微信和手机都可以 13800138000",
    ],
)
def test_not_a_wechat(text):
    assert extract_contacts(text).wechat == ""


def test_phone_after_wechat_keyword_is_both():
    found = extract_contacts("微信：13800138000")
    assert (found.phone, found.wechat) == ("13800138000", "13800138000")


@pytest.mark.parametrize(
    "text, email",
    [
        ("邮箱 abc.def@qq.com", "abc.def@qq.com"),
        ("我的邮箱是zhang_san+jobs@example.com.cn。", "zhang_san+jobs@example.com.cn"),
        ("13800138000@163.com", "13800138000@163.com"),
    ],
)
def test_email_extracted(text, email):
    assert extract_contacts(text).email == email


def test_email_is_not_taken_for_a_phone_or_wechat():
    found = extract_contacts("邮箱 13800138000@163.com")
    assert (found.phone, found.wechat) == ("", "")
    assert extract_contacts("微信 abc123@qq.com").wechat == ""


def test_everything_at_once():
    found = extract_contacts("电话 138-0013-8000，微信 zhangsan88，邮箱 zs@example.com")
    assert (found.phone, found.wechat, found.email) == ("13800138000", "zhangsan88", "zs@example.com")
    assert not (found.phone_exchanged or found.wechat_exchanged or found.cv_received)


def test_empty_text():
    assert not extract_contacts("").any()
    assert not detect_notice("").any()


@pytest.mark.parametrize(
    "text, flag",
    [
        ("对方同意了您的微信交换请求", "wechat_exchanged"),
        ("你们已交换微信", "wechat_exchanged"),
        ("对方已同意交换微信", "wechat_exchanged"),
        ("微信交换成功", "wechat_exchanged"),
        ("已交换电话", "phone_exchanged"),
        ("对方已同意交换手机号", "phone_exchanged"),
        ("你们已交换联系方式", "phone_exchanged"),
        ("对方向您发送了附件简历", "cv_received"),
        ("简历已发送", "cv_received"),
        ("对方已发送简历", "cv_received"),
        ("您收到一份附件简历", "cv_received"),
    ],
)
def test_notice_flags(text, flag):
    found = detect_notice(text)
    assert getattr(found, flag) is True
    others = {"wechat_exchanged", "phone_exchanged", "cv_received"} - {flag}
    assert not any(getattr(found, other) for other in others)


@pytest.mark.parametrize(
    "text",
    [
        "对方拒绝了您的微信交换请求",
        "对方请求与您交换微信",
        "您已向对方发送了附件简历请求",
        "可以发送简历吗？",
        "请发送简历",
        "对方不同意交换电话",
        "我同意加微信",
    ],
)
def test_not_a_notice(text):
    found = detect_notice(text)
    assert not (found.wechat_exchanged or found.phone_exchanged or found.cv_received)


def test_notice_carrying_the_value():
    found = detect_notice("对方的微信号：abc_123")
    assert found.wechat == "abc_123" and found.wechat_exchanged
    found = detect_notice("对方已同意交换电话，对方的手机号：138 0013 8000")
    assert found.phone == "13800138000" and found.phone_exchanged


@pytest.mark.parametrize(
    "value, expected",
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("(+86)13800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("12345", ""),
        ("010-12345678", ""),  # landline: neither a CN mobile nor international
        ("12800138000", ""),
        ("+1234567", ""),  # 7 digits
        ("+1234567890123456", ""),  # 16 digits
        ("138 0013 800a", ""),
        ("++8613800138000", ""),
        ("", ""),
    ],
)
def test_normalise_phone(value, expected):
    assert normalise_phone(value) == expected
    assert is_valid_phone(value) is bool(expected)


@pytest.mark.parametrize(
    "value, valid",
    [
        ("abc_123", True),
        ("Li-Hua_2020", True),
        ("abcdef", True),
        ("a" * 20, True),
        ("a" * 21, False),
        ("abcde", False),
        ("1abcdef", False),
        ("_abcdef", False),
        ("abc 123", False),
        ("abc.123", False),
        ("张三abc123", False),
        ("13800138000", True),  # a phone number is accepted as WeChat id
        ("+86 138 0013 8000", True),
        ("", False),
    ],
)
def test_is_valid_wechat(value, valid):
    assert is_valid_wechat(value) is valid


@pytest.mark.parametrize(
    "value, valid",
    [
        ("abc@qq.com", True),
        ("first.last+tag@sub.example.co", True),
        (" abc@qq.com ", True),
        ("abc@qq", False),
        ("abc.qq.com", False),
        ("@qq.com", False),
        ("abc@@qq.com", False),
        ("abc @qq.com", False),
        ("", False),
    ],
)
def test_is_valid_email(value, valid):
    assert is_valid_email(value) is valid


def test_mask_single_values():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 138-0013-8000") == "138****8000"
    assert mask_phone("+442079460958") == "+44****0958"
    assert mask_phone("") == ""
    assert mask_wechat("abc_123") == "ab****"
    assert mask_wechat("13800138000") == "138****8000"
    assert mask_wechat("") == ""
    assert mask_email("abcdef@qq.com") == "ab****@qq.com"
    assert mask_email("ab@qq.com") == "a****@qq.com"
    assert mask_email("") == ""


@pytest.mark.parametrize(
    "text, masked",
    [
        ("我的电话 138 0013 8000，谢谢", "我的电话 138****8000，谢谢"),
        ("+86 13800138000", "138****8000"),
        ("微信：abc_123", "微信：ab****"),
        ("vx zhangsan88 加我", "vx zh**** 加我"),
        ("wxid_abc123def", "wx****"),
        ("邮箱 abcdef@qq.com。", "邮箱 ab****@qq.com。"),
        ("微信同号13800138000", "微信同号138****8000"),
        ("微信：13800138000", "微信：138****8000"),
        ("电话 +44 20 7946 0958 晚上打", "电话 +44****0958 晚上打"),
        ("期望薪资8000，2023年毕业", "期望薪资8000，2023年毕业"),
        ("hello", "hello"),
        ("", ""),
    ],
)
def test_mask_text(text, masked):
    assert mask_text(text) == masked


def test_mask_text_masks_every_occurrence():
    masked = mask_text("13800138000 或者 13900139000，微信 abc_123 / 微信 def_456")
    assert masked == "138****8000 或者 139****9000，微信 ab**** / 微信 de****"
    assert not extract_contacts(masked).any()


@pytest.mark.parametrize(
    ("text", "wechat"),
    [
        ("Zhangsan123是我微信", "Zhangsan123"),
        ("ZhangSan_88 这是我的微信号", "ZhangSan_88"),
        ("加V：Lisi_9527", "Lisi_9527"),
        ("wechat id: JohnDoe_88", "JohnDoe_88"),
        ("微信搜 Zhangsan1234", "Zhangsan1234"),
        ("微信号：ZHANGSAN", "ZHANGSAN"),
        ("你加我吧 Zhangsan1234", "Zhangsan1234"),
    ],
)
def test_wechat_ids_starting_with_an_upper_case_letter(text, wechat):
    assert extract_contacts(text).wechat == wechat
    assert wechat not in mask_text(text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("您已成功获取对方的微信号", "wechat_exchanged"),
        ("您与对方交换了微信", "wechat_exchanged"),
        ("对方已将微信号发送给您", "wechat_exchanged"),
        ("对方给您发送了手机号", "phone_exchanged"),
        ("已获得对方的联系方式", "phone_exchanged"),
        ("对方已接受您的简历请求", "cv_received"),
        ("Zhang San accepted your request to exchange phone numbers", "phone_exchanged"),
    ],
)
def test_more_notice_phrasings(text, flag):
    assert getattr(detect_notice(text), flag)


@pytest.mark.parametrize("text", ["对方拒绝了您的交换微信请求", "已向对方发送交换微信请求", "对方暂未同意交换电话"])
def test_refused_or_pending_exchanges_are_not_notices(text):
    assert not detect_notice(text).any()
