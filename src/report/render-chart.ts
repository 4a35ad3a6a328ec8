// Vega-Lite specs rendered to SVG text in Node, at write time, so the HTML report carries finished
// pictures and needs neither scripts nor the network when it is opened.

import { type LoggerInterface, parse, View, Warn } from 'vega';
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

/** A logger that keeps Vega's warnings as data instead of printing them (library code never prints). */
function collectingLogger(warnings: string[]): LoggerInterface {
  let level = Warn;
  const logger: LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level as never;
      level = l;
      return logger as never;
    },
    error: (...args: readonly unknown[]) => {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    warn: (...args: readonly unknown[]) => {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  } as LoggerInterface;
  return logger;
}

export interface RenderedChart {
  readonly svg: string;
  /** What Vega-Lite and Vega warned about (a spec mistake); empty for a clean chart. */
  readonly warnings: readonly string[];
}

/** Render one Vega-Lite spec to an SVG document string (no scripts, no external references). */
export async function renderChartSvg(spec: TopLevelSpec): Promise<RenderedChart> {
  let view: View | undefined;
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  try {
    const vega = compile({ ...spec, config: { ...config, ...spec.config } }, { logger }).spec;
    // renderer 'none': nothing is drawn to a canvas; toSVG builds the markup from the scenegraph.
    view = new View(parse(vega), { renderer: 'none', logger, logLevel: Warn });
    return { svg: await view.toSVG(), warnings };
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
