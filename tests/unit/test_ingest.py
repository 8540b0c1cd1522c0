"""Document ingestion (knowledge/documents.py, clean.py, split.py, ingest.py).

The seeds are real scraped pages: traditional script, pinyin glosses, GBK
bytes cut mid-character, site menus and footers. The statutes are the texts
the bot quotes article by article, so their article boundaries are checked
against an independent count over the raw file.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from knowledge.clean import clean_text
from knowledge.documents import DocumentError, read_text
from knowledge.ingest import add, documents_dir, ingest, ingest_all
from knowledge.split import DocumentMeta, meta_for, split_document
from nlu.components.text_normaliser import chinese_int as chinese_number

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "knowledge" / "documents"
STATUTE_2024 = DOCUMENTS / "未成年人保护法(2024-04-26).md"
# The 2020 text is superseded (the 2024 amendment kept the article numbers); it is not indexed,
# but it is a real document, so ingestion is still tested on it.
STATUTE_2020 = ROOT / "tests" / "fixtures" / "documents" / "未成年人保护法(2020-10-17).md"
SEEDS = {  # the shipped copy of each seed and phrases its cleaned text must contain
    "重庆市渝童守护行动.txt": ["渝童守护", "未成年人保护体系", "儿童主任", "健全“1+N”制度体系，即落实《中华人民共和国未成年人保护法》",
                         "四级未保工作网络", "完善一批配套制度"],
    "滕州市儿童主任网格化赋能行动.txt": ["儿童主任网格化赋能行动", "“心滕你”未成年人保护服务品牌", "儿童主任", "撑稳“保护伞”",
                             "织密编牢未“监管网”", "危机干预"],
    "佛冈县未成年人保护工作.txt": ["未成年人保护体系", "谈认识、谈体会", "深入开展“无烟学校”（幼儿园）创建活动",
                          "困境儿童生存与发展状态的改善", "佛冈县", "守望成长"],
}
TRADITIONAL = "護發標準機構網絡區縣鄉鎮體與為協務設會點這個對學習進們過還說時從兒療幫權資態輔導實"
GLOSS = re.compile(r"\(\s*[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\s*\)")
CJK = "\u4e00-\u9fff"


@pytest.fixture(scope="module")
def cleaned_seeds() -> dict[str, str]:
    return {name: clean_text(read_text(DOCUMENTS / name)) for name in SEEDS}


@pytest.fixture(scope="module")
def statute() -> dict[str, object]:
    return {p.article: p for p in ingest(STATUTE_2024)}


# --- the garbled seeds ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SEEDS))
def test_garbled_seed_reads_as_simplified_text(cleaned_seeds, name):
    text = cleaned_seeds[name]
    for phrase in SEEDS[name]:
        assert phrase in text, phrase
    assert not GLOSS.search(text)
    assert not re.search("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", text), "a tone-marked letter is left"
    assert not [c for c in TRADITIONAL if c in text], "traditional characters are left"
    assert not re.search(rf"[{CJK}][?？][{CJK}]", text), "a stray ? between characters"
    assert "?" not in text and "？" not in text  # every ? in these pages is a lost byte, none a question
    assert not re.search("[\u3100-\u312f]", text), "bopomofo mojibake is left"
    assert set(re.findall("[A-Za-z]", text)) <= {"N", "X"}  # only "1+N" and "1+X+N" are real letters
    assert not re.search(r"^\s*[|｜]", text, re.M)


def test_seed_debris_is_gone(cleaned_seeds):
    chongqing = cleaned_seeds["重庆市渝童守护行动.txt"]
    assert "本报记者" not in chongqing and "■" not in chongqing and "|" not in chongqing
    assert chongqing.count("\n") >= 8  # its paragraphs, flattened into one line by the scrape, are back
    tengzhou = cleaned_seeds["滕州市儿童主任网格化赋能行动.txt"]
    assert "☉" not in tengzhou and "▌" not in tengzhou and "氨" not in tengzhou
    fogang = cleaned_seeds["佛冈县未成年人保护工作.txt"]
    for debris in ("文稿来源", "转自", "开班仪式", "揭牌成立", "@", "篑"):  # source lines, photo captions, mojibake
        assert debris not in fogang, debris


def test_web_page_furniture_is_gone():
    text = clean_text(read_text(DOCUMENTS / "黔西市未成年人保护工作.txt"))
    for furniture in ("政讯通中心", "当前所在", "网站首页", "作者：佚名", "原文链接", "http", "gzpeace", "免责声明",
                      "版权所有", "联系电话", "010-57028685", "砖塔胡同", "举报", "执法资讯网"):
        assert furniture not in text, furniture
    lines = text.split("\n")
    assert lines[0].startswith("黔西市狠抓“六个保障”")
    assert lines[-1].endswith("依法训诫和追究法律责任。")
    assert "开通救助热线电话" in text  # a sentence about a phone line is content, not a contact line


def test_site_header_footer_and_meta_lines_are_dropped():
    page = "\n".join([
        "某县民政局",
        "首页 | 新闻中心 | 政务公开 | 办事服务 | 互动交流",
        "您现在的位置：首页 > 政务公开 > 通知公告",
        "某县开展留守儿童关爱服务",
        "来源：县民政局  发布时间：2023-01-01 10:00  浏览次数：123",
        "【字体：大 中 小】 打印本页 关闭窗口",
        "近日，某县民政局组织儿童主任开展入户走访，了解留守儿童生活情况。",
        "走访中发现困难的，及时报告并协调解决。",
        "（责任编辑：李四）",
        "扫一扫在手机打开当前页",
        "上一篇：某县召开会议",
        "主办单位：某县人民政府办公室  承办：某县大数据中心",
        "版权所有：某县人民政府  ICP备12345678号",
        "地址：某县人民路1号  邮编：123456  电话：0123-4567890",
    ])
    assert clean_text(page).split("\n") == [
        "某县开展留守儿童关爱服务",
        "近日，某县民政局组织儿童主任开展入户走访，了解留守儿童生活情况。",
        "走访中发现困难的，及时报告并协调解决。",
    ]


def test_hotline_in_the_body_stays_contact_line_at_the_end_goes():
    text = clean_text("\n".join([
        "某县关爱留守儿童工作方案", "一、工作目标", "建立健全关爱服务体系。", "二、求助渠道", "未成年人保护热线：12355",
        "县民政局值班电话：0123-4567890", "三、工作要求", "各乡镇要高度重视，认真落实。", "四、保障措施", "加强经费保障。",
        "五、其他", "本方案自印发之日起施行。", "联系人：张三，电话：0123-7654321",
    ]))
    assert "未成年人保护热线：12355" in text and "县民政局值班电话：0123-4567890" in text
    assert "张三" not in text and text.endswith("本方案自印发之日起施行。")


def test_clean_text_on_small_cases():
    assert clean_text("保護(hù)兒童，標(biāo)準(zhǔn)化") == "保护儿童，标准化"
    assert clean_text("居?。ㄗ。在農村") == "居住在农村"  # a gloss cut by a lost byte, the lost 住 restored
    assert clean_text("深入開展“無煙學(xué)?!保ㄓ變簣@)創(chuàng)建") == "深入开展“无烟学校”（幼儿园）创建"
    assert clean_text("孩子怎么办?我们去哪里") == "孩子怎么办？我们去哪里"  # an ordinary page: ? is a question
    assert clean_text("||||\n第一段。\u200b<!-- INFO END -->\n\n\n第二段。 |") == "第一段。\n第二段。"
    assert clean_text("详见 https://example.gov.cn/a.htm 或来信 a@b.cn。\n打印本页 关闭窗口\n责任编辑：张三") == "详见 或来信。"
    assert clean_text("## 第一章 总 则") == "第一章 总则"
    assert clean_text("") == ""


def test_hard_wrapped_lines_are_rejoined():
    """PDF text comes in lines of the page's width; paragraphs are put back, headings stay apart."""
    import textwrap

    paragraphs = ["关于做好农村留守儿童关爱保护工作的通知", "各乡镇人民政府：",
                  "为贯彻落实《国务院关于加强农村留守儿童关爱保护工作的意见》，进一步做好我县农村留守儿童关爱保护工作，现将有关事项通知如下。",
                  "一、摸清底数",
                  "各乡镇要组织村（居）儿童主任开展全面摸底排查，做到不漏一户、不落一人，建立健全信息台账并实行动态管理，每季度更新一次。",
                  "二、落实责任",
                  "县民政局负责统筹协调，教育、公安、卫生健康等部门按照各自职责做好相关工作，形成工作合力，确保各项措施落到实处。"]
    lines = [line for paragraph in paragraphs for line in textwrap.wrap(paragraph, 30)]
    lines.insert(6, "- 2 -")  # a page number between pages
    assert clean_text("\n".join(lines)).split("\n") == paragraphs


