// Vega-Lite specs rendered to SVG text in Node, at write time, so the HTML report carries finished
// pictures and needs neither scripts nor the network when it is opened.

import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { PareError } from '../util/errors.js';

/** Colours and type shared by every chart (and matched by the page's CSS). */
export const palette = {
  before: '#b8c2cc',
  after: '#2563eb',
  accent: '#ea580c',
  text: '#1f2933',
  muted: '#616e7c',
  grid: '#e4e7eb',
  categories: ['#2563eb', '#ea580c', '#059669', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'],
} as const;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const config: NonNullable<TopLevelSpec['config']> = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: {
    labelColor: palette.muted,
    titleColor: palette.text,
    gridColor: palette.grid,
    domainColor: palette.muted,
    tickColor: palette.muted,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
  },
  legend: { labelColor: palette.text, titleColor: palette.text, labelFontSize: 11, titleFontSize: 12 },
  title: { color: palette.text, fontSize: 13, fontWeight: 600, anchor: 'start', offset: 8 },
  range: { category: [...palette.categories] },
};

/** Render one Vega-Lite spec to an SVG document string (no scripts, no external references). */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  let view: View | undefined;
  try {
    const vega = compile({ ...spec, config: { ...config, ...spec.config } }).spec;
    // renderer 'none': nothing is drawn to a canvas; toSVG builds the markup from the scenegraph.
    view = new View(parse(vega), { renderer: 'none' });
    return await view.toSVG();
  } catch (cause) {
    throw new PareError(
      'PARE_INTERNAL',
      `a report chart could not be rendered: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  } finally {
    view?.finalize();
  }
}
