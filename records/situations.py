"""The nine situations of the mandatory-reporting opinion (高检发〔2020〕9号 第四条), as reports are filed under.

One list for everyone who names them: the report form (actions/forms/report.py), the staff desk's
records, exports and dashboard.
"""
from __future__ import annotations

SITUATION_NAMES: dict[int, str] = {
    1: "生殖器官或隐私部位遭受或疑似遭受非正常损伤",
    2: "不满14周岁女孩遭受或疑似遭受性侵害、怀孕、流产",
    3: "14周岁以上女性疑似因性侵害怀孕、流产",
    4: "多处损伤、严重营养不良、意识不清，疑似家暴、欺凌、虐待、殴打或被人麻醉",
    5: "因自杀、自残、工伤、中毒、被人麻醉、殴打等非正常原因致残、死亡",
    6: "被遗弃或长期处于无人照料状态",
    7: "来源不明、失踪、被拐卖、被收买",
    8: "被组织乞讨",
    9: "其他人身、精神受到严重伤害或面临不法侵害危险",
}


def situation_name(number: int | None) -> str:
    """A situation's name, or 第N类 for a number outside the nine."""
    if number is None:
        return "—"
    return SITUATION_NAMES.get(number, f"第{number}类")
