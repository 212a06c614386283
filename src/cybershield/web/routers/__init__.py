"""The hub API's routers, one per resource."""
