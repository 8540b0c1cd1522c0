"""Clean the text of a real document before it is split and indexed.

Documents people add are rarely tidy. Local policy news is copied from web
pages in traditional script whose converter glossed characters with pinyin
(``保護(hù)``) and whose GBK bytes were sometimes cut mid-character, leaving a
``?`` and a run of nonsense (``學(xué)?!保ㄓ變簣@)`` for ``學校”（幼兒園）``). Pages
also carry their site's menus, disclaimers, contact lines and URLs. The
retriever should see, and a user should be shown, only the document's words.

``clean_text`` returns simplified text, one paragraph per line.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlu.components.text_normaliser import strip_emoji, to_simplified

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{CJK}]")
# Punctuation that sits among Chinese words: a half-width mark next to one of these is Chinese punctuation.
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】〔〕…—·「」『』"

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\s*/?>", re.I)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>")

# A pinyin syllable with a tone mark: what web converters put in brackets after a character.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = f"[a-zü]*[{_TONED}][a-zü]*"
_GLOSS = re.compile(rf"(?<=[{CJK}])\(\s*{_PINYIN}(?:\s+{_PINYIN})*\s*\)")
_GLOSS_TAIL = re.compile(rf"{_PINYIN}\)")  # a gloss whose "(" was swallowed by a broken byte

# Tables for the GBK re-alignment (see _repair_lost_bytes).
_LEAD_BYTES = range(0x81, 0xFF)
_BOPOMOFO = "\u3100-\u312f\u31a0-\u31bf"
# What a slip leaves when nothing brings the decoder back in step: punctuation and bopomofo.
_BOPOMOFO_DEBRIS = re.compile(f"[。，、；：（）()！!“”]*[{_BOPOMOFO}](?:[{_BOPOMOFO}。，、；：（）()！!“”]*[{_BOPOMOFO}])?[。，、；：）)！!”]?")
_LOOSE_PINYIN = re.compile(rf"\(?{_PINYIN}\)?")

_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s\u3000，。；）)】》”]+|"
                  r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov|edu|info)(?:\.cn)?(?:/[^\s，。；]*)?",
                  re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}[-—\s]?\d{7,8}|1[3-9]\d{9}|400[-\s]?\d{3}[-\s]?\d{4})(?!\d)")

# Lines that belong to the web page, not the document.
_FURNITURE = re.compile(
    "|".join([
        r"版权所有", r"版权归", r"免责声明", r"ICP备", r"[Cc]opyright", r"©",
        r"打印本页", r"关闭窗口", r"【打印】", r"【关闭】", r"【字[体号]", r"字[体号][:：]\s*[大中小]",
        r"扫一扫", r"分享到", r"收藏本页", r"加入收藏", r"设为首页", r"返回顶部", r"网站地图",
        r"^上一篇", r"^下一篇", r"^相关(?:阅读|新闻|链接|文章)", r"^推荐阅读", r"在手机上(?:打开|阅读)",
        r"微信扫码", r"浏览次数", r"点击数[:：]", r"阅读次数", r"^原文(?:链接|地址|网址)", r"^(?:网页)?链接[:：]",
        r"^(?:文章|信息|稿件|文稿|新闻|图片)?来源[:：]", r"^转(?:自|载自|载)[:：]", r"^(?:作者|编辑|责任编辑|责编|审核|校对|审校|终审)[:：]",
        r"^(?:发布|更新|发表)?(?:时间|日期)[:：]", r"举报(?:电话|中心|网站)",
    ])
)
# Contact lines: the page's or the sender's address book. Dropped only at the top and the end of a
# document, where pages and letters put them; a hotline in the body of a policy is content.
_CONTACT = re.compile(r"^(?:联系|监督|举报|咨询|服务|投诉|值班|办公)?(?:电话|热线|传真|手机)[:：]|"
                      r"^(?:联系)?(?:地址|邮编|邮箱|电子邮箱|[Ee]-?mail|QQ|微信)[:：]|^联系人[:：]")
# Strong footer markers: from the first of these near the end, the rest is the site's footer.
_FOOTER = re.compile(r"免责声明|版权所有|版权归|ICP备|[Cc]opyright|©|主办单位|^主办[:：]|技术支持[:：]|本站(?:部分)?信息|本网(?:部分)?转载")
_BREADCRUMB = re.compile(r"当前(?:所在|位置)|您(?:现在)?的位置|首页\s*(?:>|>>|»|/|＞)")
_BYLINE = re.compile(rf"^(?:本报讯\s*)?(?:本报|本刊|本台|本网)?(?:记者|通讯员|实习生)[\s:：]*[{CJK}]{{2,4}}(?:[\s、，,][{CJK}]{{2,4}})*(?:\s+|$)")
_INLINE_BYLINE = re.compile(r"[（(](?:本报|本刊)?(?:记者|通讯员|责任编辑|责编|编辑)[^（）()]{1,30}[）)]")
_CAPTION = re.compile(r"^\d{4}年\d{1,2}月(?:\d{1,2}日)?[,，]|^图[为：:]|^（?图片(?:来源|由)")
_PAGE_NUMBER = re.compile(r"^(?:[-—–]\s*\d{1,4}\s*[-—–]|\d{1,3}|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_DECORATION = re.compile("[\u2500-\u25ff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff★☆◆◇●○◎■□▲△▼▽※§¤☉]")
_PIPES = re.compile(r"^[|｜¦\s]+|[|｜¦\s]+$")
_HEADING_SPACED = re.compile(rf"^(第[零〇一二三四五六七八九十百千]+[编章节])\s*(.*)$")
_SENTENCE_END = "。！？；：…”’）)》"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}


# A record card before a document's text: a title, notes (> …) and "- 字段：值" lines, then a rule (---).
_RECORD_LINE = re.compile(r"^\s*(#.*|>.*|[-*]\s*[^：:\n]{1,12}[：:].*|)$")
_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")


def drop_record_card(text: str) -> str:
    """The text after a leading record card (who copied the file, from where, what it lacks), if there is one.

    Such a card describes the file, not the policy: its source links and notes
    must not be quoted to a user as if they were the document's words.
    """
    lines = text.split("\n")
    for number, line in enumerate(lines[:40]):
        if _RULE.match(line):
            head = lines[:number]
            if any(re.match(r"^\s*[-*]\s*[^：:\n]{1,12}[：:]", h) for h in head) and all(_RECORD_LINE.match(h) for h in head):
                return "\n".join(lines[number + 1 :])
            return text
    return text


def clean_text(raw: str) -> str:
    """Simplified, debris-free text of a document, one paragraph per line."""
    if not raw:
        return ""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = drop_record_card(text)
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text).replace("\t", " ")
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    glossed = has_glosses(text)
    if glossed:
        # The byte repair needs the text as it was decoded: before any conversion.
        text = _GLOSS.sub("", text)
        text = _repair_lost_bytes(text)
        text = _GLOSS.sub("", text)  # glosses that followed a repaired run
        text = _LOOSE_PINYIN.sub("", text)  # pieces of glosses a slip cut apart
        text = re.sub(f"[{_BOPOMOFO}]", "", text)  # bopomofo is not used in mainland text: mojibake
        text = re.sub(rf"(?<=[{CJK}{CJK_PUNCT}])\?+(?=[{CJK}{CJK_PUNCT}])", "", text)  # a character lost outright
    text = _drop_script_glosses(text)
    text = to_simplified(text)
    lines = _restore_paragraphs(text.split("\n"))
    lines = [_clean_line(line) for line in lines]
    lines = _drop_page_furniture(lines)
    lines = [_punctuate(line, glossed) for line in lines]
    lines = [line for line in lines if line]
    lines = _reflow_hard_wraps(lines)
    lines = _join_broken_titles(lines)
    return "\n".join(lines)


def _drop_script_glosses(text: str) -> str:
    """``護(护)``: a converter's gloss giving the simplified form of the character before it."""
    def keep(match: re.Match) -> str:
        before, inside = match.group(1), match.group(2)
        return before if inside != before and to_simplified(before) == inside else match.group()

    return re.sub(rf"([{CJK}])[（(]([{CJK}])[）)]", keep, text)


