"""showbot's benchmark suite: `python -m bench [clinc|etoile|latency|scale|all] [--quick] [--out FILE]`.

Each benchmark is a module with `run(quick: bool) -> dict`; see bench/README.md.
"""
