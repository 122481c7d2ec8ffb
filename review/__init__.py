"""The one review of tenant edits behind `qs-embed check`: the program of the chosen tenants
under mocks (`declared`), the policy pack, the IAM lint, the adoptions, the set checks, and
what changed since a git ref (`git`, `changes`, `affected`).

`check`, `check --base REF` and `check --base REF --shard-count N` are three ways of choosing
tenants for the same review (`review.review`). Between the program (`infra`) and the CLI.
"""
