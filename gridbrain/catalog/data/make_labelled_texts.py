"""Build labelled_texts.csv from the hand-written reports in labelled_cores.txt.

Each hand-written report (a "core") is written out three times, the way the same complaint
reaches the brain by different doors: as the resident says it on the app, as a 12345 operator
types up the call (市民来电反映…诉求…), and as an upset caller who adds how long it has lasted
and what they want. Places are made up. The `group` column names the core, so a held-out split
can keep all three versions of one report on the same side.

Deterministic: run `python gridbrain/catalog/data/make_labelled_texts.py` to rebuild the
committed file byte for byte.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import yaml

HERE = Path(__file__).parent

COMPOUNDS = [
    "阳光花园",
    "锦绣苑",
    "和平新村",
    "翠苑一区",
    "金色家园",
    "枫林湾",
    "丽水嘉园",
    "东湖小区",
    "春晖苑",
    "名都花园",
    "桂花城",
    "新华里",
    "幸福家园",
    "香樟苑",
    "湖畔人家",
    "朝晖五区",
    "紫荆公寓",
    "建兴小区",
    "运河新城",
    "银杏苑",
    "南苑新村",
    "绿城西溪",
    "天和家园",
    "康乐小区",
]
ROADS = [
    "建设路",
    "解放路",
    "人民大道",
    "中山北路",
    "文化路",
    "长江路",
    "学院路",
    "新华街",
    "环城东路",
    "胜利路",
    "朝阳路",
    "光明路",
    "和平路",
    "迎宾大道",
    "工人路",
    "体育场路",
    "湖墅南路",
    "秋涛路",
]
BUILDINGS = ["3幢", "12号楼", "5栋2单元", "7幢1单元", "18号楼", "2栋", "9幢3单元", "21号楼", "6幢", "15栋"]
STREETS = ["城东街道", "湖滨街道", "文新街道", "北山街道", "东新街道", "米市巷街道", "祥符街道", "半山街道"]

OPENINGS = [
    "",
    "",
    "",
    "您好，",
    "你好，我想反映个事情，",
    "我是附近的居民，",
    "再次反映，",
    "打扰一下，",
    "我要反映一个问题：",
    "有个情况想请你们管一下，",
]
DURATIONS = [
    "",
    "",
    "这种情况已经持续一个多星期了，",
    "已经好几天了，",
    "从上个月开始就这样，",
    "反映过好几次了，",
    "最近天天这样，",
    "今天早上又是这样，",
    "昨天晚上又出现了，",
]
FEELINGS = [
    "",
    "",
    "实在受不了了，",
    "大家意见都很大，",
    "家里老人孩子都受影响，",
    "真的太气人了，",
    "周边居民都很有意见，",
    "太影响生活了，",
    "心里很着急，",
]
DEMANDS = [
    "希望有关部门尽快处理。",
    "请尽快派人来看看。",
    "请相关部门核实处理。",
    "麻烦尽快解决，谢谢！",
    "希望能给个答复。",
    "请尽快处理并回复我。",
    "希望政府管一管。",
    "要求依法处理。",
    "请帮忙协调解决。",
    "望尽快解决。",
    "拜托了。",
    "希望能彻底解决，不要每次都是来看一下就走。",
]
QUESTIONS = ["请告知。", "麻烦告诉我一下，谢谢。", "希望工作人员回个电话。", "请给予解答。", "谢谢！"]
HOTLINE_DEMANDS = [
    "诉求：希望尽快处理。",
    "诉求：请相关部门核实处理。",
    "诉求：尽快解决并回复。",
    "诉求：要求依法查处。",
    "诉求：请协调解决。",
    "诉求：请予以答复。",
]
HOTLINE_QUESTION = ["诉求：咨询相关政策。", "诉求：请告知办理流程。", "诉求：希望得到答复。"]

_QUESTION = re.compile(r"(吗|怎么|如何|哪里|什么|多少|多久|能不能|是否|请问|咨询|要不要)")


def _fill(core: str, rng: random.Random) -> str:
    rd, rd2 = rng.sample(ROADS, 2)
    return (
        core.replace("{xq}", rng.choice(COMPOUNDS))
        .replace("{bd}", rng.choice(BUILDINGS))
        .replace("{rd2}", rd2)
        .replace("{rd}", rd)
    )


def _end(text: str) -> str:
    return text if text[-1] in "。！？!?" else text + "。"


def variants(core: str, rng: random.Random) -> list[str]:
    """Three ways one report comes in: the app, the hotline record, an upset caller."""
    asks = bool(_QUESTION.search(core))
    app = _end(rng.choice(OPENINGS) + _fill(core, rng))
    where = rng.choice(STREETS) + ("" if "{xq}" in core or "{rd}" in core else rng.choice(COMPOUNDS))
    hotline = f"市民来电反映：{where}，{_fill(core, rng)}。" + rng.choice(HOTLINE_QUESTION if asks else HOTLINE_DEMANDS)
    if asks:
        upset = _end(_fill(core, rng)) + rng.choice(QUESTIONS)
    else:
        upset = _fill(core, rng) + "，" + rng.choice(DURATIONS) + rng.choice(FEELINGS) + rng.choice(DEMANDS)
    return [app, hotline.replace("。。", "。"), upset.replace("，，", "，")]


def read_cores(path: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            name = line[3:].strip()
        elif name:
            out.append((name, line))
    return out


def main(out: Path = HERE / "labelled_texts.csv") -> None:
    catalog = yaml.safe_load((HERE / "matters.yaml").read_text(encoding="utf-8"))
    code_of = {m["name"]: m["code"] for m in catalog["matters"]}
    rng = random.Random(20261124)
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i, (name, core) in enumerate(read_cores(HERE / "labelled_cores.txt")):
        code = code_of[name]
        for text in variants(core, rng):
            if text not in seen:
                seen.add(text)
                rows.append((text, code, f"r{i:04d}"))
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "matter_code", "group"])
        w.writerows(rows)
    print(f"{len(rows)} texts, {len({r[1] for r in rows})} matters")


if __name__ == "__main__":
    main()
