"""How deployments load an app: the ASGI factory (uvicorn, gunicorn) and the AWS Lambda handler.

They build an app from settings in the environment, with the same start-up checks as
`dynaguard serve` (`dynaguard.startup`). They are neither library nor service: they wire the two
to a process, as `cli.py` does."""
