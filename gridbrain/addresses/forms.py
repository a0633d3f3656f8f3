"""The forms in which residents write names, as the matcher reads them (no storage).

- Traditional characters (繁体) become simplified ones (the table of hanziconv), except those
  the library itself uses in its names.
- Homophones (同音字): every character maps to one representative of the characters that share
  its toneless pinyin (the first reading in pypinyin's table), so 星和苑 and 星河苑 read the same
  ("sound key"). Residents type with a pinyin input method and pick the wrong character of the
  right sound, whatever its tone.
- Look-alikes (形近字): pairs of characters that differ by a stroke or a component, as misread
  from a sign or a handwritten form (LOOKALIKE_GROUPS, a table kept here).
- Popular names (俗称): a compound is called without its developer's brand (a prefix many
  compounds share) or without its generic word (a suffix many share): see `popular_names`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache

LOOKALIKE_GROUPS = (
    "己已巳", "未末", "土士", "苑宛", "园圆", "杨扬场汤", "洪烘", "林材", "金全", "锦绵棉",
    "梅海悔", "桃挑", "岭龄", "塘糖", "彩采", "绿缘", "清晴情请青", "舟丹", "曙暑署", "教孝",
    "创仓", "航杭", "往住注", "望妄", "目自白日", "陆陵", "杜社", "泰秦奉", "鹤鸽", "葛喝渴",
    "巷港", "塔搭", "凤风", "凰皇", "紫柴", "符府", "窑窖", "命令", "宋宗", "沈枕", "孙逊",
    "徐涂", "方万", "雁鹰", "堰偃", "樟璋", "古占", "汇江", "宁丁", "仁仕", "沙抄", "横模",
    "径经", "光先", "新亲", "永水", "福副幅", "龙尤", "良艮", "天夭", "西酉", "北比", "中申",
    "城诚域", "庭廷", "馆官", "佳住", "荆刑", "星垦", "营荣", "洞洄", "瓶饼", "崇祟", "虹红",
    "湖瑚", "溪蹊", "雅鸦", "胜性", "盛威", "桂柱", "晨震", "华毕", "康庚", "墩敦", "兴举",
    "太大犬", "王玉主", "人入八", "干千于", "田由甲申", "贝见", "休体", "今令", "折拆",
    "候侯", "拔拨", "壁璧", "辨辩", "戊戌戍", "侍待", "很狠", "幕慕暮墓", "栋练", "单草",
    "坊访", "庄压", "东车", "乐东", "里理", "家冢", "新薪", "宝室", "晖辉", "铭鸣", "源原",
)  # fmt: skip
_TONE_MARKS = {"\u0300", "\u0301", "\u0304", "\u030c"}  # grave, acute, macron, caron; ü keeps its dots


def _toneless(syllable: str) -> str:
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", syllable) if c not in _TONE_MARKS)
    )


@cache
def sound_table() -> dict[int, str]:
    """str.translate table: a character -> the representative of its toneless-pinyin class."""
    from pypinyin.pinyin_dict import pinyin_dict  # 0.7 s to load: only when a matcher is built

    first: dict[str, str] = {}
    table: dict[int, str] = {}
    for code in sorted(pinyin_dict):
        if not 0x4E00 <= code <= 0x9FFF:
            continue
        key = _toneless(pinyin_dict[code].split(",")[0])
        rep = first.setdefault(key, chr(code))
        if rep != chr(code):
            table[code] = rep
    return table


@cache
def _traditional_pairs() -> tuple[tuple[str, str], ...]:
    from hanziconv.charmap import simplified_charmap, traditional_charmap

    return tuple((t, s) for t, s in zip(traditional_charmap, simplified_charmap, strict=True) if t != s)


def simplify_table(library_chars: Iterable[str]) -> dict[int, str]:
    """str.translate table: traditional -> simplified, leaving alone the characters the library
    writes itself (a name with 乾 keeps its 乾)."""
    keep = set(library_chars)
    return {ord(t): s for t, s in _traditional_pairs() if t not in keep}


@cache
def lookalikes() -> frozenset[tuple[str, str]]:
    """The look-alike pairs (both orders)."""
    pairs = set()
    for group in LOOKALIKE_GROUPS:
        for a in group:
            for b in group:
                if a != b:
                    pairs.add((a, b))
    return frozenset(pairs)


def brands(compounds: Iterable[str], share: float = 0.005) -> set[str]:
    """Two-character prefixes that at least `share` of the compounds (and 2) have: the developers'
    brands (绿城, 万科, ...), learnt from the library rather than listed."""
    names = sorted(set(compounds))
    floor = max(2, int(len(names) * share))
    return {p for p, n in Counter(x[:2] for x in names if len(x) > 3).items() if n >= floor}


def popular_names(compounds: Iterable[str], all_names: Iterable[str], share: float = 0.005) -> dict[str, str]:
    """Popular name -> the compound it stands for: the name without a prefix or a suffix (of 1 or
    2 characters) that at least `share` of the compounds (and 3) have, or without both. Only
    names that no other compound yields, that are no library name and that lie inside no other
    library name are kept: a short name shared by two places names neither."""
    names = sorted(set(compounds))
    floor = max(2, int(len(names) * share))
    prefixes = brands(names, share)
    suffixes = {s for k in (1, 2) for s, n in Counter(x[-k:] for x in names if len(x) > k + 1).items() if n >= floor}
    made: dict[str, set[str]] = {}
    for name in names:
        heads = [name] + [name[len(p) :] for p in prefixes if name.startswith(p)]
        for head in heads:
            # a name cut to two characters by a one-character suffix (章家湾 -> 章家) is a stem, not a name
            shorter = [head] + [
                head[: -len(s)] for s in suffixes if head.endswith(s) and len(head) - len(s) >= 4 - len(s)
            ]
            for short in shorter:
                if len(short) >= 2 and short != name:
                    made.setdefault(short, set()).add(name)
    every = set(all_names)
    inside: Counter[str] = Counter()
    for other in every:
        inside.update({other[i:j] for i in range(len(other)) for j in range(i + 2, len(other) + 1)})
    out: dict[str, str] = {}
    for short, owners in made.items():
        if len(owners) != 1 or short in every:
            continue
        (owner,) = owners
        if inside[short] <= 1:  # only inside its own compound's name
            out[short] = owner
    return out
