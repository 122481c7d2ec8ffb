"""The strict local engine (`qs-embed local up/destroy`): runs the Pulumi program against the
emulator (or any AWS endpoint) without the Pulumi CLI, with its own state file.

Apart from `infra` (the Pulumi program itself): it drives the program's offline run
(`infra.offline`) with mocks that apply each registration, diffs against its state with the
replacement table, and refuses what real AWS would refuse. Needs the `infra` extra.
"""
