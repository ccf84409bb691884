// Small helpers shared by the benchmark scripts.
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';

/** Median of a list of numbers (mean of the two middle values for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Peak resident memory of this process so far (VmHWM), MiB. */
export function vmhwmMb() {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Run a command under `/usr/bin/time -v`: its peak RSS ("Maximum resident set size", bytes) and wall
 * seconds. Throws with the command's stderr if it fails.
 */
export function timeV(cmd, args, { cwd, env, what } = {}) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${what ?? cmd} failed (status ${r.status}):\n${r.stderr}`);
  const kb = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(r.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\):\s*([\d:.]+)/.exec(r.stderr);
  if (!kb || !wall) throw new Error(`no /usr/bin/time -v report in:\n${r.stderr}`);
  return { peakBytes: Number(kb[1]) * 1024, seconds: wall[1].split(':').reduce((s, part) => s * 60 + Number(part), 0), stdout: r.stdout };
}
