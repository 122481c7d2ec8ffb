"""The emulator's QuickSight service, laid out as moto lays out each of its services.

- ``models``: the state, QuickSight's directory as AWS keeps it (namespaces, users per
  namespace, CustomPermissions profiles) in a backend that extends moto's;
- ``responses``: the request handlers (validation, authorization, the embedding operations);
- ``exceptions``: QuickSight's errors as AWS sends them;
- ``authorization``: the resource ARN and condition keys IAM judges each request by;
- ``botocore_model``: facts about the API read from botocore's service model.
"""
