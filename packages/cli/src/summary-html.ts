/** A small HTML table of a run's summary, shown above the view in report.html. */
export function summaryHtml(summary: Record<string, unknown>): string {
  const esc = (s: unknown) =>
    String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  const prov = summary.provenance as { inputSha256: string; specmapVersion: string; date: string; seed: number | null; steps: { name: string }[] };
  const shape = summary.shape as { width: number; height: number; channels: number; components: number };
  const rows: [string, string][] = [
    ['input', esc(summary.input)],
    ['sha256', `<code>${esc(prov.inputSha256)}</code>`],
    ['stack', `${shape.width} × ${shape.height} pixels × ${shape.channels} energies`],
    ['method', `${esc(summary.method)}, ${shape.components} components`],
    ['preprocessing', prov.steps.length ? esc(prov.steps.map((s) => s.name).join(' → ')) : 'none'],
    ['iterations', `${esc(summary.iterations)} (${summary.converged ? 'converged' : 'not converged'})`],
    ['seed', esc(prov.seed ?? '—')],
    ['specmap', `${esc(prov.specmapVersion)}, run ${esc(prov.date)}`],
  ];
  const refs = summary.references as { name: string; pearson: number[] }[];
  for (const r of refs) rows.push([`Pearson r vs ${esc(r.name)}`, r.pearson.map((p, j) => `c${j}: ${p.toFixed(3)}`).join(', ')]);
  const warnings = summary.warnings as string[];
  for (const w of warnings) rows.push(['warning', `<strong>${esc(w)}</strong>`]);
  return `<table class="specmap-summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}
