"""The linter's generic core: the project index (modules, functions, imports), files, names,
classes, the call graph and the abstract values of the data-flow pass. It knows neither
FastAPI nor DynamoDB: what a framework injects is told to it as data (`injection.Injection`)."""
