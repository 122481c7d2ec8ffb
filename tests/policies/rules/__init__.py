"""Tests of policies/rules/: each rule module by its name."""
