"""Chinese text for the whole project: one jieba tokenizer with the governance dictionary, and
masking of what must not sway a decision or be learnt (people, phones, ID numbers, addresses,
shop names, a 12345 operator's boilerplate).

Other capabilities import `tokenizer()` / `words()` from here rather than setting up jieba again.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading

import jieba

from gridbrain.catalog.loader import GOVERNANCE_DICT

_lock = threading.RLock()
_tokenizer: jieba.Tokenizer | None = None
PUNCT = re.compile(r"[\s，。！？、；：,.!?;:（）()“”\"'《》【】\-—…]+")

_SURNAMES = (
    "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# What identifies a person: masked before a text is stored for training or features are built.
PERSONAL = (
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[身份证号]"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[手机号]"),
    (re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"), "[电话]"),
    (re.compile(rf"(?:我叫|姓名|我是|名叫)[{_SURNAMES}][\u4e00-\u9fa5]{{1,2}}(?=[，,。\s]|$)"), "某人"),
    (re.compile(rf"[{_SURNAMES}](?:某某|某|先生|女士|小姐|阿姨|大爷|大妈|师傅|老师)"), "某人"),
)
_ROAD = r"[\u4e00-\u9fa5]{1,4}(?<![马公铁道水小])(?:路|大道|大街|街|巷)(?!灯|口|面|边|上|牙|沿|段)"
# A shop's own name (“好再来”家常菜馆): the name, not the kind of shop.
SHOP = re.compile(r"“[^”]{1,12}”")
# Words that place a report. Masking them before features was measured and did not help (top-1
# 0.818 with, 0.821 without, on the evaluation set), so `mask` leaves them; `mask_places` is there
# for whoever wants addresses out of a text.
PLACE = (
    (re.compile(r"[\u4e00-\u9fa5]{2,4}(?:小区|花园|家园|华庭|新村|公寓|名邸|雅苑|嘉园)"), "小区"),
    (re.compile(_ROAD + r"(?:与" + _ROAD + r")?(?:交叉口|路口|交口)?\d*号?"), "某路"),
    (re.compile(r"\d+(?:号楼|栋|幢|单元|号|室|层|楼)"), " "),
)
# A 12345 operator's and a letter's formulas (来电人反映…要求…, 尊敬的领导…恳请…).
BOILERPLATE = re.compile(
    r"市民来电反映|来电人(?:某人)?(?:紧急)?(?:反映|称|表示|咨询)|[：:]|诉求|尊敬的[\u4e00-\u9fa5]{0,8}?领导(?:您好)?|"
    r"尊敬的市长|您好|你好|谢谢[！!]?$|要求(?:相关部门|有关部门)?(?:尽快)?处理"
)


def tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer per process with the governance dictionary; its cache lives in tmp."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                t = jieba.Tokenizer()
                t.tmp_dir = tempfile.gettempdir()
                t.initialize()
                for line in GOVERNANCE_DICT.read_text(encoding="utf-8").splitlines():
                    parts = line.split()
                    if parts and not parts[0].startswith("#"):
                        t.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None)
                _tokenizer = t
    return _tokenizer


def mask_personal(text: str) -> str:
    """Phones, ID numbers and people's names replaced by placeholders (so no model learns people)."""
    for pattern, placeholder in PERSONAL:
        text = pattern.sub(placeholder, text)
    return text


def mask_places(text: str) -> str:
    """Compound, road and house-number words replaced (锦绣花园 → 小区, 人民路88号 → 某路)."""
    for pattern, placeholder in PLACE:
        text = pattern.sub(placeholder, text)
    return text


def mask(text: str) -> str:
    """`mask_personal`, shop names and a 12345 operator's boilerplate: what must not sway the matter."""
    return BOILERPLATE.sub(" ", SHOP.sub("某店", mask_personal(text)))


def normalise(text: str) -> str:
    return mask(text.strip().lower())


def words(text: str) -> list[str]:
    """jieba words without punctuation: the analyzer of the word features."""
    return [w for w in tokenizer().lcut(normalise(text)) if w.strip() and not PUNCT.fullmatch(w)]


def chars(text: str) -> str:
    """Text for character n-grams: punctuation becomes a single space so n-grams stay in a clause."""
    return PUNCT.sub(" ", normalise(text))
