"""Roles, permissions, and the Actor every service is called with (DESIGN "Who uses it")."""
from __future__ import annotations

from dataclasses import dataclass

from core.vocab import Coded


class Role(Coded):
    OPERATOR = ("operator", "接线员")
    DISPATCHER = ("dispatcher", "派单员")
    SUPERVISOR = ("supervisor", "督办员")
    MEDIATOR = ("mediator", "调解员")
    RETURN_VISITOR = ("return_visitor", "回访员")
    MANAGER = ("manager", "中心负责人")
    ADMIN = ("admin", "管理员")
    PROVINCIAL = ("provincial", "省级")


class Permission(Coded):
    TICKET_REGISTER = ("ticket.register", "受理登记")
    TICKET_VIEW = ("ticket.view", "查看工单")
    # 是否保密: the caller's name and phone are masked for everyone else (12345 5.1.4.1).
    TICKET_VIEW_CONFIDENTIAL = ("ticket.view_confidential", "查看保密诉求人信息")
    TICKET_IMPORT = ("ticket.import", "导入台账")
    USER_MANAGE = ("user.manage", "管理账号")
    TOPIC_MANAGE = ("topic.manage", "管理问题分类")
    # 知识库 (12345 6.3): everyone looks answers up and flags wrong ones; editors
    # write; 校核 (6.3.4: "经校核后录入和更新") publishes, retires and edits synonyms.
    KB_USE = ("kb.use", "查阅知识库")
    KB_EDIT = ("kb.edit", "编写知识库")
    KB_REVIEW = ("kb.review", "校核知识库")
    # 派单督办 (12345 5.2.2, 5.2.3): units do not use the program; staff record
    # what they did. Returns and feedback are reviewed by the dispatcher, extensions
    # decided by the manager.
    DISPATCH = ("dispatch", "派单与办理登记")
    EXTENSION_DECIDE = ("extension.decide", "审批延期")
    SUPERVISE = ("supervise", "督办")
    SURGE_DECLARE = ("surge.declare", "宣布集中大话务量")
    UNIT_MANAGE = ("unit.manage", "管理承办单位")
    CALENDAR_MANAGE = ("calendar.manage", "管理工作日历与时限规则")
    # 调解与文书 (12365 6.3.5.2.2): mediators run mediation and issue its letters;
    # archive forms and work orders are issued by whoever handles tickets; the
    # dispatch and supervision notices go with DISPATCH and SUPERVISE.
    MEDIATE = ("mediate", "投诉调解")
    DOCUMENT_ISSUE = ("document.issue", "出具归档表与工单")
    TEMPLATE_MANAGE = ("template.manage", "管理文书模板")
    MEDIATION_CLOSE = ("mediation.close", "调解后审核结案")  # 12365 6.3.5.2.3: 受理方负责人
    # 上报省级中心 (DESIGN "Batches to the province"): keys are the admin's; a
    # district's head or admin sends batches; provincial staff take them in.
    VISIT = ("visit", "回访")
    VISIT_CORRECT = ("visit.correct", "修改回访评价")
    VISIT_MANAGE = ("visit.manage", "设置回访抽样与时限")
    CALLS_IMPORT = ("calls.import", "导入话务记录")
    CALLS_VIEW = ("calls.view", "查看话务统计")
    SYNC_KEYS = ("sync.keys", "管理上报密钥")
    SYNC_EXPORT = ("sync.export", "导出上报批次与导入回执")
    SYNC_IMPORT = ("sync.import", "导入区县批次与出具回执")


# Registering and handling tickets: a district's work, never a province's (DESIGN "Who uses it":
# provincial staff import, read and send receipts). core.service.write refuses these there.
TICKET_WORK = frozenset({
    Permission.TICKET_REGISTER, Permission.TICKET_IMPORT, Permission.DISPATCH, Permission.EXTENSION_DECIDE,
    Permission.SUPERVISE, Permission.SURGE_DECLARE, Permission.MEDIATE, Permission.DOCUMENT_ISSUE,
    Permission.MEDIATION_CLOSE, Permission.CALLS_IMPORT, Permission.VISIT, Permission.VISIT_CORRECT,
    Permission.VISIT_MANAGE,
})

_VIEW = {Permission.TICKET_VIEW, Permission.KB_USE}
_KB_EDITOR = {Permission.KB_EDIT, Permission.KB_REVIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_VIEW | {Permission.TICKET_REGISTER}),
    Role.DISPATCHER: frozenset(_VIEW | {Permission.DISPATCH, Permission.DOCUMENT_ISSUE}),
    Role.SUPERVISOR: frozenset(_VIEW | {Permission.SUPERVISE, Permission.DOCUMENT_ISSUE, Permission.CALLS_VIEW}),
    # Mediators and return-visit staff must reach the caller, so they see identity.
    Role.MEDIATOR: frozenset(_VIEW | {Permission.TICKET_VIEW_CONFIDENTIAL, Permission.MEDIATE,
                                      Permission.DOCUMENT_ISSUE}),
    Role.RETURN_VISITOR: frozenset(_VIEW | {Permission.TICKET_VIEW_CONFIDENTIAL, Permission.VISIT}),
    Role.MANAGER: frozenset(_VIEW | _KB_EDITOR | {Permission.TICKET_VIEW_CONFIDENTIAL, Permission.TICKET_REGISTER,
                                                  Permission.DISPATCH, Permission.EXTENSION_DECIDE,
                                                  Permission.SUPERVISE, Permission.SURGE_DECLARE,
                                                  Permission.MEDIATE, Permission.DOCUMENT_ISSUE,
                                                  Permission.MEDIATION_CLOSE, Permission.SYNC_EXPORT,
                                                  Permission.CALLS_IMPORT, Permission.CALLS_VIEW,
                                                  Permission.VISIT, Permission.VISIT_CORRECT,
                                                  Permission.VISIT_MANAGE}),
    Role.ADMIN: frozenset(_VIEW | _KB_EDITOR | {Permission.USER_MANAGE, Permission.TOPIC_MANAGE,
                                                Permission.TICKET_IMPORT, Permission.UNIT_MANAGE,
                                                Permission.CALENDAR_MANAGE, Permission.TEMPLATE_MANAGE,
                                                Permission.DOCUMENT_ISSUE, Permission.SYNC_KEYS,
                                                Permission.SYNC_EXPORT, Permission.SYNC_IMPORT,
                                                Permission.CALLS_IMPORT, Permission.CALLS_VIEW,
                                                Permission.VISIT_MANAGE}),
    Role.PROVINCIAL: frozenset(_VIEW | {Permission.SYNC_IMPORT}),
}


@dataclass(frozen=True)
class Actor:
    """The logged-in user as services see it."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]

    @property
    def permissions(self) -> frozenset[Permission]:
        perms: set[Permission] = set()
        for role in self.roles:
            perms |= ROLE_PERMISSIONS[role]
        return frozenset(perms)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def roles_label(self) -> str:
        return "、".join(r.label for r in Role if r in self.roles)
