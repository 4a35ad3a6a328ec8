// Every importance criterion by name (the names the CLI and recipes use).

import { PareError } from '../util/errors.js';
import { activationMeanCriterion } from './activation-mean.js';
import { aipCriterion } from './aip.js';
import { apozCriterion } from './apoz.js';
import { bnScaleCriterion } from './bn-scale.js';
import { capCriterion } from './cap.js';
import type { Criterion } from './criterion.js';
import { l1Criterion, l2Criterion } from './filter-norm.js';
import { fisherCriterion } from './fisher.js';
import { fpgmCriterion } from './fpgm.js';
import { fsmCriterion } from './fsm.js';
import { lassoCriterion } from './lasso.js';
import { pfgdfCriterion } from './pfgdf.js';
import { randomCriterion } from './random.js';
import { taylorCriterion } from './taylor.js';

export const criteria = {
  l1: l1Criterion,
  l2: l2Criterion,
  fpgm: fpgmCriterion,
  'bn-scale': bnScaleCriterion,
  random: randomCriterion,
  fsm: fsmCriterion,
  pfgdf: pfgdfCriterion,
  'activation-mean': activationMeanCriterion,
  apoz: apozCriterion,
  lasso: lassoCriterion,
  cap: capCriterion,
  taylor: taylorCriterion,
  fisher: fisherCriterion,
  aip: aipCriterion,
} as const satisfies Record<string, Criterion>;

export type CriterionName = keyof typeof criteria;

export const criterionNames = Object.keys(criteria) as CriterionName[];

export function isCriterionName(name: string): name is CriterionName {
  return Object.hasOwn(criteria, name);
}

/** The criterion called `name`; an unknown name is a PARE_CONFIG error listing the valid ones. */
export function criterionByName(name: string): Criterion {
  if (!isCriterionName(name))
    throw new PareError('PARE_CONFIG', `unknown criterion '${name}'`, {
      notes: [`valid criteria: ${criterionNames.join(', ')}`],
    });
  return criteria[name];
}
