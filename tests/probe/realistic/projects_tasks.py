"""FastAPI, nested resources behind a login route: `/projects/{project_id}/tasks/{task_id}`.
Vulnerable: a task is looked up by id alone, not through a project the caller owns."""

import itertools
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, login, new_token

EXPECTED = {("bola-read", "GET /projects/{project_id}/tasks/{task_id}")}


class Login(BaseModel):
    username: str
    password: str


class ProjectIn(BaseModel):
    name: str
    description: str | None = None


class TaskIn(BaseModel):
    title: str
    done: bool = False


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="projects")
    sessions: dict[str, str] = {}
    projects: dict[int, dict[str, Any]] = {}
    tasks: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    bearer = HTTPBearer(auto_error=False)

    def user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.credentials not in sessions:
            raise HTTPException(401, "Not authenticated")
        return sessions[creds.credentials]

    User = Annotated[str, Depends(user)]

    def project_of(project_id: int, owner: str) -> dict[str, Any]:
        project = projects.get(project_id)
        if project is None or project["owner"] != owner:
            raise HTTPException(404, "Project not found")
        return project

    @app.post("/auth/login")
    def do_login(body: Login) -> dict[str, str]:
        if PEOPLE.get(body.username) != body.password:
            raise HTTPException(401, "bad credentials")
        token = new_token()
        sessions[token] = body.username
        return {"access_token": token, "token_type": "bearer"}

    @app.get("/projects")
    def list_projects(me: User) -> list[dict[str, Any]]:
        return [p for p in projects.values() if p["owner"] == me]

    @app.post("/projects", status_code=201)
    def create_project(body: ProjectIn, me: User) -> dict[str, Any]:
        project = {"id": next(ids), "owner": me, **body.model_dump()}
        projects[project["id"]] = project
        return project

    @app.get("/projects/{project_id}")
    def get_project(project_id: int, me: User) -> dict[str, Any]:
        return project_of(project_id, me)

    @app.delete("/projects/{project_id}", status_code=204)
    def delete_project(project_id: int, me: User) -> None:
        project_of(project_id, me)
        del projects[project_id]

    @app.post("/projects/{project_id}/tasks", status_code=201)
    def create_task(project_id: int, body: TaskIn, me: User) -> dict[str, Any]:
        project_of(project_id, me)
        task = {"id": next(ids), "project_id": project_id, **body.model_dump()}
        tasks[task["id"]] = task
        return task

    @app.get("/projects/{project_id}/tasks")
    def list_tasks(project_id: int, me: User) -> list[dict[str, Any]]:
        project_of(project_id, me)
        return [t for t in tasks.values() if t["project_id"] == project_id]

    @app.get("/projects/{project_id}/tasks/{task_id}")
    def get_task(project_id: int, task_id: int, me: User) -> dict[str, Any]:
        task = tasks.get(task_id)
        if vulnerable:
            if task is None:
                raise HTTPException(404, "Task not found")
            return task
        project_of(project_id, me)
        if task is None or task["project_id"] != project_id:
            raise HTTPException(404, "Task not found")
        return task

    @app.delete("/projects/{project_id}/tasks/{task_id}", status_code=204)
    def delete_task(project_id: int, task_id: int, me: User) -> None:
        project_of(project_id, me)
        if tasks.get(task_id, {}).get("project_id") != project_id:
            raise HTTPException(404, "Task not found")
        del tasks[task_id]

    return app


def identities(url: str) -> list[Identity]:
    return login(url, "/auth/login", "access_token")
