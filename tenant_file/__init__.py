"""The tenant file (`tenants/<tenant>.yaml`): its model, its one guarded reader, the names
derived from it, its limits and the checks of a directory of them as a whole.

Both sides read it: apps (through `embedder`, in the app wheel `quicksight-embedder`) and the
platform toolkit (the Pulumi program, the policy pack, the review, the local engine). It is the
bottom layer: it imports nothing else of this repository, and needs only pyyaml, pydantic and
botocore (whose models give the limits). Modules:

- `config`: the model (`TenantConfig`), validated by pydantic;
- `loader`: the guarded reader (`read_tenant_bytes`), the full read (`load_tenant`,
  `load_tenant_files`) and the checks of a set of tenants (`tenant_set_problems`);
- `names_only`: the reader's names-only mode (other shards' files) and a selected read;
- `names`, `limits`, `entry_points`, `origins`, `trusted_accounts`: derived names and rules;
- `schema`: the JSON Schema (`qs-embed schema`); `errors`: `ConfigError`, `Problem` and the
  base `EmbedderError`; `wording`: counted nouns in messages.
"""
