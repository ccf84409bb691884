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
import { renderOutput, type Region, type SpecmapView } from '@specmap/widget';

export { SPECMAP_MIME };

/** CSS class of the renderer's node. */
export const RENDERER_CLASS = 'jp-SpecmapRenderer';

/** Key under the output's metadata (per MIME type) where the regions drawn in the view are saved. */
export const REGIONS_METADATA_KEY = 'regions';

/** Regions saved in an output's metadata: metadata[SPECMAP_MIME].regions. */
function savedRegions(metadata: unknown, mimeType: string): Region[] | undefined {
  const m = (metadata as Record<string, unknown> | undefined)?.[mimeType] as Record<string, unknown> | undefined;
  const regions = m?.[REGIONS_METADATA_KEY];
  return Array.isArray(regions) ? (regions as Region[]) : undefined;
}

/** A Lumino widget that renders one specmap result. */
export class SpecmapRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private view: SpecmapView | null = null;
  private renderedData: unknown = undefined;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(RENDERER_CLASS);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType];
    // Our own metadata update (regions) re-renders the same output: keep the view.
    if (this.view && data === this.renderedData) return;
    this.view?.dispose();
    this.view = null;
    this.node.textContent = '';
    this.renderedData = data;
    const mime = this.mimeType;
    const out = renderOutput(this.node, data, {
      regions: savedRegions(model.metadata, mime),
      // Saved with the notebook: the output's metadata under the MIME type.
      onRegionsChange: (regions) => {
        try {
          const metadata = { ...(model.metadata as Record<string, unknown>) };
          const own = { ...((metadata[mime] as Record<string, unknown> | undefined) ?? {}) };
          own[REGIONS_METADATA_KEY] = regions as unknown;
          metadata[mime] = own;
          model.setData({ metadata: metadata as IRenderMime.IMimeModel['metadata'] });
        } catch {
          /* read-only model: the regions stay in the view only */
        }
      },
    });
    if (out.error) {
      this.node.querySelector('.specmap-error-panel')?.classList.add(`${RENDERER_CLASS}-error`);
      return;
    }
    this.view = out.view;
    try {
      await this.view?.ready;
    } catch {
      /* renderOutput shows the error inside the view */
    }
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
