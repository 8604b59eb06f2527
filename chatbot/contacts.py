"""Contact details in candidate text: extraction, platform notices, validation and masking. Pure Python.

Everything is matched on a half-width copy of the text (same length as the original), so full-width
digits and letters are understood and masking can rewrite spans of the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.text import halfwidth
from chatbot.types import Contacts

# One optional separator between digits: candidates space or dash numbers out, often to slip past
# platform filters that hide phone numbers ("138 0013 8000", "1 3 8 0 0 1 3 8 0 0 0").
_SEP = r"(?:[^\S\n]{1,2}|[-.])"
_CN_PREFIX = rf"(?:(?:(?:\+|00)[^\S\n]?86|\(\+?86\)|86){_SEP}?)"
_CN_MOBILE = re.compile(rf"(?<![\d+]){_CN_PREFIX}?(1{_SEP}?[3-9](?:{_SEP}?\d){{9}})(?!\d)")
# Loose on purpose; the digit count (8..15) is checked afterwards.
_INTL = re.compile(r"(?<![A-Za-z0-9+])\+(?:[\d()]|[^\S\n]|[-.]){7,28}")
_CN_DIGITS = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_WECHAT_ID = r"[A-Za-z][A-Za-z0-9_\-]{5,19}"
_WECHAT_FULL = re.compile(rf"{_WECHAT_ID}")
# ASCII keywords must stand alone: "wxid_abc123" is an id, not the keyword "wx" followed by "id_abc123".
_WX_KEYWORD = (
    r"(?:微信|v信|威信|薇信|徽信|卫星|加我|加v|微(?=[:：])"
    r"|(?<![A-Za-z0-9])(?:weixin|wechat|wx|vx|v)(?![A-Za-z0-9_\-]))"
)
_FILL = r"(?:[^\S\n]|[:=,：])"
_WX_PREFIX = re.compile(
    rf"(?:{_WX_KEYWORD}{_FILL}*(?:号码?|id|账号|名|搜索?|同名)?{_FILL}*(?:就是|是|为)?{_FILL}*)+",
    re.IGNORECASE,
)
_WX_ID_AFTER = re.compile(rf"{_WECHAT_ID}(?![A-Za-z0-9_\-@])")
# Anywhere in a message that talks about WeChat ("Zhangsan123是我微信", "你加我吧 Zhangsan1234"), a
# standalone id-looking token with a digit, "_" or "-" is the id. A bare "v" is not a mention here.
_WX_MENTION = re.compile(r"微信|v信|威信|薇信|徽信|加我|加v|(?<![a-z0-9])(?:weixin|wechat|wx|vx)(?![a-z0-9])", re.I)
_ID_TOKEN = re.compile(rf"(?<![A-Za-z0-9_\-@./:]){_WECHAT_ID}(?![A-Za-z0-9_\-@.])")
# Letters-only words a candidate may write after a keyword that are not ids ("wechat please").
_NOT_IDS = frozenset(
    "please thanks thank hello number account wechat weixin later tomorrow contact sorry okay "
    "available whatsapp search friend phone mobile".split()
)
# "微信同手机号", "微信就是手机号", "手机微信同号": the WeChat id is the phone number.
_WECHAT_IS_PHONE = re.compile(
    r"(?:微信|wx|vx|v信)号?[^\S\n]*(?:也|就)?(?:是|同)[^\S\n]*(?:手机|电话)"
    r"|(?:微信|wx|vx|v信)号?[^\S\n]*(?:和|跟|与)(?:手机|电话)号?码?(?:同号|一样|相同|一致)"
    r"|(?:手机|电话)号?码?[^\S\n]*(?:也|就)?(?:是|同)[^\S\n]*微信"
    r"|(?:微信|手机|电话)(?:和|跟|与|、|/)?(?:手机|电话|微信)号?码?同号"
    r"|微信同号",
    re.IGNORECASE,
)

# Platform notices, by family. "对方" / "候选人" / "双方" / "你们" all name the other side or both; the
# exchange is done when it was agreed, accepted, succeeded, or the value was obtained or sent to us.
_AGREED = r"(?<![不未没])(?:同意|接受|答应)了?"
_US = r"(?:您|你|我)?的?"
_WITH = r"(?:(?:与|和|跟)(?:您|你|对方)|互相|相互)?"
_SWAP = r"(?:交换|互换|换)了?"
_DONE = r"(?:已经|已|成功)"
_TO_US = r"(?:给|向)(?:您|你|我)"


def _exchange_notice(item: str, item_en: str) -> list[str]:
    return [
        rf"{_AGREED}{_US}{_WITH}{_SWAP}?{item}",  # 对方同意了您的交换微信请求 / 同意与您交换微信
        rf"{_AGREED}{_US}{item}(?:交换|互换)",  # 对方同意了你的微信交换请求
        # 你们已交换微信 / 您与对方交换了微信; "对方请求与您交换微信" is only a request.
        rf"(?:{_DONE}|双方|你们|我们){_WITH}{_SWAP}{item}|{_WITH}(?:交换|互换)了{item}",
        rf"{item}(?:已经|已)?(?:交换|互换)成功|(?:交换|互换){item}成功",
        rf"(?:获取|获得|拿到|收到)了?(?:对方|候选人|牛人|他|她)的?{item}",  # 您已成功获取对方的微信号
        rf"(?:发送|发)了?{item}{_TO_US}|{_TO_US}(?:发送|发)了?(?:自己的|他的|她的)?{item}"
        rf"|{item}(?:已)?(?:发送|发)(?:给|至)(?:您|你|我)",  # 对方已将微信号发送给您
        rf"对方的?{item}(?:号码?)?[:是为]",
        rf"(?:accepted|approved)[\w\s]{{0,30}}{item_en}|{item_en}[\w\s]{{0,20}}(?:exchanged|shared)"
        rf"|shared (?:their|his|her) {item_en}",
    ]


NOTICE_WECHAT_PATTERNS: tuple[str, ...] = (
    *_exchange_notice(r"(?:微信|vx|wx|v信)(?:号)?", r"wechat"),
    r"(?:已|成功)添加(?:对方)?(?:为)?微信好友",
)
NOTICE_PHONE_PATTERNS: tuple[str, ...] = tuple(
    _exchange_notice(r"(?:电话|手机|联系方式)(?:号码?)?", r"(?:phone|contact)(?: number| info| details)?")
)
NOTICE_CV_PATTERNS: tuple[str, ...] = (
    r"(?:发送|发来|发|投递|上传)了?(?:一份|他的|她的|自己的|我的)?(?:附件|在线|个人)?简历(?!请求|的请求)",
    r"(?:附件)?简历已(?:经)?(?:发送|投递|送达|接收|上传)",
    r"(?:收到|接收|获取|获得)了?(?:一份|对方的?|候选人的?|新的)?(?:附件)?简历",
    rf"{_AGREED}(?:了)?{_US}(?:发送|查看|索要|获取)?(?:附件)?简历(?:请求)?",
    r"简历(?:发送|投递)成功",
    r"sent (?:you )?(?:a |an |their |his |her )?(?:resume|cv)|(?:resume|cv) (?:received|attached)"
    r"|attached (?:a |their |his |her )?(?:resume|cv)",
)
_NOTICE_WECHAT = re.compile("|".join(NOTICE_WECHAT_PATTERNS), re.IGNORECASE)
_NOTICE_PHONE = re.compile("|".join(NOTICE_PHONE_PATTERNS), re.IGNORECASE)
_NOTICE_CV = re.compile("|".join(NOTICE_CV_PATTERNS), re.IGNORECASE)
# A question or a request mentioning a CV or an exchange is the candidate talking, not a notice; nor is a
# refused, withdrawn or still pending exchange, or our own request going out.
_NOT_A_NOTICE = re.compile(
    r"[吗么嘛?]|^请|能不能|可以吗|怎么|拒绝|婉拒|未同意|没有?同意|不同意|暂不|暂未|等待|撤回|取消|超时|过期|失败"
    r"|请求已发送|已(?:向|给)对方发送|(?:您|你|我)(?:已)?(?:向|给)对方|declined|rejected|pending|request sent|waiting",
    re.IGNORECASE,
)


@dataclass
class _Hit:
    kind: str  # phone | wechat | email
    start: int
    end: int
    value: str


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def _overlaps(hits: list[_Hit], start: int, end: int) -> bool:
    return any(hit.start < end and start < hit.end for hit in hits)


def _intl_hit(match: re.Match[str]) -> _Hit | None:
    raw = match.group(0)
    trimmed = raw.rstrip(" \t-.(")
    digits = _digits(trimmed)
    if not 8 <= len(digits) <= 15:
        return None
    return _Hit("phone", match.start(), match.start() + len(trimmed), "+" + digits)


def _scan(text: str, *, loose: bool = True) -> list[_Hit]:
    """Every contact detail in `text` with its span, in the order the caller should trust them. Without
    `loose`, the guesses made for chat text are left out (any id-looking token in a message that
    mentions WeChat, a line that is only such a token): in machine text they hit identifiers."""
    half = halfwidth(text)
    hits: list[_Hit] = []
    for match in _EMAIL.finditer(half):
        hits.append(_Hit("email", match.start(), match.end(), match.group(0)))
    # The value right after a WeChat keyword: an id, or a phone number that is also the WeChat id.
    for prefix in _WX_PREFIX.finditer(half):
        at = prefix.end()
        phone = _CN_MOBILE.match(half, at)
        if phone and not _overlaps(hits, phone.start(), phone.end()):
            number = _digits(phone.group(1))
            hits.append(_Hit("phone", phone.start(), phone.end(), number))
            hits.append(_Hit("wechat", phone.start(), phone.end(), number))
            continue
        ident = _WX_ID_AFTER.match(half, at)
        if ident and not _overlaps(hits, ident.start(), ident.end()):
            value = ident.group(0)
            if value.isalpha() and value.lower() in _NOT_IDS:
                continue
            hits.append(_Hit("wechat", ident.start(), ident.end(), value))
    if loose and not any(hit.kind == "wechat" for hit in hits) and _WX_MENTION.search(half):
        for match in _ID_TOKEN.finditer(half):
            token = match.group(0)
            if any(ch in "0123456789_-" for ch in token) and not _overlaps(hits, match.start(), match.end()):
                hits.append(_Hit("wechat", match.start(), match.end(), token))
                break
    for match in _CN_MOBILE.finditer(half):
        if not _overlaps(hits, match.start(), match.end()):
            hits.append(_Hit("phone", match.start(), match.end(), _digits(match.group(1))))
    for match in _INTL.finditer(half):
        hit = _intl_hit(match)
        if hit and not _overlaps(hits, hit.start, hit.end):
            hits.append(hit)
    # A bubble that is nothing but an id-looking token is a WeChat id; plain words ("hello") are not,
    # so the token needs a digit, "_" or "-".
    offset = 0
    for line in half.split("\n") if loose else ():
        token = line.strip().rstrip("。.!！")
        if (
            _WECHAT_FULL.fullmatch(token)
            and any(ch in "0123456789_-" for ch in token)
            and not _overlaps(hits, offset, offset + len(line))
        ):
            start = offset + line.index(token)
            hits.append(_Hit("wechat", start, start + len(token), token))
        offset += len(line) + 1
    return hits


def extract_contacts(text: str) -> Contacts:
    """Phone (11-digit CN mobile or "+<digits>"), WeChat id and e-mail written in `text`; the first
    of each kind wins. Notices are not looked at here (see `detect_notice`)."""
    if not text:
        return Contacts()
    hits = _scan(text)
    found = {kind: "" for kind in ("phone", "wechat", "email")}
    for hit in sorted(hits, key=lambda h: h.start):
        if not found[hit.kind]:
            found[hit.kind] = hit.value
    if not found["wechat"] and found["phone"] and _WECHAT_IS_PHONE.search(halfwidth(text)):
        cn = normalise_phone(found["phone"])
        if len(cn) == 11:
            found["wechat"] = cn
    return Contacts(phone=found["phone"], wechat=found["wechat"], email=found["email"])


def detect_notice(text: str) -> Contacts:
    """Flags from platform system notices (exchange accepted, CV sent), plus any id or number the
    notice carries. Meant for `system` lines; questions and requests never count as notices."""
    if not text:
        return Contacts()
    half = halfwidth(text)
    wechat = phone = cv = False
    for line in half.split("\n"):
        line = line.strip()
        if not line or _NOT_A_NOTICE.search(line):
            continue
        wechat = wechat or bool(_NOTICE_WECHAT.search(line))
        phone = phone or bool(_NOTICE_PHONE.search(line))
        cv = cv or bool(_NOTICE_CV.search(line))
    found = extract_contacts(text)
    found.wechat_exchanged = wechat
    found.phone_exchanged = phone
    found.cv_received = cv
    return found


def normalise_phone(value: str) -> str:
    """ "13800138000" for a CN mobile (any separators, +86/0086/86 prefix, full-width digits),
    "+<8..15 digits>" for an international number (+ or 00 prefix); "" when it is neither."""
    text = halfwidth(value or "").strip()
    if not text or not re.fullmatch(r"[\d\s\-.()+]+", text) or text.count("+") > 1:
        return ""
    plus = text.lstrip("(").startswith("+")
    if "+" in text and not plus:
        return ""
    digits = _digits(text)
    if not plus and digits.startswith("00"):
        digits = digits[2:]
        plus = True
    if len(digits) == 13 and digits.startswith("86") and _CN_DIGITS.fullmatch(digits[2:]):
        return digits[2:]
    if not plus and _CN_DIGITS.fullmatch(digits):
        return digits
    if plus and 8 <= len(digits) <= 15 and digits[0] != "0":
        return "+" + digits
    return ""


def is_valid_phone(value: str) -> bool:
    return bool(normalise_phone(value))


def is_valid_wechat(value: str) -> bool:
    """6-20 letters, digits, "_" or "-" starting with a letter; a phone number is also accepted,
    since WeChat finds people by phone number."""
    text = (value or "").strip()
    return bool(_WECHAT_FULL.fullmatch(text)) or is_valid_phone(text)


def is_valid_email(value: str) -> bool:
    text = (value or "").strip()
    return len(text) <= 254 and bool(_EMAIL.fullmatch(text))


def normalise_wechat(value: str) -> str:
    """A WeChat id as stored: a phone number normalised (WeChat finds people by it), else the id as
    written; "" when it is neither."""
    text = (value or "").strip()
    return normalise_phone(text) or (text if _WECHAT_FULL.fullmatch(text) else "")


def normalise_email(value: str) -> str:
    """An e-mail address as stored, "" when it is not one."""
    text = (value or "").strip()
    return text if is_valid_email(text) else ""


def mask_phone(value: str) -> str:
    """First 3 and last 4 characters of the normalised number: "138****8000", "+44****0958"."""
    text = normalise_phone(value) or (value or "").strip()
    if not text:
        return ""
    if len(text) < 8:
        return "****"
    return f"{text[:3]}****{text[-4:]}"


def mask_wechat(value: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    if is_valid_phone(text):
        return mask_phone(text)
    return f"{text[:2]}****" if len(text) > 2 else "****"


def mask_email(value: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    local, at, domain = text.partition("@")
    if not at:
        return mask_wechat(text)
    return f"{local[:2] if len(local) > 2 else local[:1]}****@{domain}"


def mask_name(name: str) -> str:
    """A candidate's name outside a permitted view: the first character and "**" whatever the length
    ("张**", "J**"), so neither the given name nor its length shows; "" for no name."""
    text = (name or "").strip()
    return f"{text[0]}**" if text else ""


# A one-character "name" would mask that character everywhere; such names are only masked as a whole.
_MIN_NAME_IN_TEXT = 2


def unmask_name(text: str, name: str) -> str:
    """`text` with the masked form of `name` ("张**") written back in full: an engine that saw only the
    mask and addressed the candidate with it, in a reply that goes to the candidate themselves."""
    masked = mask_name(name)
    return text.replace(masked, name.strip()) if masked and text else text


_MASKERS = {"phone": mask_phone, "wechat": mask_wechat, "email": mask_email}


def mask_text(text: str, *, names: tuple[str, ...] | list[str] = (), loose: bool = True) -> str:
    """`text` with every phone number, WeChat id and e-mail masked, and each of `names` (the
    candidate's, when known) replaced by its mask; the rest untouched. Used before a transcript leaves
    the server (LLM, external engine) and wherever a person may not see the values. `loose=False` is for
    machine text (logs, tracebacks): WeChat ids only after a WeChat keyword (see `_scan`)."""
    if not text:
        return text or ""
    text = _mask_contacts(text, loose=loose)
    for name in names:
        name = (name or "").strip()
        if len(name) >= _MIN_NAME_IN_TEXT:
            text = re.compile(re.escape(name), re.IGNORECASE).sub(mask_name(name).replace("\\", "\\\\"), text)
    return text


def _mask_contacts(text: str, *, loose: bool) -> str:
    spans: list[_Hit] = []
    for hit in sorted(_scan(text, loose=loose), key=lambda h: (h.start, h.kind != "phone")):
        if not _overlaps(spans, hit.start, hit.end):
            spans.append(hit)
    out = []
    last = 0
    for hit in spans:
        out.append(text[last : hit.start])
        out.append(_MASKERS[hit.kind](hit.value))
        last = hit.end
    out.append(text[last:])
    return "".join(out)
