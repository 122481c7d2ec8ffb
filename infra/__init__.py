"""The Pulumi side: the per-tenant component, the program, and its offline runs (plan, tests).

Needs the `infra` extra (pulumi, pulumi-aws). Neither the app wheel (`tenant_file`, `embedder`)
nor `policies` imports this package; the local engine (`local_engine`) and the review
(`review`) run the program from above it.
"""
