"""The statute word for what people say: search expansion for the lexical half of retrieval.

Cards are written with people's questions, so they match people's words;
documents (a statute, a policy opinion a deployer adds) use the formal word
only: people ask about a child "在要饭", the opinion says "乞讨"; "救助站" is
"救助保护机构", "自闭症" is "孤独症". BM25 cannot bridge that, so a question is
searched with the formal word added beside the everyday one. The dense half
needs no help (it learnt the paraphrases), and nothing is replaced: a card
that uses the everyday word still matches it.

Each entry is a general equivalence of Chinese usage, not a phrase of any one
question; keep it that way.
"""
from __future__ import annotations

import re

# everyday word → the word(s) statutes and policy documents use
FORMAL_WORDS: dict[str, str] = {
    # begging, going missing, trafficking
    "要饭": "乞讨", "讨饭": "乞讨", "讨钱": "乞讨", "要钱的": "乞讨", "叫花子": "乞讨",
    "走丢": "走失", "走散": "走失", "丢了": "走失", "不见了": "走失",
    "拐走": "拐卖", "拐跑": "拐卖", "人贩子": "拐卖",
    "流浪娃": "流浪未成年人", "流浪儿": "流浪未成年人", "流浪的娃": "流浪未成年人", "流浪的孩子": "流浪未成年人",
    # institutions and offices
    "救助站": "救助保护机构 救助管理机构", "福利院": "儿童福利机构", "孤儿院": "儿童福利机构",
    "派出所": "公安机关", "警察": "公安机关", "公安局": "公安机关",
    "村委会": "村民委员会", "村委": "村民委员会", "居委会": "居民委员会",
    "残联": "残联组织", "妇联": "妇女联合会",
    "学校老师": "学校", "班主任": "学校 教师",
    # disability and health
    "自闭症": "孤独症", "脑瘫": "肢体残疾", "聋": "听力残疾", "耳朵听不见": "听力残疾", "哑巴": "言语残疾",
    "瞎": "视力残疾", "看不见": "视力残疾", "傻": "智力残疾", "智障": "智力残疾",
    "助听器": "辅助器具", "轮椅": "辅助器具", "假肢": "辅助器具", "人工耳蜗": "人工耳蜗 手术",
    "看病": "医疗", "住院": "医疗", "报销": "结算 医疗救助",
    # family and guardianship
    "坐牢": "服刑", "蹲监狱": "服刑", "关进去": "服刑", "劳改": "服刑",
    "戒毒所": "强制隔离戒毒", "吸毒": "吸毒 戒毒",
    "后妈": "继母", "后爹": "继父", "后爸": "继父",
    "爷爷奶奶": "祖父母", "外公外婆": "外祖父母", "姥姥姥爷": "外祖父母",
    "改嫁": "再婚", "离了": "离婚",
    "不管娃": "不履行监护职责", "不管孩子": "不履行监护职责", "没人管": "监护缺失",
    "家暴": "家庭暴力", "打娃": "家庭暴力", "打孩子": "家庭暴力",
    # papers, school, money
    "户口": "户籍 户口登记", "上户": "户口登记", "身份证": "居民身份证",
    "辍学": "辍学 失学", "不上学": "辍学 失学", "逃学": "辍学",
    "学费": "教育资助", "书本费": "教育资助",
    "低保户": "最低生活保障家庭", "吃低保": "最低生活保障",
    "贫困户": "建档立卡贫困户",
    "生活费": "基本生活费", "补助": "补贴", "补助金": "补贴",
    "付费": "要钱 收费", "交钱": "要钱 收费", "花钱": "要钱 收费", "掏钱": "要钱 收费", "收钱": "要钱 收费",
    "白干": "工资 补贴", "报酬": "工资 补贴", "收入": "收入 经济条件",
    # courts, rights, wrongdoing
    "打官司": "诉讼 法律援助", "律师": "法律援助 律师", "告他": "诉讼 起诉", "告状": "诉讼 起诉",
    "罚款": "处罚", "罚他": "处罚", "罚不罚": "处罚", "能罚": "处罚", "坐监": "服刑",
    "挪去": "挪用", "挪走": "挪用", "贪了": "挪用 套取", "骗补贴": "套取", "冒领": "套取",
    "学坏": "不良行为 教育矫治", "偷东西": "违法犯罪 不良行为", "打架": "不良行为",
    "救出来": "解救", "救娃": "解救", "救孩子": "解救",
    "念书": "教育 上学", "读书": "教育 上学", "课耽误": "教育 学业",
    "谁来查": "监督检查", "来查": "监督检查", "查账": "审计 监督检查",
}
_PATTERN = re.compile("|".join(sorted(map(re.escape, FORMAL_WORDS), key=len, reverse=True)))


def with_formal_words(text: str) -> str:
    """``text`` followed by the formal word of each everyday word it uses ("娃在要饭 乞讨")."""
    added = []
    for match in _PATTERN.finditer(text):
        formal = FORMAL_WORDS[match.group(0)]
        if formal not in added:
            added.append(formal)
    return f"{text} {' '.join(added)}" if added else text
