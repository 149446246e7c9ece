"""The programme's rules (docs/programme.md), pure: no I/O, no clock, no environment, no httpx.

Time is always an argument; a test walks the imports of this package and fails on anything else.
"""
