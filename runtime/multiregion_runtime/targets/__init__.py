"""What to call: ``Target``, region names and patterns, S3 bucket regions.

May import: core.
"""