# --- statutes: article boundaries --------------------------------------------------------

def test_statute_splits_at_every_article(statute):
    raw = STATUTE_2024.read_text(encoding="utf-8")
    numerals = re.findall(r"^第([零一二三四五六七八九十百千]+)条", raw, re.M)
    assert len(numerals) >= 130
    articles = [p for p in statute.values() if re.fullmatch(r"第\d+条", p.article)]
    assert len(articles) == len(numerals)
    assert [p.article for p in articles] == [f"第{chinese_number(n)}条" for n in numerals]
    assert [p.article for p in articles] == [f"第{i}条" for i in range(1, len(numerals) + 1)]


def test_article_22_is_whole_and_alone(statute):
    raw = STATUTE_2024.read_text(encoding="utf-8")
    article_23 = re.search(r"^第二十三条\s+(.+)$", raw, re.M).group(1)
    passage = statute["第22条"]
    assert passage.key == "未成年人保护法#第22条"
    assert passage.text.startswith("未成年人的父母或者其他监护人因外出务工等原因在一定期限内不能完全履行监护职责的")
    assert "（四）其他不适宜担任被委托人的情形。" in passage.text  # its items stay with it
    assert article_23[:20] not in passage.text
    assert "第二十三条" not in passage.text and "第三章" not in passage.text
    assert passage.chapter == "第二章 家庭保护"
    assert passage.citation() == "《未成年人保护法》第22条"
    assert (passage.issuer, passage.date, passage.region) == ("全国人民代表大会常务委员会", "2024-04-26", "全国")


