"""Tests of policies/rules/iam/: each rule module by its name."""
