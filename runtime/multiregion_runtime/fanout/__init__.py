"""``MultiRegionClient`` (the base of every generated class) and ``DynamicService``.

May import: core, targets, clients, data, results, engines.
"""