def test_article_11_is_in_chapter_one(statute):
    assert statute["第11条"].chapter.startswith("第一章")
    assert statute["第132条"].chapter.startswith("第九章")
    assert statute["第132条"].text == "本法自2021年6月1日起施行。"


def test_chapter_headings_without_numbers_are_numbered():
    chapters = {p.article: p.chapter for p in ingest(DOCUMENTS / "未成年人网络保护条例(2023-10-16).md")}
    assert chapters["第1条"] == "第一章 总则"
    assert chapters["第13条"] == "第二章 网络素养促进"
    assert chapters["第60条"] == "第七章 附则"


def test_chinese_numbers():
    assert [chinese_number(n) for n in ("一", "十", "十一", "二十二", "一百", "一百零二", "一百三十二", "一千二百六十")] == \
        [1, 10, 11, 22, 100, 102, 132, 1260]


# --- every shipped document -----------------------------------------------------------------

def test_a_record_card_before_the_text_is_not_indexed_and_gives_the_number(tmp_path):
    path = tmp_path / "意见.md"
    path.write_text(
        "# 国务院关于加强农村留守儿童关爱保护工作的意见\n\n"
        "> 注意：本文件来自公开转载。\n\n"
        "- 标题：国务院关于加强农村留守儿童关爱保护工作的意见\n"
        "- 文号：国发〔2016〕13号（据公开发布信息著录）\n"
        "- 来源：GitHub `someone/law`，路径 `docs/3.3.md`\n\n---\n\n"
        "## 一、充分认识重要意义\n\n留守儿童是指父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁的未成年人。\n",
        encoding="utf-8",
    )
    passages = ingest(path)
    assert all("GitHub" not in p.text and "来源" not in p.text for p in passages)
    assert passages[0].number == "国发〔2016〕13号"
    assert passages[0].citation().startswith("《国务院关于加强农村留守儿童关爱保护工作的意见》（国发〔2016〕13号）")


def test_every_shipped_document_ingests_with_unique_keys():
    files = sorted(p for p in DOCUMENTS.iterdir() if not p.name.endswith(".meta.yml"))
    assert len(files) == 17
    for path in files:
        assert (path.parent / (path.name + ".meta.yml")).is_file(), f"{path.name} has no sidecar"
    passages = ingest_all(DOCUMENTS)
    keys = [p.key for p in passages]
    assert len(keys) == len(set(keys))
    titles = {p.document for p in passages}
    assert {"未成年人保护法", "民法典", "未成年人网络保护条例"} <= titles
    assert len(titles) == 17
    assert not any("GitHub" in p.text or "来源：" in p.text for p in passages), "record cards are not indexed"
    for passage in passages:
        assert passage.text.strip()
        assert not GLOSS.search(passage.text)
        assert "http" not in passage.text
    regions = {p.region for p in passages if p.is_local}
    assert regions == {"重庆市", "滕州市", "黔西市", "佛冈县", "北碚区"}


