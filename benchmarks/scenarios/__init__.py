"""What to measure, against which endpoint, how many times: one module per scenario.

Each measurement runs in a fresh ``python -m benchmarks.workers`` process, started
by module name (``runner.run_worker``); scenarios never import the workers' code.
Scenarios return figures; the Markdown is ``report/``'s.

May import: endpoint.
"""
