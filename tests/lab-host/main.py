#!/usr/bin/python3
"""Serve the test JupyterLab page (built by `npm run build -w @specmap/lab-host`)
with Debian's jupyterlab_server (2.16) on jupyter_server 1.23.

Usage:
  JUPYTER_PATH=<repo>/.jupyter/share/jupyter /usr/bin/python3 tests/lab-host/main.py \
    --ServerApp.root_dir=<dir> --ServerApp.port=<port> --ServerApp.token=<token> \
    --ServerApp.open_browser=False --ServerApp.allow_root=True

The page is at /lab (e.g. /lab/tree/<notebook>.ipynb?token=<token>).
Settings and workspaces a session writes go to $SPECMAP_LAB_STATE_DIR
(default: a fresh temporary directory), never into build/. Autosave is off
(app_settings/overrides.json there), so notebooks under test stay untouched.

Server-side fixes for a JupyterLab 4 page on jupyter_server 1.x (see
/work/shared/docs/jupyterlab-notes.md):
  * /api/events/subscribe: a websocket that accepts and ignores everything
    (the event bus exists only in jupyter_server 2);
  * /api/me: the identity API (jupyter_server 2) with a fixed local user;
  * /lsp/status: an empty language-server status;
  * page_config_hook: NotFoundHandler writes notFoundUrl into the shared page
    config dict (jupyterlab_server 2.16), which would poison every later page;
    the hook hands each handler a copy without it. It also sets
    exposeAppInBrowser (window.jupyterapp) and disables the announcements.
"""
import getpass
import json
import os
import tempfile

from jupyter_server.base.handlers import APIHandler
from jupyterlab_server import LabServerApp
from jupyterlab_server.handlers import NotFoundHandler
from tornado import web, websocket

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")

# Configuration files on disk (~/.jupyter, /etc/jupyter) must not change the test app.
os.environ["JUPYTER_NO_CONFIG"] = "1"

with open(os.path.join(HERE, "package.json")) as f:
    VERSION = json.load(f)["version"]

STATE = os.environ.get("SPECMAP_LAB_STATE_DIR") or tempfile.mkdtemp(prefix="specmap-lab-state-")

# Settings overrides for every test session: never write the notebook under
# test back to disk (the browser test runs real notebooks from the repository).
OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}
os.makedirs(os.path.join(STATE, "app_settings"), exist_ok=True)
with open(os.path.join(STATE, "app_settings", "overrides.json"), "w") as f:
    json.dump(OVERRIDES, f)

# SPECMAP_LAB_DISABLE: more extensions (or plugin ids) to disable, comma-separated,
# e.g. "@specmap/jupyterlab" for a page without the specmap renderer.
DISABLED = ["@jupyterlab/apputils-extension:announcements"] + [
    s.strip() for s in os.environ.get("SPECMAP_LAB_DISABLE", "").split(",") if s.strip()
]


class EventsHandler(websocket.WebSocketHandler):
    """No-op event bus: accept the socket, drop every message."""

    def check_origin(self, origin):
        return True

    def on_message(self, message):
        pass


class MeHandler(APIHandler):
    @web.authenticated
    def get(self):
        name = getpass.getuser() or "tester"
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": name,
                        "name": name,
                        "display_name": name,
                        "initials": name[:1].upper(),
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": {},
                }
            )
        )


class LspStatusHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.finish(json.dumps({"version": 2, "sessions": {}, "specs": {}}))


def page_config_hook(handler, page_config):
    config = dict(page_config)
    if not isinstance(handler, NotFoundHandler):
        config.pop("notFoundUrl", None)
    config["exposeAppInBrowser"] = True
    # jupyterlab_server has already turned {name: bool} from disk into a list.
    disabled = list(config.get("disabledExtensions") or [])
    config["disabledExtensions"] = disabled + [n for n in DISABLED if n not in disabled]
    return config


class SpecmapLabHost(LabServerApp):
    name = "specmap_lab_host"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "specmap test JupyterLab"
    app_version = VERSION
    app_url = "/lab"
    static_dir = BUILD
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    templates_dir = os.path.join(HERE, "templates")
    app_settings_dir = os.path.join(STATE, "app_settings")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_settings(self):
        super().initialize_settings()
        self.settings["page_config_hook"] = page_config_hook

    def initialize_handlers(self):
        self.handlers.extend(
            [
                ("/api/events/subscribe", EventsHandler),
                ("/api/me", MeHandler),
                ("/lsp/status", LspStatusHandler),
            ]
        )
        super().initialize_handlers()



def _jupyter_server_extension_points():
    # launch_instance links this module as a server extension; this names its app.
    return [{"module": __name__, "app": SpecmapLabHost}]


if __name__ == "__main__":
    if not os.path.exists(os.path.join(BUILD, "bundle.js")):
        raise SystemExit(f"{BUILD}/bundle.js is missing: run `npm run build -w @specmap/lab-host` first")
    SpecmapLabHost.launch_instance()
