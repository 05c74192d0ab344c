"""Specification parser: a qualification document's text in, plain dataclasses out.

No Flask and no database here, so that the parser can be tested on the documents alone.
"""
