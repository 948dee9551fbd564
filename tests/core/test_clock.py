"""core.clock: one source of "now", China's date whatever zone the machine is in."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from core import clock
from tests.conftest import ROOT

UTC = dt.timezone.utc


def test_today_is_chinas_date_when_utc_is_still_on_yesterday(frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 00:30 on New Year's Day in Nanjing
    assert clock.today() == dt.date(2027, 1, 1)
    assert clock.stamp() == "2027-01-01T00:30:00+08:00"


def test_the_frozen_clock_moves_only_when_told(frozen_clock):
    first = clock.now()
    assert clock.now() == first
    frozen_clock.advance(hours=17)
    assert clock.now() - first == dt.timedelta(hours=17)
    assert os.environ[clock.ENV_NOW] == clock.now().isoformat()  # what a subprocess will read


def test_the_program_reads_its_moment_from_the_environment_in_any_zone():
    code = "from core import clock; print(clock.stamp(), clock.today())"
    for zone in ("UTC", "Asia/Shanghai", "America/Los_Angeles"):
        env = dict(os.environ, TZ=zone, **{clock.ENV_NOW: "2026-12-31T23:30:00+00:00"})
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True).stdout.split()
        assert out == ["2027-01-01T07:30:00+08:00", "2027-01-01"], zone


def test_a_malformed_moment_is_ignored_with_a_warning():
    code = "from core import clock; print(clock._fixed)"
    env = dict(os.environ, **{clock.ENV_NOW: "next tuesday"})
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "None" and clock.ENV_NOW in done.stderr
