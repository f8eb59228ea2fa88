"""The ground floor: errors, masking of secrets, model text, deadlines, checks.

Everything else builds on these, and they know nothing of targets, clients or
results, so any module of ours (and codegen, for ``modeltext``) can use them.

May import: nothing of ours.
"""
