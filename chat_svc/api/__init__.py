"""The HTTP API, ``/api/v1`` (JSON, bearer tokens only): the same actions and reads as the
pages, its OpenAPI document generated from the schemas that validate its requests."""
