// The genetic algorithm of GA channel pruning (Hu et al. 2018, arXiv 1805.11394): a chromosome is a
// 0/1 vector over one layer's channels (1 = keep) holding exactly `keep` ones. The initial population
// is drawn per gene from a Bernoulli distribution (the paper, per the reading note in the research
// addendum) and repaired to the count; selection is a tournament, crossover keeps the genes both
// parents agree on and gives half of the disputed positions to each side, mutation swaps a kept and a
// dropped gene, so every operator preserves the count without repair. The best `elite` survive each
// generation. Every value is an option; docs/methods.md cites which are the paper's and which ours.

import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

export interface GaOptions {
  /** Chromosomes per generation (default 50). */
  readonly population?: number;
  /** Generations after the initial one (default 40). */
  readonly generations?: number;
  /** Probability that a child is the crossover of its two parents rather than a copy of the first (default 0.8). */
  readonly crossover?: number;
  /** Per-gene probability of a swap mutation (default 1/n). */
  readonly mutation?: number;
  /** Best chromosomes copied unchanged into the next generation (default 2). */
  readonly elite?: number;
  /** Tournament size of the parent selection (default 2). */
  readonly tournament?: number;
  /** Generations without improvement of the best cost after which the search stops (default: never). */
  readonly patience?: number;
  readonly seed?: number;
  /** Chromosomes placed in the initial population (e.g. a criterion's choice), repaired to the count. */
  readonly seeds?: readonly Uint8Array[];
}

export interface GaResult {
  /** The best chromosome (lowest cost) and its cost. */
  readonly best: Uint8Array;
  readonly cost: number;
  /** The final population's distinct chromosomes, best first, with their costs. */
  readonly ranked: readonly { readonly genes: Uint8Array; readonly cost: number }[];
  /** Best cost after each generation (index 0: the initial population). */
  readonly history: readonly number[];
  /** Distinct chromosomes whose cost was computed. */
  readonly evaluations: number;
}

/** Minimise `cost` over the chromosomes of `n` genes with exactly `keep` ones. */
export function gaSearch(
  n: number,
  keep: number,
  cost: (genes: Uint8Array) => number,
  options: GaOptions = {},
): GaResult {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(keep) && keep >= 1 && keep <= n))
    throw new PareError('PARE_CONFIG', `GA: cannot keep ${keep} of ${n} channels`);
  const size = options.population ?? 50;
  const generations = options.generations ?? 40;
  const pc = options.crossover ?? 0.8;
  const pm = options.mutation ?? 1 / n;
  const elite = Math.min(options.elite ?? 2, size);
  const tour = options.tournament ?? 2;
  if (!(size >= 2 && generations >= 0 && pc >= 0 && pc <= 1 && pm >= 0 && pm <= 1 && tour >= 1))
    throw new PareError(
      'PARE_CONFIG',
      'GA: population ≥ 2, generations ≥ 0, rates in [0, 1], tournament ≥ 1',
      {
        notes: [`got population ${size}, generations ${generations}, crossover ${pc}, mutation ${pm}`],
      },
    );
  const rng = new Rng(options.seed ?? 0);
  const cache = new Map<string, number>();
  const evaluate = (genes: Uint8Array): number => {
    const key = genes.join('');
    let c = cache.get(key);
    if (c === undefined) {
      c = cost(genes);
      if (!Number.isFinite(c)) throw new PareError('PARE_RUNTIME', `GA: the fitness gave ${c}`);
      cache.set(key, c);
    }
    return c;
  };
  let pop: Uint8Array[] = (options.seeds ?? [])
    .slice(0, size)
    .map((s) => repair(Uint8Array.from(s), keep, rng));
  while (pop.length < size) pop.push(bernoulli(n, keep, rng));
  let costs = pop.map(evaluate);
  const history = [Math.min(...costs)];
  let stale = 0;
  for (let gen = 0; gen < generations; gen++) {
    const order = costs.map((_, i) => i).sort((a, b) => costs[a]! - costs[b]! || a - b);
    const next = order.slice(0, elite).map((i) => pop[i]!);
    const pick = () => {
      let best = rng.int(size);
      for (let t = 1; t < tour; t++) {
        const c = rng.int(size);
        if (costs[c]! < costs[best]!) best = c;
      }
      return pop[best]!;
    };
    while (next.length < size) {
      const a = pick();
      const b = pick();
      next.push(mutate(rng.next() < pc ? crossover(a, b, rng) : Uint8Array.from(a), pm, rng));
    }
    pop = next;
    costs = pop.map(evaluate);
    const best = Math.min(...costs);
    stale = best < history.at(-1)! ? 0 : stale + 1;
    history.push(Math.min(best, history.at(-1)!));
    if (options.patience !== undefined && stale >= options.patience) break;
  }
  const seen = new Set<string>();
  const ranked = pop
    .map((genes, i) => ({ genes, cost: costs[i]! }))
    .sort((a, b) => a.cost - b.cost)
    .filter((c) => {
      const k = c.genes.join('');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  return { best: ranked[0]!.genes, cost: ranked[0]!.cost, ranked, history, evaluations: cache.size };
}

/** Each gene 1 with probability keep/n, then repaired to exactly `keep` ones. */
export function bernoulli(n: number, keep: number, rng: Rng): Uint8Array {
  const genes = new Uint8Array(n);
  for (let i = 0; i < n; i++) genes[i] = rng.next() < keep / n ? 1 : 0;
  return repair(genes, keep, rng);
}

/** Switch random genes on or off until exactly `keep` are on (in place). */
export function repair(genes: Uint8Array, keep: number, rng: Rng): Uint8Array {
  let ones = genes.reduce((s, g) => s + g, 0);
  while (ones !== keep) {
    const want = ones < keep ? 0 : 1;
    const at = positions(genes, want);
    genes[at[rng.int(at.length)]!] = 1 - want;
    ones += want === 0 ? 1 : -1;
  }
  return genes;
}

/**
 * Count-preserving crossover: genes the parents agree on are inherited; of the positions where they
 * differ (as many ones of a as of b), a random half become ones.
 */
export function crossover(a: Uint8Array, b: Uint8Array, rng: Rng): Uint8Array {
  const child = Uint8Array.from(a);
  const differ: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ.push(i);
  rng.shuffle(differ);
  differ.forEach((p, i) => {
    child[p] = i < differ.length / 2 ? 1 : 0;
  });
  return child;
}

/** Swap mutation: each gene, with probability pm, trades its value with a random gene of the other value. */
export function mutate(genes: Uint8Array, pm: number, rng: Rng): Uint8Array {
  for (let i = 0; i < genes.length; i++) {
    if (rng.next() >= pm) continue;
    const other = positions(genes, 1 - genes[i]!);
    if (other.length === 0) continue;
    const j = other[rng.int(other.length)]!;
    genes[j] = genes[i]!;
    genes[i] = 1 - genes[i]!;
  }
  return genes;
}

function positions(genes: Uint8Array, value: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < genes.length; i++) if (genes[i] === value) out.push(i);
  return out;
}

/** Kept indices (ascending) of a chromosome. */
export function keptIndices(genes: Uint8Array): Int32Array {
  return Int32Array.from(positions(genes, 1));
}

/** The chromosome of `n` genes with ones at `kept`. */
export function chromosome(n: number, kept: ArrayLike<number>): Uint8Array {
  const genes = new Uint8Array(n);
  for (let i = 0; i < kept.length; i++) genes[kept[i]!] = 1;
  return genes;
}
