"""The API's front doors: the seed endpoints (exactly as specified) and /api/v1 (JSON,
OpenAPI). Each is a blueprint with its own access rules and error handlers; what they share
with the dashboard is in service/web."""
