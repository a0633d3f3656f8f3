"""The nature of a request (诉求性质) read from its words, as a 12345 call-taker tags it.

A reporter rarely says "this is a complaint"; the call-taker hears it: 投诉 when the caller
blames someone or says it was reported before to no avail, 举报 when someone is breaking a rule
on purpose, 咨询 when the caller asks how or whether, 建议 when they propose something, 感谢 when
they praise. What is left is asking for something to be fixed: 求决, or the first nature the
matter lists. The nature sets the disposal limit of some matters (咨询 3 working days, 投诉 13).

Cue words, not a trained model: no labelled history of natures exists yet to learn from, and a
call-taker's rules are short and can be read and corrected by the district. The reporter's own
choice (the `nature` field) always wins over the guess.
"""

from __future__ import annotations

import re

from gridbrain.catalog.model import Matter, Nature

# checked in this order; the first nature whose cue appears wins
_CUES: tuple[tuple[Nature, re.Pattern[str]], ...] = (
    # praise — a polite 谢谢 at the end of a request is not 感谢
    (
        Nature.THANKS,
        re.compile(r"表扬|锦旗|点赞|致谢|感谢信|感谢.{0,12}(及时|帮助|帮忙|辛苦|热心|负责|解决了|处理好了|办好了)"),
    ),
    (Nature.TIP_OFF, re.compile(r"举报|偷排|偷倒|私自|违规|违法|非法|无证|黑作坊|传销|赌博")),
    (
        Nature.COMPLAINT,
        re.compile(
            r"投诉|不作为|推诿|踢皮球|没人管|无人管|不管不问|态度(恶劣|很差|差)|多次(反映|打电话|来电)|"
            r"反映(过|了)(很多|好几|多)次|一直没(有)?(解决|处理|人)|至今(未|没)|强烈不满|太过分"
        ),
    ),
    (
        Nature.CONSULTATION,
        re.compile(
            r"咨询|请问|想问|问一下|想了解|是否(可以|需要|能)|能不能办|怎么(办理|申请|报名|交|缴)|"
            r"如何(办理|申请|报名)|需要(带|准备)什么|在哪(里)?(办|交|缴|申请)|什么时候(开始|能|可以)|有没有.{0,10}政策"
        ),
    ),
    (Nature.SUGGESTION, re.compile(r"建议|提议|(希望|能否|可否).{0,12}(增设|增加|加装|设置|安装|开通|延长|多设)")),
)


def guess(text: str, matter: Matter | None = None) -> Nature | None:
    """The nature the words say; without a cue, the matter's first nature, else 求决 when a
    matter is known (None for text with neither)."""
    for nature, cue in _CUES:
        if cue.search(text):
            return nature
    if matter is not None:
        return matter.natures[0] if matter.natures else Nature.REQUEST
    return None
