"""Masking of personal data for roles that do not need it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from gridbrain.core.auth import Actor


def mask_id_number(value: str | None) -> str | None:
    """330110199001011234 → 330110********1234 (region kept, birth date hidden)."""
    if not value or len(value) < 10:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13812345678 → 138****5678."""
    if not value or len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """张三丰 → 张**: the surname only."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def id_number_for(actor: Actor, value: str | None) -> str | None:
    return value if actor.sees_personal_data else mask_id_number(value)


def phone_for(actor: Actor, value: str | None) -> str | None:
    return value if actor.sees_personal_data else mask_phone(value)


# --- personal data inside free text (a resident types their phone into a complaint) -------------

_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_OLD_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
# mobiles with optional +86 and spaces or dashes between the groups of 3-4-4
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# landlines: area code 0xx(x), then 7-8 digits, optionally an extension
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)[（(]?(0\d{2,3})[）)]?[- ]?(\d{3,4})[- ]?(\d{4})(?:[-转](\d{1,5}))?(?!\d)")
# a local number without its area code, said to be a phone: 电话86668888
_LOCAL_PHONE_IN_TEXT = re.compile(
    r"(电话|手机|联系方式|回电|致电|号码|tel)([^\d]{0,4})(\d{3,4})(\d{4})(?!\d)", re.IGNORECASE
)
# a name said of oneself or of a contact: 我叫王小明 / 联系人：王小明 / 姓名 王小明
_NAME_CUE = re.compile(
    r"(我叫|我是|本人|联系人|姓名|户主|老人|患者)([:：\s]*)([\u4e00-\u9fff]{2,3})(?=[，,。；;、\s先女老]|$)"
)
_NOT_NAMES = frozenset({"居民", "业主", "住户", "群众", "市民", "本人", "老人", "一个", "这里", "附近", "小区"})


def mask_free_text(text: str | None, *, names: Iterable[str] = ()) -> str | None:
    """The text with every ID number, mobile and landline number found in it masked, names given
    after a cue (我叫…, 联系人：…) reduced to the surname, and each of `names` (e.g. the vulnerable
    people registered at the place) masked wherever it appears."""
    if not text:
        return text
    out = _ID_IN_TEXT.sub(lambda m: _stars(m.group(0)), text)
    out = _OLD_ID_IN_TEXT.sub(lambda m: _stars(m.group(0)), out)
    out = _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _LANDLINE_IN_TEXT.sub(lambda m: f"{m.group(1)}-****{m.group(3)[-2:]}", out)
    out = _LOCAL_PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)[-2:]}", out)
    out = _NAME_CUE.sub(_cued_name, out)
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        out = out.replace(name, mask_name(name) or name)
    return out


def _stars(id_number: str) -> str:
    # nothing of the birth date or the sequence: the region alone (as the address already says)
    return id_number[:6] + "*" * (len(id_number) - 6)


def _cued_name(m: re.Match[str]) -> str:
    name = m.group(3)
    if name in _NOT_NAMES:
        return m.group(0)
    return f"{m.group(1)}{m.group(2)}{mask_name(name)}"


def text_for(actor: Actor, value: str | None) -> str | None:
    """Free text as a role may read it: whole for roles that need personal data, masked otherwise."""
    return value if actor.sees_personal_data else mask_free_text(value)


class RedactingFilter(logging.Filter):
    """Masks ID numbers and phones in log records (the access log's request line holds the URL):
    no personal data in logs, whatever a client puts in a path or a query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(mask_free_text(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = mask_free_text(record.msg) or record.msg
        return True


def redact_logs(*names: str) -> None:
    """Install the redacting filter on the named loggers (uvicorn's access and error logs)."""
    for name in names:
        logging.getLogger(name).addFilter(RedactingFilter())