def has_glosses(text: str) -> bool:
    """Whether the text bears a web converter's marks: pinyin glosses, or the bopomofo its slips print.

    Only such text gets the byte repair and loses its stray ``?``; in an
    ordinary page a ``?`` between words is a question mark.
    """
    return _GLOSS.search(text) is not None or re.search(f"[{_BOPOMOFO}]", text) is not None


# ---------------------------------------------------------------------------
# Lost bytes: "?" followed by characters decoded one byte out of step
# ---------------------------------------------------------------------------

def _repair_lost_bytes(text: str) -> str:
    """Undo GBK text that lost a byte: ``?`` then characters read one byte out of step.

    When a page's GBK bytes lose the first byte of a character, the decoder
    shows ``?`` and then pairs each remaining byte with the next one's lead,
    printing nonsense (``?!氨O`` for ``保“監``) until a lone ASCII byte (the
    trail of the last pair) brings it back in step. Re-encoding that run and
    decoding it one byte later gives back the real characters; the lost
    character is restored only when its surviving byte and its neighbour
    leave a single common word (``學?`` + trail of 校 → 學校), otherwise dropped.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char != "?" or not out or not _is_cjkish(out[-1]):
            out.append(char)
            i += 1
            continue
        j = i + 1
        tail = _GLOSS_TAIL.match(text, j)
        if tail:  # "?wù)": a gloss whose opening bracket was eaten with the lost byte
            j = tail.end()
        run, end, synced = _misaligned_run(text, j)
        repaired = _realign(run, synced) if run else None
        if repaired is None:
            debris = _BOPOMOFO_DEBRIS.match(text, j)
            if debris:  # "?。ㄗ。": out of step but never back in step; drop it, keep the lost character if sure
                nxt = text[debris.end():debris.end() + 1]
                out.append(_guess_lost(out[-1], debris.group().encode("gbk", "replace")[0], nxt))
                i = debris.end()
                continue
            out.append("")  # the "?" marks a character that is gone; nothing else to undo
            i = j
            continue
        lost, rest = repaired
        nxt = rest[:1] or (text[end:end + 1] if end < n else "")
        guess = _guess_lost(out[-1], lost, nxt)
        out.append(guess + rest)
        i = end
    return "".join(out)


def _is_cjkish(char: str) -> bool:
    return bool(_CJK.match(char)) or char in CJK_PUNCT


def _misaligned_run(text: str, start: int) -> tuple[str, int, bool]:
    """The characters a one-byte slip may have garbled, from ``start``.

    The slip ends at the first ASCII character that can be a GBK trail byte
    (included: it *is* the last trail) or at another ``?`` (a second decode
    error, after which the decoder is back in step). A run that reaches the end
    of a line without either was never out of step. Returns (run, end, synced).
    """
    j = start
    while j < len(text):
        char = text[j]
        if char == "?":
            return text[start:j], j + 1, False
        if "\x40" <= char <= "\x7e":
            return text[start:j + 1], j + 1, True
        if char in "\n \u3000" or (char < "\x21"):
            break
        j += 1
    return "", start, False


def _realign(run: str, synced: bool) -> tuple[int, str] | None:
    """(surviving byte of the lost character, the run decoded in step), or None if it is not a slip."""
    data = bytearray()
    for char in run:
        if char < "\x40":  # half-width in the scraped text, full-width (A3 xx) in the original bytes
            char = chr(ord(char) + 0xFEE0)
        try:
            data += char.encode("gbk")
        except UnicodeEncodeError:
            return None
    if len(data) < 1:
        return None
    lost, body = data[0], bytes(data[1:])
    if not synced and body and body[-1] >= 0x81:
        body = body[:-1]  # the lead of a pair whose trail the second error swallowed
    try:
        decoded = body.decode("gbk")
    except UnicodeDecodeError:
        return None
    if re.search(r"[A-Za-z@\u3100-\u312f\ue000-\uf8ff]", decoded):
        return None  # still nonsense: not a one-byte slip
    return lost, decoded


@lru_cache(maxsize=1)
def _word_frequencies() -> dict[str, int]:
    """jieba's dictionary (word → frequency): which of the candidate characters makes a real word."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt.FREQ