def test_policy_splits_at_its_headings():
    passages = {p.article: p for p in ingest(DOCUMENTS / "北碚区农村留守儿童和困境儿童关爱服务体系实施意见.txt")}
    assert list(passages)[:3] == ["前言", "一（一）", "一（二）"]
    assert "五（四）" in passages
    assert passages["三（三）"].text.startswith("建立强制报告和应急处置机制。")
    assert passages["三（三）"].chapter == "三、夯实监护责任"
    assert passages["前言"].text.count("北碚民发〔2021〕1号") == 1
    assert passages["一（一）"].region == "北碚区"


def test_news_splits_into_short_passages():
    passages = ingest(DOCUMENTS / "黔西市未成年人保护工作.txt")
    assert [p.article for p in passages] == [f"第{i}段" for i in range(1, len(passages) + 1)]
    assert all(len(p.text) <= 420 and 1 <= p.text.count("\n") + 1 <= 3 for p in passages)
    assert passages[0].date == "2022-06-20" and passages[0].region == "黔西市"


def test_meta_without_sidecar_comes_from_the_file(tmp_path):
    path = tmp_path / "反家庭暴力法(2015-12-27).md"
    path.write_text("# 中华人民共和国反家庭暴力法\n\n第一条 为了预防和制止家庭暴力，制定本法。\n", encoding="utf-8")
    assert meta_for(path) == DocumentMeta(title="反家庭暴力法", issuer=None, date="2015-12-27", region="全国")
    (tmp_path / (path.name + ".meta.yml")).write_text("title: 某县办法\ndate: 2021-03-04\nregion: 某县\n", encoding="utf-8")
    assert meta_for(path) == DocumentMeta(title="某县办法", issuer=None, date="2021-03-04", region="某县")


# --- formats ----------------------------------------------------------------------------------

