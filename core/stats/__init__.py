"""统计分析: figures counted from the tickets."""
