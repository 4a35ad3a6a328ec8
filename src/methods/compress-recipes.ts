// The shipped `pare compress --method` recipes: JSON files beside this one (compiled into dist/ with
// it), validated by the same schema as a user's --recipe file.

import { PareError } from '../util/errors.js';
import { type CompressRecipe, parseRecipe } from './compress-recipe.js';
import aip from './recipes/aip.json' with { type: 'json' };
import fpgm from './recipes/fpgm.json' with { type: 'json' };
import ga from './recipes/ga.json' with { type: 'json' };
import groupFisher from './recipes/group-fisher.json' with { type: 'json' };
import l1Oneshot from './recipes/l1-oneshot.json' with { type: 'json' };
import mfp from './recipes/mfp.json' with { type: 'json' };
import pfgdf from './recipes/pfgdf.json' with { type: 'json' };
import sfp from './recipes/sfp.json' with { type: 'json' };
import ucp from './recipes/ucp.json' with { type: 'json' };

const shipped = {
  sfp,
  fpgm,
  mfp,
  pfgdf,
  'group-fisher': groupFisher,
  'l1-oneshot': l1Oneshot,
  ucp,
  aip,
  ga,
} as const satisfies Record<string, unknown>;

export type CompressMethodName = keyof typeof shipped;

export const compressMethodNames = Object.keys(shipped) as CompressMethodName[];

/** The shipped recipe called `name`; an unknown name is a PARE_CONFIG error listing the valid ones. */
export function compressRecipe(name: string): CompressRecipe {
  if (!Object.hasOwn(shipped, name))
    throw new PareError('PARE_CONFIG', `unknown method '${name}'`, {
      notes: [`valid methods: ${compressMethodNames.join(', ')} (or --recipe FILE)`],
    });
  return parseRecipe(shipped[name as CompressMethodName], `${name} (shipped recipe)`);
}
