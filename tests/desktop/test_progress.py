"""run_with_progress: the result comes back; a cancel is not an error; an error is shown once."""
from __future__ import annotations

import pytest

from core.errors import Cancelled, Conflict
from desktop import progress


@pytest.fixture
def shown(monkeypatch) -> list[BaseException]:
    errors: list[BaseException] = []
    monkeypatch.setattr(progress, "show_error", lambda parent, exc: errors.append(exc))
    return errors


def _raising(exc: BaseException):
    def work(_progress, _cancelled):
        raise exc

    return work


def test_the_work_s_result_comes_back(qtbot, shown):
    # Closing the progress dialog emits canceled(); it once made every finished job look cancelled.
    assert progress.run_with_progress(None, "计算", lambda _p, _c: 42) == 42
    assert shown == []


def test_a_cancel_raised_by_the_work_is_quiet(qtbot, shown):
    assert progress.run_with_progress(None, "计算", _raising(Cancelled("已取消"))) is None
    assert shown == []


def test_a_failure_is_shown_and_gives_none(qtbot, shown):
    assert progress.run_with_progress(None, "计算", _raising(Conflict("磁盘已满"))) is None
    assert [str(e) for e in shown] == ["磁盘已满"]
