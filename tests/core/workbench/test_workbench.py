"""工作台: what the logged-in user has to do next (core.workbench)."""
from __future__ import annotations

import datetime as dt

from core import clock
from core.dispatch import handling
from core.dispatch import sending as dispatch
from core.workbench import items as workbench
from db.models import Deadline
from tests.core.dispatch.test_dispatch import make_unit, register, send


def test_workbench_shows_each_user_their_next_steps(operator, dispatcher, manager, center_db):
    city = make_unit("区城市管理局")
    waiting = register(operator, hours_ago=23)
    sent = register(operator, hours_ago=1)
    (lead,) = send(dispatcher, sent, city)
    dispatch.sign_off(dispatcher, lead, "刘科长")
    handling.ask_extension(dispatcher, lead, "需协调", clock.now().date() + dt.timedelta(days=30))
    mine = workbench.my_work(dispatcher)
    assert (mine[0].task, mine[0].ticket_id, mine[0].level) == ("待派单", waiting, 1)
    boss = workbench.my_work(manager)
    assert any(i.task.startswith("审批延期") for i in boss)
    assert not any(i.task == "导入放假通知" for i in workbench.my_work(center_db))
    Deadline.update(provisional=True).where(Deadline.ticket == waiting).execute()
    notice = [i for i in workbench.my_work(center_db) if i.task == "导入放假通知"]
    assert notice and notice[0].title.startswith("1 个时限")


def test_return_visits_due_are_on_the_workbench_with_their_clock(operator, dispatcher, manager):
    """Issue 17: the visit's own clock (working days after the ticket closed) shows on the 工作台."""
    from core.dispatch.handling import FeedbackInput

    city = make_unit("区城市管理局")
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, city)
    dispatch.sign_off(dispatcher, lead, "刘科长")
    handling.record_feedback(dispatcher, FeedbackInput(lead, "resolved", {"measures": "已处理", "caller_told": "已告知"}))
    handling.review_feedback(dispatcher, lead, True)
    (visit,) = [i for i in workbench.my_work(manager) if i.task == "待回访"]
    assert visit.ticket_id == ticket and visit.due_at > clock.stamp() and visit.level == 0
    assert not [i for i in workbench.my_work(dispatcher) if i.task == "待回访"]  # the dispatcher does not visit


def test_a_late_visit_is_at_most_督办_and_never_buries_the_units_escalated_work(operator, dispatcher, manager,
                                                                              frozen_clock):
    """A visit days past its clock is 督办, not 升级督办: the units' escalated clocks stay on top."""
    from core.dispatch.handling import FeedbackInput
    from core.deadlines import reminders

    city = make_unit("区城市管理局")
    ticket = register(operator, hours_ago=24 * 20)
    (lead,) = send(dispatcher, ticket, city)
    dispatch.sign_off(dispatcher, lead, "刘科长")
    handling.record_feedback(dispatcher, FeedbackInput(lead, "resolved", {"measures": "已处理", "caller_told": "已告知"}))
    handling.review_feedback(dispatcher, lead, True)
    frozen_clock.set(frozen_clock.now + dt.timedelta(days=12))
    (visit,) = [i for i in workbench.my_work(manager) if i.task == "待回访"]
    assert visit.level == reminders.OVERDUE
