"""演示数据: a demo center and realistic tickets, made through core's own services, for trial and benchmarks."""
