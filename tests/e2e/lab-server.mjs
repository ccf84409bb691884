// The JupyterLab host (tests/lab-host/main.py) started for a browser test: a free port, a private
// temporary Jupyter state, the project's tslab kernelspec (.jupyter/), the server's output kept for
// error reports, and a wait until /api/status answers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Start the lab host on `port` with `token`, serving `rootDir`; `tmpPrefix` names its temporary
 * state directory; `disable` (e.g. '@specmap/jupyterlab') leaves extensions out of the page,
 * otherwise SPECMAP_LAB_DISABLE is cleared. Resolves when the server answers (60 s limit) with
 * `{ server, tmp, log }`: the detached child process, the state directory (the caller removes it)
 * and a function returning the tail of the server's output.
 */
export async function startLabServer({ port, token, rootDir, tmpPrefix, disable }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(ROOT, '.jupyter/share/jupyter'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
    JUPYTER_DATA_DIR: path.join(tmp, 'data'),
    SPECMAP_LAB_STATE_DIR: path.join(tmp, 'state'),
    JUPYTER_PLATFORM_DIRS: '1',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  if (disable) env.SPECMAP_LAB_DISABLE = disable;
  else delete env.SPECMAP_LAB_DISABLE;
  const server = spawn(
    '/usr/bin/python3',
    [
      path.join(ROOT, 'tests/lab-host/main.py'),
      `--ServerApp.root_dir=${rootDir}`,
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.token=${token}`,
      '--ServerApp.open_browser=False',
      '--ServerApp.allow_root=True',
      // Checkpoints (written when a notebook is opened) stay out of the repository.
      `--FileCheckpoints.checkpoint_dir=${path.join(tmp, 'checkpoints')}`,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  const keep = (d) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let exited = null;
  server.on('exit', (code, sig) => (exited = `exited with ${code ?? sig}`));
  const lab = { server, tmp, log: () => output };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw Object.assign(new Error(`Jupyter server ${exited}`), { lab });
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`)).ok) return lab;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw Object.assign(new Error('Jupyter server did not answer /api/status within 60 s'), { lab });
}
