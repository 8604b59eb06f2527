"""candidate/result: real multipart uploads, merge semantics, CV checks (CONTRACT §4)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client

from recruit.models import ContactRecord, Conversation
from tests.factories import AccountFactory, JobFactory, link

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def job(db, private_media):
    job = JobFactory(platform_id="j")
    link(AccountFactory(platform_id="a"), job)
    return job


def upload(fields: dict, files: dict | None = None):
    """A real multipart/form-data request, as the bots send it."""
    data = dict(fields)
    for name, (filename, content) in (files or {}).items():
        handle = io.BytesIO(content)
        handle.name = filename
        data[name] = handle
    response = Client(REMOTE_ADDR="127.0.0.1").post("/recruit/candidate/result", data)  # multipart by default
    return response.status_code, json.loads(response.content)


BASE = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "jobID": ""}


def stored_files(private_media):
    return sorted(p.name for p in private_media.rglob("*") if p.is_file()) if private_media.exists() else []


def test_pdf_cv_is_accepted_and_stored_privately(job, private_media):
    status, body = upload(BASE, {"cv": ("resume.pdf", PDF)})
    assert (status, body) == (200, {"ret": 0, "msg": "success", "data": {"status": "ok"}})
    record = ContactRecord.objects.get()
    assert (record.cv_type, record.cv_name, record.cv_size, record.cv_received) == ("pdf", "resume.pdf", len(PDF), True)
    [name] = stored_files(private_media)
    assert name != "resume.pdf" and name.endswith(".pdf")  # random name, outside any public URL
    assert Conversation.objects.get().source == "user_ask"


def test_docx_is_accepted(job):
    status, body = upload(BASE, {"cv": ("cv.docx", docx_bytes())})
    assert (status, body["ret"]) == (200, 0)
    assert ContactRecord.objects.get().cv_type == "docx"


def test_executable_named_pdf_is_rejected_and_nothing_stored(job, private_media):
    status, body = upload({**BASE, "phone": "13800138000"}, {"cv": ("resume.pdf", b"MZ\x90\x00" + b"\x00" * 200)})
    assert (status, body["ret"], body["data"]) == (415, 1004, None)
    assert not ContactRecord.objects.exists() and not Conversation.objects.exists()
    assert stored_files(private_media) == []


def test_oversize_cv_is_rejected(job, settings, private_media):
    settings.CV_MAX_BYTES = 1024
    status, body = upload(BASE, {"cv": ("big.pdf", PDF + b"0" * 4096)})
    assert (status, body["ret"]) == (413, 1004)
    assert stored_files(private_media) == [] and not Conversation.objects.exists()


def test_phone_and_wechat_merge_without_erasing(job):
    upload({**BASE, "phone": "138-0013-8000"})
    upload({**BASE, "wechat": "zhang_san88", "phone": ""})
    status, body = upload({**BASE, "email": "z@example.com"})
    assert status == 200
    record = ContactRecord.objects.get()
    assert (record.phone, record.wechat, record.email) == ("13800138000", "zhang_san88", "z@example.com")


def test_json_body_without_file_is_accepted(api, job):
    assert api.ok("/recruit/candidate/result/v2", {**BASE, "wechat": "13800138000"}) == {"status": "ok"}
    assert ContactRecord.objects.get().wechat == "13800138000"


@pytest.mark.parametrize(
    ("field", "value", "msg"),
    [
        ("phone", "12345", "phone: not a phone number"),
        ("wechat", "1abc", "wechat: expected 6-20"),
        ("wechat", "ab", "wechat: expected 6-20"),
        ("email", "not-an-email", "email: not an e-mail address"),
    ],
)
def test_invalid_contact_fields_are_1001(job, field, value, msg):
    status, body = upload({**BASE, field: value})
    assert (status, body["ret"]) == (400, 1001)
    assert body["msg"].startswith(msg)
    assert not ContactRecord.objects.exists()


def test_missing_candidate_name_is_1001(job):
    status, body = upload({k: v for k, v in BASE.items() if k != "candidateName"})
    assert (status, body["ret"], body["msg"]) == (400, 1001, "candidateName: this field is required")


def test_new_wechat_id_queues_one_add_friend_task_on_the_linked_wechat_account(job):
    from recruit.models import RecruitAccount
    from wechat.models import WechatAccount, WechatAccountLink, WechatTask

    account = RecruitAccount.objects.get()
    wechat = WechatAccount.objects.create(team=account.team, account_id="wx-bot-1", hello_msg="您好，我是 HR 小王")
    WechatAccountLink.objects.create(wechat_account=wechat, recruit_account=account)
    upload({**BASE, "candidateName": "欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜", "wechat": "zhang_san88"})
    upload({**BASE, "wechat": "zhang_san88"})
    [task] = WechatTask.objects.all()
    assert (task.kind, task.msg, task.friend.search_id) == ("add_friend", "您好，我是 HR 小王", "zhang_san88")
    assert task.friend.alias_id.startswith("欧阳娜娜") and len(task.friend.alias_id) <= 20


def test_no_linked_wechat_account_queues_nothing(job):
    from wechat.models import WechatTask

    upload({**BASE, "wechat": "zhang_san88"})
    assert not WechatTask.objects.exists()
    assert ContactRecord.objects.get().wechat == "zhang_san88"
