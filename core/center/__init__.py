"""中心: the center itself, its accounts, regions, districts and the topic tree."""
