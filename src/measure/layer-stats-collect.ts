// Patch statistics of several layers of one model in one pass over calibration batches: the model
// runs once per batch with the layers' inputs as extra outputs, each input feeds its layer's
// LayerStatsAccumulator (what LASSO and CaP selection read: Σ of the original consumers' inputs).

import { cloneModel, type Model } from '../ir/model.js';
import type { LayerStats } from '../linear/layer.js';
import { linearLayer } from '../linear/layer.js';
import { type Feeds, Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { LayerStatsAccumulator } from './layer-stats.js';

export interface CollectLayerOptions {
  readonly threads?: number;
}

export async function collectLayerStats(
  model: Model,
  nodes: readonly string[],
  batches: Iterable<Feeds> | AsyncIterable<Feeds>,
  options: CollectLayerOptions = {},
): Promise<Map<string, LayerStats>> {
  const m = cloneModel(model);
  const g = m.graph;
  const inputOf = new Map<string, string>();
  for (const name of nodes) {
    const node = g.node(name);
    const x = node?.input(0);
    if (!node || !x)
      throw new PareError(
        'PARE_INTERNAL',
        `layer statistics: no node '${name}' with an input in '${g.name}'`,
      );
    inputOf.set(name, x.name);
    if (!g.isRealInput(x)) g.addOutput(x);
  }
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const accs = new Map<string, LayerStatsAccumulator>();
  const session = await Session.create(m, {
    label: `${model.path ?? g.name} (layer statistics)`,
    ...threads,
  });
  try {
    for (const name of nodes)
      accs.set(name, await LayerStatsAccumulator.create(linearLayer(g, name), threads));
    let seen = 0;
    for await (const feeds of batches) {
      const wanted = [...new Set(inputOf.values())].filter((v) => !(v in feeds));
      const out = { ...feeds, ...(await session.run(feeds, wanted)) };
      for (const [name, acc] of accs) await acc.add(out[inputOf.get(name)!]!);
      seen++;
    }
    if (seen === 0) throw new PareError('PARE_DATA', 'layer statistics: the calibration data gave no batch');
    return new Map([...accs].map(([k, a]) => [k, a.result()]));
  } finally {
    await session.release();
    for (const a of accs.values()) await a.release();
  }
}
