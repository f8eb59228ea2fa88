"""multiregion's code generator: botocore service models in, typed packages out.

Pipeline, one small module per step:
``loader`` (read models) -> ``build`` (intermediate representation, ``ir``) ->
``render`` (jinja2 templates, black-stable text) -> ``writer`` (write or check).
Dev-only: nothing under ``generated/`` or ``runtime/`` imports it.
"""