def _guess_lost(previous: str, trail: int, following: str) -> str:
    """The lost character if only one character with this trail byte makes a common word with a neighbour."""
    if not 0x40 <= trail <= 0xFE or trail == 0x7F:
        return ""
    frequencies = _word_frequencies()
    scored: list[tuple[int, str]] = []
    for lead in _LEAD_BYTES:
        try:
            candidate = bytes((lead, trail)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if not _CJK.match(candidate):
            continue
        best = 0
        for word in (previous + candidate, candidate + following):
            if _CJK.fullmatch(word[0]) and _CJK.fullmatch(word[1]):
                best = max(best, frequencies.get(to_simplified(word), 0))
        if best:
            scored.append((best, candidate))
    scored.sort(reverse=True)
    if scored and scored[0][0] >= 500 and (len(scored) == 1 or scored[0][0] >= 5 * scored[1][0]):
        return scored[0][1]
    return ""


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------

def _restore_paragraphs(lines: list[str]) -> list[str]:
    """Split lines whose paragraphs were flattened into one, joined by spaces or ■ bullets."""
    out: list[str] = []
    for line in lines:
        line = re.sub(rf"(?<=[。！？；])[ \u3000\u00a0]+(?=[{CJK}“《（(■▌●◆])", "\n", line)
        line = re.sub(r"\s*[■▌●◆]\s*", "\n", line)
        out.extend(line.split("\n"))
    return out


def _clean_line(line: str) -> str:
    """One line without decorations, debris, URLs, e-mail addresses and bylines."""
    line = line.replace("\u00a0", " ")
    line = strip_emoji(line)
    line = _DECORATION.sub(" ", line)
    line = _PIPES.sub("", line)
    line = re.sub(r"^#{1,6}\s+", "", line)  # markdown heading marks
    line = re.sub(r"^>\s*", "", line)  # markdown quote marks
    stripped = _URL.sub("", _EMAIL.sub("", line))
    if stripped != line and re.fullmatch(r"\W*[^\s：:]{0,10}[：:]\W*", stripped):
        return ""  # "原文链接：" once its address is gone
    line = stripped
    line = _INLINE_BYLINE.sub("", line)
    line = _BYLINE.sub("", line.strip())
    line = re.sub(r"[ \u3000]+", " ", line)
    line = re.sub(r" (?=[，。；：！？、）》”,.;:!?)])|(?<=[（《“(]) ", "", line)
    return line.strip()


def _is_menu(line: str) -> bool:
    """A row of short links: 首页 | 新闻 | 政务公开 …"""
    if _HEADING_SPACED.match(line) or re.search(r"[，。；：、！？]", line) or len(line) > 60:
        return False
    tokens = [t for t in re.split(r"[\s|｜/·•>»＞]+", line) if t]
    return len(tokens) >= 3 and all(len(t) <= 10 for t in tokens) and any(len(t) > 1 for t in tokens)


def _drop_page_furniture(lines: list[str]) -> list[str]:
    """Drop the site's header, footer, menus, meta and contact lines, page numbers and photo captions."""
    lines = [line for line in lines if line]
    # Site header: everything up to a breadcrumb line near the top.
    for index, line in enumerate(lines[:12]):
        if _BREADCRUMB.search(line) and all(len(before) <= 40 for before in lines[:index]):
            lines = lines[index + 1:]
            break
    # Site footer: from the first strong marker in the last part, when what follows is short.
    start = len(lines) // 2
    for index in range(start, len(lines)):
        if _FOOTER.search(lines[index]) and all(len(after) <= 200 for after in lines[index:]):
            lines = lines[:index]
            break
    kept: list[str] = []
    for index, line in enumerate(lines):
        if len(line) <= 150 and _FURNITURE.search(line):
            continue
        edge = index < 5 or index >= len(lines) * 2 // 3
        if edge and len(line) <= 100 and (_CONTACT.search(line) or _PHONE.search(line) and not re.search("[。；]", line)):
            continue
        if re.fullmatch(r"[。，、；：！？”’）》」』]+", line) and kept:
            kept[-1] += line  # a sentence's last mark wrapped onto a line of its own
            continue
        if _PAGE_NUMBER.match(line) or re.fullmatch(r"[\W_]+", line):
            continue
        if _is_menu(line):
            continue
        if _CAPTION.match(line) and len(line) <= 80 and not re.search(r"[。；：！？]|[，、,]$", line):
            neighbours = lines[max(index - 1, 0):index] + lines[index + 1:index + 2]
            if line.startswith("图") or any(_CAPTION.match(other) for other in neighbours):
                continue
        kept.append(line)
    return kept


def _punctuate(line: str, glossed: bool) -> str:
    """Chinese punctuation among Chinese words, ASCII letters and digits, tidy headings."""
    # Full-width letters and digits → ASCII (full-width punctuation stays).
    line = "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" or "Ａ" <= c <= "Ｚ" or "ａ" <= c <= "ｚ" else c
                   for c in line)
    near = f"{CJK}{CJK_PUNCT}"
    for half, full in _HALF_TO_FULL.items():
        line = re.sub(rf"(?<=[{near}]){re.escape(half)}|{re.escape(half)}(?=[{near}])", full, line)
    line = re.sub(rf"\(([^()]*[{CJK}][^()]*)\)", r"（\1）", line)
    line = re.sub(rf"(?<=[{CJK}])\(([^()]*)\)", r"（\1）", line)
    line = re.sub(r"^\(([一二三四五六七八九十]+)\)", r"（\1）", line)
    line = re.sub(r"（([^（）()]*)\)|\(([^（）()]*)）", lambda m: f"（{m.group(1) or m.group(2) or ''}）", line)
    if glossed:
        line = _drop_unmatched_quotes(line)
        line = re.sub(r"([。！？；，、：])[，、；：]+", r"\1", line)
    heading = _HEADING_SPACED.match(line)
    if heading and len(line) <= 40 and not re.search(r"[，。；]", heading.group(2)):
        rest = re.sub(r"\s+", "", heading.group(2))
        line = f"{heading.group(1)} {rest}".strip()
    elif re.fullmatch(rf"[{CJK}](?: +[{CJK}]){{1,4}}", line):  # "附 则"
        line = line.replace(" ", "")
    return line


