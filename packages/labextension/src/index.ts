/**
 * @specmap/jupyterlab — JupyterLab 4 MIME renderer for specmap results.
 *
 * Renders outputs of MIME type `application/vnd.specmap.result.v1+arrow`
 * (base64 of the Arrow IPC stream written by @specmap/arrow) with the
 * interactive view of @specmap/widget.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { SPECMAP_MIME } from '@specmap/arrow';
import { renderPayload, type SpecmapView } from '@specmap/widget';

export { SPECMAP_MIME };

/** CSS class of the renderer's node. */
export const RENDERER_CLASS = 'jp-SpecmapRenderer';

/** A Lumino widget that renders one specmap result. */
export class SpecmapRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private view: SpecmapView | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(RENDERER_CLASS);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.view?.dispose();
    this.view = null;
    this.node.textContent = '';
    const data = model.data[this.mimeType];
    try {
      if (typeof data !== 'string') {
        throw new Error(`expected a base64 string under ${this.mimeType}, got ${data === null ? 'null' : typeof data}`);
      }
      this.view = renderPayload(this.node, data);
      await this.view.ready;
    } catch (err) {
      this.showError(err);
    }
  }

  private showError(err: unknown): void {
    const p = document.createElement('pre');
    p.className = `${RENDERER_CLASS}-error`;
    p.textContent = `Could not render the specmap result: ${err instanceof Error ? err.message : String(err)}`;
    this.node.appendChild(p);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}

/** The renderer factory: one renderer per output, for SPECMAP_MIME only. */
export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [SPECMAP_MIME],
  defaultRank: 0,
  createRenderer: (options) => new SpecmapRenderer(options),
};

/** The MIME extension JupyterLab loads (`jupyterlab.mimeExtension` in package.json). */
const extension: IRenderMime.IExtension = {
  id: '@specmap/jupyterlab:plugin',
  description: 'Renders specmap results (weight maps linked to spectra).',
  rendererFactory,
  rank: 0,
  dataType: 'string',
};

export default extension;
