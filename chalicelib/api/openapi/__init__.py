"""The OpenAPI 3.1 document of the API, built from the route table and the operations its routes
declare (chalicelib/api/operations.py): loaded on the first GET /openapi.json, never at import."""
