"""`make lab` serves work/, a copy of the student edition (scripts/working_copy.py; `make lab
EDITION=instructor` serves work-instructor/, a copy of notebooks/): the first run copies
everything, later runs keep the student's files and add only what is missing, and
`make refresh CHAPTER=...` swaps one chapter for the course's version after backing it up."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "working_copy.py"
_spec = importlib.util.spec_from_file_location("working_copy", SCRIPT)
working_copy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(working_copy)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    src = tmp_path / "notebooks"
    src.mkdir()
    (src / "00_start.ipynb").write_text("course 00")
    (src / "03_ppo.ipynb").write_text("course 03")
    (src / ".ipynb_checkpoints").mkdir()
    (src / "images").mkdir()
    (src / "images" / "a.png").write_text("png")
    return src


def test_first_sync_copies_the_course_but_no_hidden_folder(course, tmp_path):
    work = tmp_path / "work"
    copied = working_copy.sync(course, work)
    assert sorted(p.name for p in copied) == ["00_start.ipynb", "03_ppo.ipynb", "images"]
    assert (work / "images" / "a.png").read_text() == "png"
    assert not (work / ".ipynb_checkpoints").exists()


def test_later_sync_keeps_the_students_work_and_adds_new_chapters(course, tmp_path):
    work = tmp_path / "work"
    working_copy.sync(course, work)
    (work / "03_ppo.ipynb").write_text("my run of 03")
    (course / "03_ppo.ipynb").write_text("course 03, new version")
    (course / "04_meta.ipynb").write_text("course 04")
    assert [p.name for p in working_copy.sync(course, work)] == ["04_meta.ipynb"]
    assert (work / "03_ppo.ipynb").read_text() == "my run of 03"
    assert (work / "04_meta.ipynb").read_text() == "course 04"
    assert working_copy.sync(course, work) == []


def test_refresh_backs_up_the_students_copy_then_brings_the_new_one(course, tmp_path):
    work = tmp_path / "work"
    working_copy.sync(course, work)
    (work / "03_ppo.ipynb").write_text("my run of 03")
    (course / "03_ppo.ipynb").write_text("course 03, new version")
    backup = working_copy.refresh(course, work, "03_ppo", stamp="20250101-120000")
    assert backup == work / "backups" / "03_ppo.20250101-120000.ipynb"
    assert backup.read_text() == "my run of 03"
    assert (work / "03_ppo.ipynb").read_text() == "course 03, new version"
    assert (work / "00_start.ipynb").read_text() == "course 00"  # other chapters untouched


def test_refresh_takes_the_file_name_too_and_needs_no_earlier_copy(course, tmp_path):
    work = tmp_path / "work"
    assert working_copy.refresh(course, work, "03_ppo.ipynb") is None
    assert (work / "03_ppo.ipynb").read_text() == "course 03"


@pytest.mark.parametrize("chapter", ["", "99_nope", "../notebooks/03_ppo.ipynb/..", "images"])
def test_refresh_of_an_unknown_chapter_names_the_chapters(course, tmp_path, chapter):
    with pytest.raises(ValueError, match=r"the chapters are: 00_start, 03_ppo$"):
        working_copy.refresh(course, tmp_path / "work", chapter)
    assert not (tmp_path / "work").exists()


def test_command_line_refuses_to_work_on_the_course_itself(course):
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "sync", "--src", str(course), "--dest", str(course)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "--dest must differ from --src" in run.stderr


def test_command_line_refresh_reports_the_backup(course, tmp_path):
    work = tmp_path / "work"
    where = ["--src", str(course), "--dest", str(work)]
    subprocess.run([sys.executable, str(SCRIPT), "sync", *where], check=True, capture_output=True)
    (work / "00_start.ipynb").write_text("mine")
    # In the Makefile's order: options between the action and the chapter.
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "refresh", *where, "00_start"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "is the course's version now; yours is in" in run.stdout
    assert len(list((work / "backups").glob("00_start.*.ipynb"))) == 1


def _make_dry_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True)


def test_make_lab_serves_the_student_edition_and_instructors_ask_for_theirs():
    student = _make_dry_run("lab")
    assert "make_student.py --src notebooks --out student" in student.stdout
    assert "working_copy.py sync --src student --dest work\n" in student.stdout
    instructor = _make_dry_run("lab", "EDITION=instructor")
    assert "working_copy.py sync --src notebooks --dest work-instructor" in instructor.stdout
    assert "make_student.py" not in instructor.stdout
    refresh = _make_dry_run("refresh", "CHAPTER=03_ppo")
    assert "refresh --src student --dest work" in refresh.stdout
    bad = _make_dry_run("lab", "EDITION=teacher")
    assert (
        bad.returncode != 0 and "EDITION must be student or instructor, got 'teacher'" in bad.stderr
    )


def test_make_lab_lang_zh_serves_the_chinese_editions_and_the_locale_alone_does_not():
    student = _make_dry_run("lab", "LANG=zh")
    assert "translate.py build --src notebooks --out notebooks-zh" in student.stdout
    assert "make_student.py --src notebooks-zh --out student-zh" in student.stdout
    assert "working_copy.py sync --src student-zh --dest work-zh\n" in student.stdout
    assert "LANG=zh_CN.UTF-8" in student.stdout and "--ServerApp.root_dir=work-zh" in student.stdout
    instructor = _make_dry_run("lab", "EDITION=instructor", "LANG=zh_CN.UTF-8")
    assert "sync --src notebooks-zh --dest work-instructor-zh" in instructor.stdout
    assert "make_student.py" not in instructor.stdout
    # A Chinese machine's locale is not a request: `make lab` stays English unless asked.
    run = subprocess.run(
        ["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "LANG": "zh_CN.UTF-8"},
    )  # fmt: skip
    assert "sync --src student --dest work\n" in run.stdout
    assert _make_dry_run("lab", "LANG=en").stdout.count("--dest work\n") == 1
