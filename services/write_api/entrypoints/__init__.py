"""HTTP edge of the write API: FastAPI app, routes, request schemas and the uvicorn server."""
