"""The HTTP edge: ASGI layers every request passes before a route sees it (docs/http.md).

`body_limit` bounds request bodies while they stream, `text` refuses control characters in
query, path and JSON strings, `headers` adds the security headers; `install_edge` wires them
together with CORS in the order that lets each one see the responses of the layers inside it.
`media_route` is no layer but a route class: one path and method, one endpoint per request media
type (`POST /scans`), with the merge that documents them as one OpenAPI operation.
"""
