"""The knowledge pages of the desk: documents and cards, upload with a preview, rebuild with progress, the try
box, the questions the bot was unsure about; staff and admins only; CSRF on every change.

Each test gets its own documents folder and index folder (``KNOWLEDGE_DOCUMENTS_DIR``,
``KNOWLEDGE_INDEX_DIR``) holding two tiny documents; the card vectors come from the cache of the real
index (``make index``) when there is one, so a build embeds only what the test adds.
"""
from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.desk.conftest import COUNTY, TOWNSHIP, VILLAGE

ROOT = Path(__file__).resolve().parents[2]
REAL_CACHE = ROOT / "var" / "knowledge" / "vectors-cache.npz"
RESCUE_DOC = """# 某县流浪儿童临时救助办法

第一条 为做好流浪儿童临时救助工作，制定本办法。

第二条 发现流浪儿童的，村（居）民委员会应当在二十四小时内护送到救助保护机构。

第三条 救助保护机构应当为流浪儿童提供临时住处和饮食。
"""
SCHOOL_TXT = """关于留守儿童课后托管服务的通知

一、课后托管服务由乡镇中心学校组织，每天放学后开放两小时。

二、托管服务不收取费用，家长可以向班主任报名。
"""
NEW_MD = """# 北碚区困境儿童助学补贴办法

第一条 本区困境儿童在义务教育阶段每学期可以申请助学补贴八百元。

第二条 申请由监护人向所在学校提出，学校在十个工作日内报区教委审核。

第三条 本办法自2024年3月1日起施行。
"""
NEW_TXT = """留守儿童暑期安全提示

一、暑假期间不要到河边、水库边玩水，外出要告诉照护人。

二、照护人每天要知道孩子在哪里、和谁在一起。
"""


