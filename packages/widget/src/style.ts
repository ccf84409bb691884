/**
 * The view's CSS, injected once per document (so the standalone report and
 * JupyterLab share one source). Colours come from JupyterLab's CSS variables
 * with light-theme fallbacks, so the view follows light and dark themes.
 */
export const STYLE_ID = 'specmap-view-style';

export const VIEW_CSS = `
.specmap-view {
  --specmap-fg: var(--jp-ui-font-color1, rgba(0, 0, 0, 0.87));
  --specmap-fg2: var(--jp-ui-font-color2, rgba(0, 0, 0, 0.54));
  --specmap-bg: var(--jp-layout-color1, #ffffff);
  --specmap-bg2: var(--jp-layout-color2, #eeeeee);
  --specmap-border: var(--jp-border-color2, #e0e0e0);
  --specmap-accent: var(--jp-brand-color1, #1976d2);
  --specmap-warn-bg: var(--jp-warn-color3, #fff3e0);
  --specmap-warn-fg: var(--jp-warn-color0, #e65100);
  --specmap-ok: var(--jp-success-color1, #388e3c);
  color: var(--specmap-fg);
  background: var(--specmap-bg);
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif);
  font-size: var(--jp-ui-font-size1, 13px);
  line-height: 1.4;
  padding: 8px 4px;
  box-sizing: border-box;
}
.specmap-view *, .specmap-view *::before, .specmap-view *::after { box-sizing: border-box; }
.specmap-view .specmap-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; margin-bottom: 4px; }
.specmap-view .specmap-method { font-weight: 700; font-size: 1.15em; letter-spacing: 0.02em; }
.specmap-view .specmap-fact { color: var(--specmap-fg); white-space: nowrap; }
.specmap-view .specmap-fact b { font-weight: 600; }
.specmap-view .specmap-ok { color: var(--specmap-ok); font-weight: 600; }
.specmap-view .specmap-bad { color: var(--specmap-warn-fg); font-weight: 600; }
.specmap-view .specmap-meta { color: var(--specmap-fg2); font-size: 0.9em; margin-bottom: 6px; overflow-wrap: anywhere; }
.specmap-view .specmap-meta code { font-family: var(--jp-code-font-family, ui-monospace, 'DejaVu Sans Mono', monospace); font-size: 0.95em; }
.specmap-view .specmap-warnings { margin: 4px 0 8px; padding: 6px 10px; list-style: none; border-left: 4px solid var(--specmap-warn-fg);
  background: var(--specmap-warn-bg); color: var(--jp-ui-font-color0, #3e2723); border-radius: 2px; }
.specmap-view .specmap-warnings li::before { content: '⚠ '; color: var(--specmap-warn-fg); font-weight: 700; }
.specmap-view .specmap-body { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.specmap-view .specmap-maps-panel { flex: 0 1 auto; min-width: 0; }
.specmap-view .specmap-maps { display: flex; flex-wrap: wrap; gap: 12px 16px; }
.specmap-view .specmap-map { margin: 0; display: flex; flex-direction: column; gap: 4px; }
.specmap-view .specmap-map figcaption { display: flex; align-items: center; gap: 6px; font-weight: 600; }
.specmap-view .specmap-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; flex: none; }
.specmap-view .specmap-evr { font-weight: 400; color: var(--specmap-fg2); }
.specmap-view canvas.specmap-map-canvas { display: block; image-rendering: pixelated; image-rendering: crisp-edges;
  cursor: crosshair; outline: 1px solid var(--specmap-border); outline-offset: 0; }
.specmap-view canvas.specmap-map-canvas:focus-visible { outline: 2px solid var(--specmap-accent); outline-offset: 1px; }
.specmap-view .specmap-colorbar { display: flex; flex-direction: column; gap: 1px; }
.specmap-view .specmap-colorbar-bar { height: 10px; border: 1px solid var(--specmap-border); }
.specmap-view .specmap-colorbar-labels { display: flex; justify-content: space-between; font-size: 0.85em; color: var(--specmap-fg2);
  font-variant-numeric: tabular-nums; }
.specmap-view .specmap-status { margin-top: 6px; min-height: 1.4em; color: var(--specmap-fg2); font-variant-numeric: tabular-nums; font-size: 0.92em; }
.specmap-view .specmap-spectra-panel { flex: 0 1 auto; min-width: 0; display: flex; flex-direction: column; gap: 6px; }
.specmap-view .specmap-pixel-info { padding: 6px 8px; background: var(--specmap-bg2); border-radius: 3px; font-variant-numeric: tabular-nums; }
.specmap-view .specmap-pixel-info .specmap-hint { color: var(--specmap-fg2); font-style: italic; }
.specmap-view .specmap-pixel-title { font-weight: 600; margin-right: 10px; }
.specmap-view .specmap-weight { white-space: nowrap; margin-right: 10px; display: inline-flex; align-items: center; gap: 4px; }
.specmap-view .specmap-pixel-extra { color: var(--specmap-fg2); font-size: 0.92em; }
.specmap-view .specmap-chart { min-height: 40px; width: fit-content; max-width: 100%; }
.specmap-view .specmap-chart .vega-embed { display: block; }
.specmap-view .specmap-chart .vega-embed summary { opacity: 0.35; }
.specmap-view .specmap-chart .vega-embed:hover summary { opacity: 1; }
.specmap-view .specmap-chart .role-axis-label text,
.specmap-view .specmap-chart .role-axis-title text,
.specmap-view .specmap-chart .role-legend-label text,
.specmap-view .specmap-chart .role-legend-title text,
.specmap-view .specmap-chart .role-title-text text { fill: var(--specmap-fg); }
.specmap-view .specmap-chart .role-axis-grid path,
.specmap-view .specmap-chart .role-axis-grid line { stroke: var(--specmap-border); }
.specmap-view .specmap-chart .role-axis-domain path, .specmap-view .specmap-chart .role-axis-domain line,
.specmap-view .specmap-chart .role-axis-tick path, .specmap-view .specmap-chart .role-axis-tick line { stroke: var(--specmap-fg2); }
.specmap-view .specmap-error { color: var(--jp-error-color1, #d32f2f); }
.specmap-view .specmap-toolbar { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 6px 0 10px; padding: 6px 8px;
  background: var(--specmap-bg2); border-radius: 3px; }
.specmap-view .specmap-group { display: inline-flex; align-items: center; gap: 4px; }
.specmap-view .specmap-group-label { color: var(--specmap-fg2); margin-right: 2px; }
.specmap-view .specmap-toolbar button, .specmap-view .specmap-toolbar select, .specmap-view .specmap-toolbar input,
.specmap-view .specmap-regions-panel button, .specmap-view .specmap-embedding select {
  font: inherit; color: var(--specmap-fg); background: var(--specmap-bg); border: 1px solid var(--specmap-border);
  border-radius: 3px; padding: 2px 7px; min-height: 24px; }
.specmap-view .specmap-toolbar input[type=number] { width: 4.2em; }
.specmap-view .specmap-toolbar button[aria-pressed=true] { background: var(--specmap-accent); color: #fff; border-color: var(--specmap-accent); }
.specmap-view button:focus-visible, .specmap-view select:focus-visible, .specmap-view input:focus-visible,
.specmap-view canvas:focus-visible { outline: 2px solid var(--specmap-accent); outline-offset: 1px; }
.specmap-view .specmap-colorbar-unit { color: var(--specmap-fg2); }
.specmap-view .specmap-binned { color: var(--specmap-warn-fg); }
.specmap-view .specmap-legend { display: flex; flex-direction: column; gap: 3px; font-size: 0.92em; }
.specmap-view .specmap-composite-picks { display: flex; flex-wrap: wrap; gap: 2px 10px; }
.specmap-view .specmap-legend-item { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; margin-right: 8px; }
.specmap-view .specmap-legend-note { color: var(--specmap-fg2); }
.specmap-view .specmap-region-list { list-style: none; margin: 4px 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 8px; }
.specmap-view .specmap-region-list li { display: inline-flex; gap: 2px; align-items: center; }
.specmap-view .specmap-region-select { display: inline-flex; gap: 5px; align-items: center; }
.specmap-view .specmap-embedding { flex: 0 0 auto; display: flex; flex-direction: column; gap: 4px; }
.specmap-view .specmap-embedding-title { font-weight: 600; }
.specmap-view .specmap-embedding-controls { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.specmap-view .specmap-embedding-canvas { border: 1px solid var(--specmap-border); cursor: crosshair; background: var(--specmap-bg); }
.specmap-view[data-tool=pan] canvas.specmap-map-canvas { cursor: grab; }
.specmap-error-panel { margin: 6px 0; padding: 10px 12px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: var(--jp-error-color3, #fdecea); color: var(--jp-ui-font-color0, #3b0d0c); border-radius: 2px;
  font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: var(--jp-ui-font-size1, 13px); }
.specmap-error-panel .specmap-error-title { font-weight: 700; margin-bottom: 4px; }
.specmap-error-panel .specmap-error-message { font-family: var(--jp-code-font-family, ui-monospace, 'DejaVu Sans Mono', monospace);
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 12em; overflow: auto; }
.specmap-error-panel .specmap-error-hint { margin-top: 4px; opacity: 0.85; }
`;

/** Adds the view's stylesheet to the element's document once. */
export function ensureStyle(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent = VIEW_CSS;
  (doc.head || doc.documentElement).appendChild(style);
}
