"""What a fan-out gives back: TargetResult(s), pages merged per target, Items.

May import: core, targets, clients, data.
"""
