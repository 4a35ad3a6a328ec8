// Dropout: identity in inference mode; in training mode the gradient goes through the kept
// positions, scaled by 1/(1 − ratio). The mask output is added to the forward node when missing.

import type { GradRule } from '../grad-rule.js';

export const dropoutGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, node, fail }) => {
    const mode = node.input(2);
    if (!mode || (mode.const && mode.const.toNumbers()[0] === 0)) return [dy()];
    let mask = node.outputs[1];
    if (!mask) {
      mask = e.graph.createValue(e.graph.uniqueName(`${node.name}.mask`), {
        elemType: 9,
        shape: node.output().type?.shape,
      });
      node.addOutput(mask);
    }
    if (mask.name === '') throw fail('the mask output is omitted; give it a name to train through dropout');
    const ratio = node.input(1) ?? e.scalarLike(0.5, dy());
    const one = e.scalarLike(1, dy());
    const scale = e.op('Div', [one, e.op('Sub', [one, ratio])], {}, { shape: [] });
    const kept = e.op('Where', [mask, e.op('Mul', [dy(), scale]), e.scalarLike(0, dy())]);
    // A training_mode fed at run time may be false: then the gradient is dy itself.
    return [mode.const ? kept : e.op('Where', [mode, kept, dy()])];
  },
};
