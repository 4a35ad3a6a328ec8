// Recipes: a published method's defaults for criterion, allocation and recovery in one name
// (`pare prune --method fsm|cp|cap`). Every default names its source; where the paper is not
// confirmed or does not apply to a no-fine-tuning pipeline, the choice is ours and says so
// (docs/methods.md has the full table). Explicit options still override a recipe.

import type { LeastSquaresRecovery, RecoveryName } from './prune.js';

export interface Recipe {
  readonly name: string;
  readonly title: string;
  readonly criterion: string;
  readonly criterionOptions?: Readonly<Record<string, unknown>>;
  /** How a MACs/params target is met when the user gives one. */
  readonly search: 'uniform' | 'global';
  readonly keepResidual: boolean;
  readonly recover: RecoveryName;
  readonly leastSquares?: LeastSquaresRecovery;
  /** Calibration images the method expects (the user's --calib-samples wins). */
  readonly calibrationSamples: number;
  /** GA channel selection at the allocation's widths (the `ga` compress recipe's settings). */
  readonly ga?: boolean;
  /** One line per default: what it is and where it comes from. */
  readonly sources: readonly string[];
}

export const recipes: Readonly<Record<string, Recipe>> = {
  fsm: {
    name: 'fsm',
    title: 'FSM: feature shift minimisation (Duan et al., ACCV 2022)',
    criterion: 'fsm',
    search: 'uniform',
    keepResidual: true,
    recover: 'fsm',
    calibrationSamples: 512,
    sources: [
      'criterion fsm, mean |δ| over next-layer outputs: lscgx/FSM main.py (type=mean)',
      'residual channels kept, inner channels pruned: FSM ResNet-56 rate vectors [0.]+[0.6,0.]*9+…',
      'one ratio for every inner layer: our choice (the authors hand-set per-layer rates)',
      'recovery: distribution optimisation of the next BN (main.py get_effect_for_dstr); the authors then fine-tune (pare train)',
    ],
  },
  cp: {
    name: 'cp',
    title: 'Channel Pruning: LASSO selection + least squares (He, Zhang, Sun, ICCV 2017)',
    criterion: 'lasso',
    search: 'uniform',
    keepResidual: true,
    recover: 'ls',
    leastSquares: { features: 'pruned', residual: true, ridge: 1e-6 },
    calibrationSamples: 512,
    sources: [
      'criterion lasso with λ bisection, rank_tol 0.1: ethanhe42/channel-pruning lib/decompose.py',
      'least squares on the pruned network, targets from the original: paper §3.2, lib/net.py R3',
      "residual branch exit absorbs the shortcut error (Y1 + Y2 − Y2'): paper §4.1",
      'residual channels kept (the block outputs are not pruned): paper §4.1',
      'ridge 1e-6 of the mean feature variance: our choice for stability (the code uses plain LinearRegression)',
      'one ratio for every inner layer: our choice (the paper hand-sets per-layer widths)',
      '512 images × every output position: our choice (the code: 5000 images × 10 positions)',
    ],
  },
  cap: {
    name: 'cap',
    title: 'CaP: pruning with compensation (Xie et al., arXiv 2108.13728)',
    criterion: 'cap',
    search: 'uniform',
    keepResidual: true,
    recover: 'ls',
    leastSquares: { features: 'original', residual: false, rescaleVariance: true, ridge: 1e-6 },
    calibrationSamples: 512,
    sources: [
      'criterion cap, greedy forward compensation-aware selection: ZhouyangXie/pseudopruner comp_aware_pruner/ranking.py',
      'compensation W·Σ_CK·Σ_KK⁻¹ on the original statistics, bias correction, variance rescale: pseudopruner compensation/compensate.py',
      'residual channels kept: our choice (the code has no group logic; it prunes per consumer)',
      'one ratio for every inner layer: our choice in place of the binary structural search with step constraint (structural_search.py)',
      '512 images: our choice (the code: 20 % of the training set)',
    ],
  },
  ga: {
    name: 'ga',
    title:
      'GA channel pruning (Hu et al., arXiv 1805.11394), without the fine-tuning (pare compress --method ga has it)',
    criterion: 'l1',
    search: 'uniform',
    keepResidual: true,
    recover: 'bn',
    ga: true,
    calibrationSamples: 256,
    sources: [
      'GA settings, order and two-step fitness: the ga compress recipe (docs/methods.md, `ga`)',
      'widths: one ratio for every inner layer (l1 allocation), residual channels kept: our choice',
      'recovery bn in place of the KD fine-tuning, which needs training (pare compress --method ga): our choice',
    ],
  },
};

export const recipeNames = Object.keys(recipes);
