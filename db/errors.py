"""What an APSW failure means to a person. ``core`` wraps these in StorageError."""
from __future__ import annotations

import apsw

# What to do with a damaged file, named once: no backup screen exists yet, so the way out is
# the files themselves and the check command.
CORRUPT_WAY_OUT = ("请先关闭程序，再把这个文件连同同一文件夹中同名、以 -wal 结尾的文件复制一份留存，"
                   "然后用最近一次备份的数据库副本替换它。没有备份时，请把留存的副本交给技术支持"
                   "（程序的 check 命令可列出损坏之处）。")

_MESSAGES: list[tuple[type[BaseException], str]] = [
    (apsw.BusyError, "数据库正被另一个程序或窗口占用，请稍后重试；如果一直如此，请关闭其他打开此数据库的热线工作台。"),
    (apsw.LockedError, "数据库被锁定，请稍后重试。"),
    (apsw.ReadOnlyError, "数据库文件是只读的，无法保存。请检查文件权限，或把数据库复制到可写的位置。"),
    (apsw.FullError, "磁盘空间已满，无法保存。请清理磁盘后重试，已填写的内容不会丢失。"),
    (apsw.CorruptError, "数据库文件已损坏。" + "{way_out}"),
    (apsw.NotADBError, "这个文件不是热线工作台的数据库，或者已损坏。"),
    (apsw.CantOpenError, "无法打开数据库文件。请检查路径是否存在、是否有访问权限。"),
    (apsw.IOError, "读写数据库文件时出错（磁盘或网络盘故障）。请检查磁盘后重试。"),
    (apsw.PermissionsError, "没有访问数据库文件的权限。"),
]


def storage_message(exc: BaseException) -> str | None:
    """A Chinese message for an environment failure, or None if ``exc`` is a bug."""
    for kind, message in _MESSAGES:
        if isinstance(exc, kind):
            return message.replace("{way_out}", CORRUPT_WAY_OUT)
    return None
