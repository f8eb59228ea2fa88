"""The figures as Markdown and a chart: ``RESULTS.md`` and ``results.png``.

``results.py`` rewrites RESULTS.md and keeps every marked section
(``<!-- name:begin -->`` ... ``<!-- name:end -->``) that other runs wrote; the other
modules format one scenario's section each.

May import: endpoint, scenarios.
"""
