"""工作台: what the logged-in user has to do next."""