def _drop_unmatched_quotes(line: str) -> str:
    """Remove a closing ” left without its opening “ (the other half was a lost byte)."""
    out, depth = [], 0
    for char in line:
        if char == "“":
            depth += 1
        elif char == "”":
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    return "".join(out)


def _join_broken_titles(lines: list[str]) -> list[str]:
    """Join a title typeset over several lines: ``关于印发《关于进一步健全北碚区`` + ``农村…的`` + ``实施意见》的通知``."""
    out: list[str] = []
    for line in lines:
        if out:
            previous = out[-1]
            open_title = previous.count("《") > previous.count("》")
            dangling = re.search(r"[的和与及、或《“（]$", previous) is not None
            starts_title = (previous.startswith("关于") and not re.search(r"[，。；：！？]", previous + line)
                            and not re.search(r"(通知|意见|办法|决定|方案|规定|通告|公告|细则|批复|报告)$", previous)
                            and not re.search(r"〔\d{4}〕|\[\d{4}\]", line))
            short = (len(previous) <= 40 and len(line) <= 40 and len(previous + line) <= 80
                     and not re.search(rf"[{_SENTENCE_END}]$", previous))
            if short and not _starts_structure(line) and (open_title or dangling or starts_title):
                out[-1] = previous + line
                continue
        out.append(line)
    return out


def _starts_structure(line: str) -> bool:
    """Whether a line opens an article or a numbered section (never glued to the line before)."""
    return bool(re.match(r"第[零〇一二三四五六七八九十百千\d]+[条章节编]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]", line))


def _reflow_hard_wraps(lines: list[str]) -> list[str]:
    """Rejoin paragraphs that a PDF or a fixed-width text broke into lines of the same length."""
    lengths = sorted(len(line) for line in lines if len(line) >= 10)
    if len(lengths) < 6:
        return lines
    width = lengths[int(len(lengths) * 0.75)]
    if width > 80:
        return lines
    full = sum(1 for line in lines if width * 0.85 <= len(line) <= width + 2)
    longer = sum(1 for line in lines if len(line) > width + 2)
    if full < len(lines) * 0.4 or longer > len(lines) * 0.1:
        return lines  # lines of any length: each is a paragraph of its own
    out: list[str] = []
    carry = False
    for line in lines:
        if carry and out and not _starts_structure(line):
            out[-1] += line
        else:
            out.append(line)
        carry = len(line) >= width * 0.85 and not re.search(r"[。！？]$", line)
    return out
