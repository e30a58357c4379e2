"""The admin API's request and answer bodies as pydantic models, one module per route module.

admin/openapi.py builds the OpenAPI document from these models and the route table (``route(...)``'s
arguments); ``base.validated`` turns a body into a model or a 400 naming the field. The services still
check the bodies they are given (the CLI and the consumers call them too), so a model here documents and
pre-checks, and the service has the last word.
"""