def test_docx_paragraphs_and_table_cells_in_order(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("某縣兒童福利辦法")
    document.add_paragraph("第一條 為了保護兒童，制定本辦法。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "孤兒基本生活費"
    table.cell(0, 1).text = "每人每月1882元"
    document.add_paragraph("第二條 本辦法自發布之日起施行。")
    document.add_paragraph("第三條 本辦法由縣民政局負責解釋。")
    path = tmp_path / "办法.docx"
    document.save(str(path))
    text = read_text(path)
    assert text.split("\n") == ["某縣兒童福利辦法", "第一條 為了保護兒童，制定本辦法。", "孤兒基本生活費", "每人每月1882元",
                                "第二條 本辦法自發布之日起施行。", "第三條 本辦法由縣民政局負責解釋。"]
    passages = split_document(clean_text(text), DocumentMeta(title="某县儿童福利办法"))
    assert [p.article for p in passages] == ["第1条", "第2条", "第3条"]  # the title line is the citation, not a passage
    assert passages[0].text == "为了保护儿童，制定本办法。\n孤儿基本生活费\n每人每月1882元"


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` in a CID font whose ToUnicode map makes the Chinese extractable."""
    chars = sorted({c for line in lines for c in line})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    content = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
    content += ["<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj T*" for line in lines]
    stream = "\n".join(content + ["ET"]).encode()
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n" + "\n".join(f"<{cid[c]:04X}> <{ord(c):04X}>" for c in chars) +
            "\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_page_text(tmp_path):
    lines = ["第一章 总则", "第一条 为了保护未成年人身心健康，制定本法。", "第二条 本法所称未成年人是指未满十八周岁的公民。",
             "第三条 国家保障未成年人的生存权。"]
    path = tmp_path / "某法(2020-01-02).pdf"
    path.write_bytes(_pdf(lines))
    assert read_text(path).split() == " ".join(lines).split()
    passages = ingest(path)
    assert [p.article for p in passages] == ["第1条", "第2条", "第3条"]
    assert passages[1].text == "本法所称未成年人是指未满十八周岁的公民。"
    assert passages[0].chapter == "第一章 总则" and passages[0].date == "2020-01-02"


def test_plain_text_in_gb18030(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_bytes("关于做好留守儿童关爱工作的通知\n各乡镇：请认真落实。".encode("gb18030"))
    assert read_text(path).startswith("关于做好留守儿童关爱工作的通知")


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content", [
    ("empty.txt", b""),
    ("blank.md", b"  \n\n\t \n"),
])
def test_empty_documents_give_no_passages(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert ingest(path) == []


@pytest.mark.parametrize("name, content", [
    ("old.doc", b"\xd0\xcf\x11\xe0 an old Word file"),
    ("sheet.xlsx", b"PK\x03\x04"),
    ("noext", b"text"),
    ("junk.txt", bytes(range(256)) * 8),
    ("junk.pdf", b"%PDF-1.4 this is not really a pdf \x00\xff"),
    ("junk.docx", b"PK\x03\x04 not a zip at all"),
    ("zeros.md", b"\x00" * 100),
])
def test_bad_documents_raise_document_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError):
        ingest(path)


def test_missing_file_raises_document_error(tmp_path):
    with pytest.raises(DocumentError):
        read_text(tmp_path / "nowhere.txt")


def test_ingest_all_skips_bad_files(tmp_path):
    (tmp_path / "good.txt").write_text("一段正文，没有结构。", encoding="utf-8")
    (tmp_path / "good.txt.meta.yml").write_text("title: 好文件\n", encoding="utf-8")
    (tmp_path / "bad.pdf").write_bytes(b"not a pdf")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "notes.doc").write_bytes(b"ignored: not a supported type")
    passages = ingest_all(tmp_path)
    assert [p.key for p in passages] == ["好文件#第1段"]


def test_ingest_all_keeps_keys_unique_when_titles_repeat(tmp_path):
    for date in ("2020-01-01", "2024-01-01"):
        (tmp_path / f"某法({date}).md").write_text("# 中华人民共和国某法\n\n第一条 甲。\n\n第二条 乙。\n\n第三条 丙。\n",
                                                   encoding="utf-8")
    keys = [p.key for p in ingest_all(tmp_path)]
    assert keys == ["某法#第1条", "某法#第2条", "某法#第3条",
                    "某法（2024-01-01）#第1条", "某法（2024-01-01）#第2条", "某法（2024-01-01）#第3条"]


# --- add --------------------------------------------------------------------------------------

def test_add_copies_the_file_and_writes_its_sidecar(tmp_path):
    source = tmp_path / "incoming" / "某县留守儿童关爱办法.txt"
    source.parent.mkdir()
    source.write_text("一、总体要求\n坚持儿童优先。\n二、主要措施\n建立儿童主任制度。\n", encoding="utf-8")
    target_dir = tmp_path / "documents"
    copied = add([source], target_dir, title="某县留守儿童关爱办法", issuer="某县民政局", date="2023-05-01", region="某县")
    assert copied == [target_dir / source.name]
    assert copied[0].read_bytes() == source.read_bytes()
    sidecar = yaml.safe_load((target_dir / (source.name + ".meta.yml")).read_text(encoding="utf-8"))
    assert sidecar == {"title": "某县留守儿童关爱办法", "issuer": "某县民政局", "date": "2023-05-01", "region": "某县"}
    passages = ingest(copied[0])
    assert [p.key for p in passages] == ["某县留守儿童关爱办法#一", "某县留守儿童关爱办法#二"]
    assert {(p.issuer, p.date, p.region) for p in passages} == {("某县民政局", "2023-05-01", "某县")}


def test_add_without_options_derives_the_citation(tmp_path):
    source = tmp_path / "反家庭暴力法(2015-12-27).md"
    source.write_text("# 中华人民共和国反家庭暴力法\n\n第一条 为了预防和制止家庭暴力，制定本法。\n", encoding="utf-8")
    [copied] = add([source], tmp_path / "documents")
    sidecar = yaml.safe_load((copied.parent / (copied.name + ".meta.yml")).read_text(encoding="utf-8"))
    assert sidecar == {"title": "反家庭暴力法", "date": "2015-12-27", "region": "全国"}


def test_add_refuses_bad_files_and_copies_nothing(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("正文。", encoding="utf-8")
    bad = tmp_path / "bad.doc"
    bad.write_bytes(b"old word")
    target_dir = tmp_path / "documents"
    with pytest.raises(DocumentError):
        add([good, bad], target_dir)
    with pytest.raises(DocumentError):
        add([good, good], target_dir, title="one title for two files")
    with pytest.raises(DocumentError):
        add([tmp_path / "missing.txt"], target_dir)
    assert not target_dir.exists() or not any(target_dir.iterdir())


def test_documents_dir_is_configurable(monkeypatch, tmp_path):
    monkeypatch.delenv("KNOWLEDGE_DOCUMENTS_DIR", raising=False)
    assert documents_dir() == DOCUMENTS
    monkeypatch.setenv("KNOWLEDGE_DOCUMENTS_DIR", str(tmp_path))
    assert documents_dir() == tmp_path