@pytest.fixture
def knowledge_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A small knowledge base of its own: two documents, an index folder, a staging folder."""
    from desk import index_jobs
    from knowledge.retrieve import forget_retriever

    documents, index, staging = tmp_path / "documents", tmp_path / "index", tmp_path / "staging"
    documents.mkdir()
    index.mkdir()
    (documents / "流浪儿童临时救助办法.md").write_text(RESCUE_DOC, encoding="utf-8")
    (documents / "课后托管通知.txt").write_text(SCHOOL_TXT, encoding="utf-8")
    if REAL_CACHE.is_file():
        shutil.copyfile(REAL_CACHE, index / REAL_CACHE.name)
    monkeypatch.setenv("KNOWLEDGE_DOCUMENTS_DIR", str(documents))
    monkeypatch.setenv("KNOWLEDGE_INDEX_DIR", str(index))
    monkeypatch.setenv("KNOWLEDGE_STAGING_DIR", str(staging))
    index_jobs.wait(120)
    forget_retriever()
    yield {"documents": documents, "index": index, "staging": staging}
    index_jobs.wait(120)
    forget_retriever()


@pytest.fixture
def staff(desk_client, knowledge_base):
    return desk_client("staff", county=COUNTY)


def _upload(client, name: str, content: bytes, **meta: str):
    return client.post("/knowledge/upload", files={"file": (name, content, "application/octet-stream")}, data=meta)


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert match, html[:500]
    return match.group(1)


@pytest.mark.parametrize("name, content, meta, label, cited, count", [
    ("助学补贴办法.md", NEW_MD, {"title": "北碚区困境儿童助学补贴办法", "number": "北碚教发〔2024〕3号",
                              "issuer": "北碚区教委", "date": "2024-03-01", "region": "北碚区"}, "第1条",
     "北碚教发〔2024〕3号", 3),
    ("暑期安全提示.txt", NEW_TXT, {"title": "留守儿童暑期安全提示", "issuer": "某镇政府", "date": "2024-07",
                              "region": "全国"}, "一", "某镇政府", 2),
], ids=["md", "txt"])
def test_upload_previews_passages_then_confirm_adds_the_document(staff, knowledge_base, name, content, meta, label,
                                                                 cited, count):
    from desk import index_jobs

    form = staff.get("/knowledge/upload")
    assert form.status_code == 200 and 'data-testid="upload-form"' in form.text
    preview = _upload(staff, name, content.encode("utf-8"), **meta)
    assert preview.status_code == 200, preview.text[:500]
    assert 'data-testid="passage-preview"' in preview.text and 'data-testid="confirm-upload"' in preview.text
    assert preview.text.count('data-testid="passage-item"') == count
    assert f"<strong>{label}</strong>" in preview.text
    assert meta["title"] in preview.text
    assert not (knowledge_base["documents"] / name).exists(), "nothing is added before it is confirmed"

    done = staff.post("/knowledge/upload/confirm", data={"token": _token(preview.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/knowledge?added=")
    added = knowledge_base["documents"] / name
    assert added.read_text(encoding="utf-8") == content
    sidecar = (knowledge_base["documents"] / f"{name}.meta.yml").read_text(encoding="utf-8")
    assert all(value in sidecar for value in meta.values())
    assert not any(knowledge_base["staging"].iterdir()), "the staged copy is gone"

    job = index_jobs.wait(120)
    assert job.state == "done" and job.rebuilt, job
    status = staff.get("/knowledge/rebuild/status")
    assert 'data-testid="rebuild-status"' in status.text and "已重建" in status.text and "every" not in status.text
    listing = staff.get("/knowledge")
    assert listing.status_code == 200
    assert meta["title"] in listing.text and meta["issuer"] in listing.text and cited in listing.text
    assert "index-stale" not in listing.text, "the rebuilt index is up to date"
    from knowledge.retrieve import get_retriever

    assert any(p.document == meta["title"] for p in get_retriever().passages.values())


def test_a_file_of_another_type_is_refused_politely(staff, knowledge_base):
    response = _upload(staff, "照片.png", b"\x89PNG\r\n\x1a\n....", title="照片")
    assert response.status_code == 400
    assert "只能上传" in response.text and 'data-testid="upload-error"' in response.text
    assert "Traceback" not in response.text
    assert not knowledge_base["staging"].exists() or not any(knowledge_base["staging"].iterdir())


def test_a_broken_or_empty_document_is_refused_politely(staff, knowledge_base):
    broken = _upload(staff, "坏文件.docx", b"this is not a zip file at all")
    assert broken.status_code == 400 and "打不开" in broken.text
    empty = _upload(staff, "空白.txt", "   \n\n".encode())
    assert empty.status_code == 400 and ("空的" in empty.text or "没有读到文字" in empty.text)
    date = _upload(staff, "日期.md", NEW_MD.encode(), date="去年三月")
    assert date.status_code == 400 and "日期" in date.text
    assert not any(knowledge_base["staging"].iterdir())


def test_a_file_over_the_limit_is_refused(staff, knowledge_base, monkeypatch):
    from desk.pages import knowledge

    monkeypatch.setattr(knowledge, "MAX_UPLOAD", 100)
    response = _upload(staff, "长文件.txt", ("很长的一段话。" * 50).encode())
    assert response.status_code == 400 and "文件太大" in response.text


def test_file_names_cannot_escape_the_folders(staff, knowledge_base):
    from desk import index_jobs

    preview = _upload(staff, "../../etc/evil.md", NEW_MD.encode())
    assert preview.status_code == 200
    staff.post("/knowledge/upload/confirm", data={"token": _token(preview.text)})
    assert (knowledge_base["documents"] / "evil.md").is_file()
    index_jobs.wait(120)


def test_another_persons_upload_cannot_be_confirmed(desk_client, staff, knowledge_base):
    preview = _upload(staff, "助学补贴办法.md", NEW_MD.encode())
    other = desk_client("admin")
    response = other.post("/knowledge/upload/confirm", data={"token": _token(preview.text)})
    assert response.status_code == 404
    assert other.post("/knowledge/upload/confirm", data={"token": "../../etc"}).status_code == 404
    assert not (knowledge_base["documents"] / "助学补贴办法.md").exists()


def test_cancel_discards_the_upload(staff, knowledge_base):
    preview = _upload(staff, "助学补贴办法.md", NEW_MD.encode())
    response = staff.post("/knowledge/upload/confirm", data={"token": _token(preview.text), "cancel": "1"},
                          follow_redirects=False)
    assert response.status_code == 303
    assert not any(knowledge_base["staging"].iterdir())
    assert not (knowledge_base["documents"] / "助学补贴办法.md").exists()


def test_documents_and_cards_are_listed_and_cards_searched(staff, knowledge_base):
    page = staff.get("/knowledge")
    assert page.status_code == 200
    assert "某县流浪儿童临时救助办法" in page.text and "课后托管通知.txt" in page.text
    assert page.text.count('data-testid="document-row"') == 2
    assert "allowances.yml" in page.text and 'data-testid="card-list"' in page.text
    found = staff.get("/knowledge/cards", params={"q": "孤儿基本生活费"}, headers={"HX-Request": "true"})
    assert "孤儿基本生活费国家最低标准" in found.text
    assert 0 < found.text.count('data-testid="card-row"') < 20
    none = staff.get("/knowledge", params={"q": "没有这样的卡片标题"})
    assert "没有找到这样的卡片" in none.text


def test_the_try_box_shows_the_answer_with_its_source_and_scores(staff, knowledge_base):
    from records.db import session_scope
    from records.models import UnansweredQuestion

    response = staff.post("/knowledge/try", data={"question": "孤儿基本生活费标准是多少"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-testid="try-answer"' in response.text and "<html" not in response.text
    assert "依据" in response.text and "元" in response.text
    verdict = re.search(r'data-verdict="(\w+)"', response.text).group(1)
    assert verdict in {"sure", "likely"}
    assert response.text.count('data-testid="try-hit"') == 5
    assert re.search(r"<td data-label=\"得分\">0\.\d{3}</td>", response.text)

    unsure = staff.post("/knowledge/try", data={"question": "<script>alert(1)</script>火星上有几个外星人"},
                        headers={"HX-Request": "true"})
    assert unsure.status_code == 200 and "<script>alert" not in unsure.text
    assert re.search(r'data-verdict="unsure"', unsure.text)
    with session_scope() as session:
        assert session.query(UnansweredQuestion).count() == 0, "trying a question is not a user's question"

    empty = staff.post("/knowledge/try", data={"question": "  "}, headers={"HX-Request": "true"})
    assert "请先输入" in empty.text
    whole = staff.post("/knowledge/try", data={"question": "孤儿基本生活费标准是多少"})
    assert "<html" in whole.text and 'data-testid="try-answer"' in whole.text


def test_rebuild_runs_once_in_the_background_with_progress(staff, knowledge_base, monkeypatch):
    import knowledge.index as index
    from desk import index_jobs

    release = threading.Event()
    real = index.ensure_index

    def slow(*args, on_progress=None, **kwargs):
        on_progress("embedding passages", 64, 128)
        assert release.wait(30)
        return real(*args, on_progress=on_progress, **kwargs)

    monkeypatch.setattr(index, "ensure_index", slow)
    htmx = {"HX-Request": "true"}
    first = staff.post("/knowledge/rebuild", headers=htmx)
    assert first.status_code == 200 and 'data-testid="rebuild-status"' in first.text
    for _ in range(50):
        if "64/128" in (status := staff.get("/knowledge/rebuild/status").text):
            break
        time.sleep(0.05)
    assert "向量化文档段落" in status and "64/128" in status and 'hx-trigger="every 1s"' in status
    second = staff.post("/knowledge/rebuild", headers=htmx)
    assert 'data-state="running"' in second.text
    release.set()
    job = index_jobs.wait(120)
    assert job.state == "done" and job.passages >= 5
    done = staff.get("/knowledge/rebuild/status").text
    assert 'data-state="done"' in done and "个段落" in done and "every 1s" not in done


def test_a_document_added_during_a_rebuild_gets_a_rebuild_of_its_own(staff, knowledge_base, monkeypatch):
    import knowledge.index as index
    from desk import index_jobs

    release = threading.Event()
    real = index.ensure_index
    calls: list[int] = []

    def slow(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(index, "ensure_index", slow)
    staff.post("/knowledge/rebuild")
    preview = _upload(staff, "助学补贴办法.md", NEW_MD.encode(), title="北碚区困境儿童助学补贴办法")
    staff.post("/knowledge/upload/confirm", data={"token": _token(preview.text)})
    assert 'data-testid="rebuild-again"' in staff.get("/knowledge/rebuild/status").text
    release.set()
    job = index_jobs.wait(120)
    assert job.state == "done" and len(calls) == 2
    from knowledge.retrieve import get_retriever

    assert any(p.document == "北碚区困境儿童助学补贴办法" for p in get_retriever().passages.values())


def test_a_failed_rebuild_says_so_politely(staff, knowledge_base, monkeypatch):
    import knowledge.index as index
    from desk import index_jobs

    def broken(*args, **kwargs):
        raise RuntimeError("faiss exploded at /secret/path")

    monkeypatch.setattr(index, "ensure_index", broken)
    staff.post("/knowledge/rebuild")
    index_jobs.wait(30)
    status = staff.get("/knowledge/rebuild/status").text
    assert 'data-state="failed"' in status and "重建索引时出了问题" in status and "/secret/path" not in status


def _note(question: str, times: int, score: float) -> None:
    from records.unanswered import note_unanswered

    for _ in range(times):
        note_unanswered(question, score)


def test_unsure_questions_most_frequent_first_and_dismissed(staff, knowledge_base):
    _note("村里的路灯坏了找谁修？", 1, 0.81)
    _note("孩子想学游泳，有没有免费的地方", 3, 0.85)
    _note("孩子想学游泳，有没有免费的地方！", 1, 0.86)  # the same question
    _note("我电话13812345678，孩子叫王小明，能领补贴吗", 2, 0.8)
    page = staff.get("/knowledge/unanswered")
    assert page.status_code == 200 and 'data-testid="unanswered-table"' in page.text
    questions = re.findall(r'data-testid="unanswered-question">([^<]*)<', page.text)
    counts = re.findall(r'data-testid="unanswered-count">(\d+)<', page.text)
    assert questions[0].startswith("孩子想学游泳") and counts == ["4", "2", "1"]
    assert "13812345678" not in page.text and "王小明" not in page.text and "138****5678" in page.text

    first = re.search(r'data-testid="unanswered-row" data-id="(\d+)"', page.text).group(1)
    gone = staff.post(f"/knowledge/unanswered/{first}/dismiss", headers={"HX-Request": "true"})
    assert gone.status_code == 200 and gone.text == ""
    after = staff.get("/knowledge/unanswered").text
    assert "孩子想学游泳" not in after and after.count('data-testid="unanswered-row"') == 2
    assert staff.post("/knowledge/unanswered/999999/dismiss").status_code == 404
    assert staff.post("/knowledge/unanswered/abc/dismiss").status_code == 404


def test_the_bot_notes_a_question_it_is_unsure_about(knowledge_base):
    import actions.policy as policy
    from knowledge.retrieve import get_retriever
    from records.db import session_scope
    from records.models import UnansweredQuestion

    retriever = get_retriever()
    assert policy.answer_question(retriever, "火星上有几个外星人", note_unsure=True).verdict.value == "unsure"
    policy.answer_question(retriever, "火星上有几个外星人")  # the desk and the benches do not note
    assert policy.answer_question(retriever, "孤儿基本生活费标准是多少", note_unsure=True).answered
    with session_scope() as session:
        rows = session.query(UnansweredQuestion).all()
        assert [(r.question, r.count) for r in rows] == [("火星上有几个外星人", 1)]


def test_noting_never_fails_the_answer(monkeypatch, caplog):
    from records import unanswered
    from sqlalchemy.exc import OperationalError

    def down():
        raise OperationalError("select", {}, Exception("database is down"))

    monkeypatch.setattr(unanswered, "session_scope", down)
    unanswered.note_unanswered("有人吗", 0.5)
    assert "could not note" in caplog.text


@pytest.mark.parametrize("role, place", [
    ("director", {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE}),
    ("supervisor", {"county": COUNTY, "township": TOWNSHIP}),
])
def test_directors_and_supervisors_do_not_see_the_knowledge_pages(desk_client, knowledge_base, role, place):
    client = desk_client(role, **place)
    for url in ("/knowledge", "/knowledge/upload", "/knowledge/unanswered", "/knowledge/rebuild/status",
                "/knowledge/cards"):
        assert client.get(url).status_code == 404, url
    for url in ("/knowledge/try", "/knowledge/rebuild", "/knowledge/upload/confirm",
                "/knowledge/unanswered/1/dismiss"):
        assert client.post(url, data={"question": "孤儿"}).status_code == 404, url
    assert _upload(client, "a.md", NEW_MD.encode()).status_code == 404
    assert "/knowledge" not in client.get("/account").text


def test_admins_see_the_knowledge_pages(desk_client, knowledge_base):
    client = desk_client("admin")
    assert client.get("/knowledge").status_code == 200
    assert client.get("/knowledge/unanswered").status_code == 200


def test_every_change_needs_the_csrf_token(staff, knowledge_base):
    from desk import index_jobs

    _note("路灯坏了找谁", 1, 0.8)
    without = {"X-CSRF-Token": "wrong"}
    assert staff.post("/knowledge/try", data={"question": "孤儿"}, headers=without).status_code == 403
    assert staff.post("/knowledge/rebuild", headers=without).status_code == 403
    assert index_jobs.current_job().state != "running"
    upload = staff.post("/knowledge/upload", files={"file": ("a.md", NEW_MD.encode(), "text/markdown")},
                        headers=without)
    assert upload.status_code == 403
    assert not knowledge_base["staging"].exists() or not any(knowledge_base["staging"].iterdir())
    assert staff.post("/knowledge/upload/confirm", data={"token": "0" * 32}, headers=without).status_code == 403
    assert staff.post("/knowledge/unanswered/1/dismiss", headers=without).status_code == 403
    del staff.headers["X-CSRF-Token"]  # a plain form without its hidden field
    assert staff.post("/knowledge/unanswered/1/dismiss", data={"csrf_token": "nope"}).status_code == 403
    assert "路灯坏了找谁" in staff.get("/knowledge/unanswered").text
