"""FastAPI: routes and routers, handler parameters, authentication and admin gates, declared
public routes, dependencies outside the linted tree, HTTP responses (raises, statuses)."""
