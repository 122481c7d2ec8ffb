"""The Pulumi side: the per-tenant component, the program, and its offline runs (plan, tests).

Needs the `infra` extra (pulumi, pulumi-aws). `embedder` never imports this package.
"""
