"""数据交换 area: export, import, receipts and keys."""
