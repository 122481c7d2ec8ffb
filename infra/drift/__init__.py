"""`qs-embed drift`: the live account read against the tenant files, read-only, no state.

- `live`: what AWS holds, read with paginators and botocore's adaptive retries (`LiveAccount`);
- `compare`: the findings, tenant by tenant and for what no file declares (pure functions over
  the tenant files and a `LiveAccount`);
- `documents`: IAM documents compared by meaning, not by text, and shown without secrets;
- `report`: the findings for people and for machines (`--json`);
- `policy`: the least-privilege read-only IAM policy the command needs (`qs-embed drift
  --policy`).

No Pulumi import: drift needs boto3 and the tenant files only (it answers what no stack can:
what exists that no stack declares).
"""
