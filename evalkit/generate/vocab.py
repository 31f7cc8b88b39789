"""Word lists and built-in base tasks of ``evalkit generate`` (written for evalkit).

Filler words build witness sentences; keywords to include and words to avoid come from two
further lists that share no word (English) or no character (Chinese) with the filler, so a
witness never contains an avoided word by accident.
"""

from __future__ import annotations

EN_FILLER = (
    "this answer covers the main point with care and gives a clear view of how it works in "
    "practice while each part adds some detail about common cases simple steps useful ideas "
    "and small examples that help readers follow along from start to finish without extra "
    "effort because good structure makes every short note easy to read and check later"
).split()

EN_KEYWORDS = tuple(
    "river garden window planet bridge engine harbor forest market valley signal battery "
    "compass lantern meadow pencil rocket saddle tunnel violin whistle anchor basket candle "
    "castle cliff cotton desert feather glacier hammer island jacket kettle ladder magnet "
    "mirror needle orchard pepper pillow puzzle rabbit ribbon salmon shadow shovel silver "
    "spider sponge summer thunder ticket tomato trumpet velvet volcano walnut wheel wizard "
    "yogurt zebra canyon copper dolphin falcon fossil granite horizon lemon marble nectar "
    "oyster parrot quartz satellite timber tractor umbrella vessel".split()
)

EN_AVOID = tuple(
    "very really basically actually literally obviously maybe perhaps awesome amazing "
    "stuff things thing nice cool totally simply honestly definitely surely absolutely "
    "incredibly extremely quite rather somewhat kinda sorta huge tiny".split()
)

ZH_FILLER = (
    "这个", "回答", "说明", "主要", "问题", "内容", "需要", "关注", "实际", "情况", "可以", "帮助",
    "读者", "理解", "过程", "步骤", "简单", "清楚", "方法", "细节", "常见", "例子", "结构", "检查",
    "为了", "这样", "进行", "认真", "时候", "处理", "发现", "变化", "方面", "经验",
)

ZH_KEYWORDS = (
    "河流", "花园", "窗户", "星球", "桥梁", "引擎", "港口", "森林", "市场", "山谷", "信号", "电池",
    "指南针", "灯笼", "草地", "铅笔", "火箭", "隧道", "小提琴", "口哨", "篮子", "蜡烛", "城堡",
    "悬崖", "棉花", "沙漠", "羽毛", "冰川", "锤子", "岛屿", "夹克", "水壶", "梯子", "磁铁", "镜子",
    "果园", "胡椒", "枕头", "拼图", "兔子", "丝带", "鲑鱼", "影子", "铁锹", "银色", "蜘蛛", "海绵",
    "夏天", "雷声", "车票", "番茄", "喇叭", "火山", "核桃", "车轮", "斑马", "峡谷", "铜矿", "海豚",
    "猎鹰", "化石", "花岗岩", "地平线", "柠檬", "大理石", "牡蛎", "鹦鹉", "石英", "卫星", "木材",
    "拖拉机", "雨伞", "船只",
)

ZH_AVOID_CANDIDATES = (
    "非常", "真的", "基本", "其实", "显然", "也许", "大概", "厉害", "东西", "特别", "确实", "绝对",
    "极其", "相当", "稍微", "巨大", "微小", "居然", "果然", "竟然", "总之", "反正", "简直", "根本",
)


def _chars(words: tuple[str, ...]) -> set[str]:
    return {ch for w in words for ch in w}


# Chinese keywords match as substrings, so an avoided word may share no character with the
# filler or the keywords (they are then never a substring of a witness).
ZH_AVOID = tuple(w for w in ZH_AVOID_CANDIDATES if not set(w) & (_chars(ZH_FILLER) | _chars(ZH_KEYWORDS)))

EN_TASKS = (
    "Explain how a rainbow forms.",
    "Describe the main steps of making bread at home.",
    "Give advice to someone starting to learn a musical instrument.",
    "Summarize why sleep matters for students.",
    "Explain what a budget is and why families use one.",
    "Describe a good way to organize a small kitchen.",
    "Explain how bees help plants grow.",
    "Give tips for writing a clear email to a teacher.",
    "Describe how a bicycle gear system works.",
    "Explain why the sky looks blue during the day.",
    "Suggest ways to reduce food waste at home.",
    "Describe what makes a city park pleasant to visit.",
    "Explain the difference between weather and climate.",
    "Give advice for preparing a short public talk.",
    "Describe how recycling paper works.",
    "Explain why regular exercise is useful.",
    "Describe a simple plan for learning new vocabulary.",
    "Explain how a library organizes its books.",
    "Give tips for keeping houseplants healthy.",
    "Explain how vaccines train the immune system.",
    "Describe the life cycle of a butterfly.",
    "Explain what compound interest means.",
    "Give advice for a first job interview.",
    "Describe how tides are caused by the moon.",
    "Explain why bridges are built with expansion joints.",
    "Describe a relaxing weekend routine.",
    "Explain how solar panels produce electricity.",
    "Give tips for taking useful notes in class.",
    "Describe how a volcano erupts.",
    "Explain why people keep a travel journal.",
    "Describe how to plan a small vegetable garden.",
    "Explain what a password manager does.",
    "Give advice for staying safe while hiking.",
    "Describe how coffee is grown and processed.",
    "Explain how maps show height with contour lines.",
    "Describe what a good team meeting looks like.",
    "Explain why leaves change color in autumn.",
    "Give tips for saving water in a bathroom.",
    "Describe how a letter travels through the postal system.",
    "Explain how a thermometer measures temperature.",
)

ZH_TASKS = (
    "解释彩虹是如何形成的。",
    "介绍在家做面包的主要步骤。",
    "给刚开始学习乐器的人一些建议。",
    "说明睡眠对学生为什么重要。",
    "解释什么是家庭预算以及它的用途。",
    "介绍整理小厨房的好方法。",
    "解释蜜蜂如何帮助植物生长。",
    "给出给老师写一封清楚邮件的建议。",
    "介绍自行车变速系统的工作原理。",
    "解释白天天空为什么是蓝色的。",
    "提出在家减少食物浪费的办法。",
    "描述一个让人愿意去的城市公园。",
    "解释天气和气候的区别。",
    "给准备简短演讲的人一些建议。",
    "介绍废纸回收的过程。",
    "解释经常锻炼的好处。",
    "介绍一个学习新词汇的简单计划。",
    "解释图书馆如何整理图书。",
    "给出养护室内植物的建议。",
    "解释疫苗如何训练免疫系统。",
    "描述蝴蝶的生命周期。",
    "解释复利是什么意思。",
    "给第一次参加面试的人一些建议。",
    "介绍月球如何引起潮汐。",
    "描述一个轻松的周末安排。",
    "解释太阳能电池板如何发电。",
    "给出课堂上做好笔记的建议。",
    "介绍火山喷发的过程。",
    "介绍如何规划一个小菜园。",
    "解释密码管理器的作用。",
    "给徒步旅行的人一些安全建议。",
    "介绍咖啡的种植和加工过程。",
    "解释秋天树叶为什么会变色。",
    "给出在浴室节约用水的建议。",
    "介绍一封信如何通过邮政系统送达。",
    "解释温度计如何测量温度。",
)
