"""Counted nouns in messages: "1 user", "2 users", "1 change", "3 changes"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and `noun`, the noun in its plural form (`many`, default noun + "s") unless 1."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
