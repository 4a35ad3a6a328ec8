// The public API exports every option, result and event type its functions use: a user can name the
// type of anything they pass to or get back from pare. Checked with the TypeScript compiler over
// src/index.ts: every named type declared in src/ that appears in an exported function's parameters
// or result (and, two levels deep, in the properties of those types) must itself be exported.

import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');

function missingTypes(): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const index = join(src, 'index.ts');
  const program = ts.createProgram([index], parsed.options);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const exports = checker.getExportsOfModule(moduleSymbol);
  const exported = new Set<ts.Symbol>();
  for (const e of exports) exported.add(e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e);
  const missing = new Map<string, string>();
  const seen = new Set<ts.Type>();

  const ours = (s: ts.Symbol | undefined) =>
    s?.declarations?.some((d) => {
      const f = d.getSourceFile().fileName;
      return f.startsWith(src) && !f.includes('/proto/');
    }) ?? false;

  const visit = (type: ts.Type, where: string, depth: number): void => {
    if (seen.has(type)) return;
    seen.add(type);
    const named = type.aliasSymbol ?? type.getSymbol();
    for (const arg of [
      ...(type.aliasTypeArguments ?? []),
      ...checker.getTypeArguments(type as ts.TypeReference),
    ])
      visit(arg, where, depth);
    if (named && ours(named) && !(named.flags & ts.SymbolFlags.TypeLiteral)) {
      const target = named.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(named) : named;
      if (
        !exported.has(target) &&
        !(target.flags & ts.SymbolFlags.Method) &&
        !(target.flags & ts.SymbolFlags.Property)
      ) {
        const decl = target.declarations?.[0];
        const file = decl ? relative(src, decl.getSourceFile().fileName) : '?';
        if (!missing.has(target.name)) missing.set(target.name, `${target.name} (${file}), used by ${where}`);
      }
    }
    // Callbacks (onEvent, onBatch): what they receive is part of the API too.
    for (const sig of type.getCallSignatures()) {
      for (const p of sig.getParameters()) {
        const pd = p.valueDeclaration ?? p.declarations?.[0];
        if (pd) visit(checker.getTypeOfSymbolAtLocation(p, pd), where, depth);
      }
    }
    if (type.isUnion() || type.isIntersection()) {
      for (const t of type.types) visit(t, where, depth);
      return;
    }
    if (depth <= 0 || !named || !ours(named) || named.flags & ts.SymbolFlags.Class) return;
    for (const p of type.getProperties()) {
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      if (!decl) continue;
      visit(checker.getTypeOfSymbolAtLocation(p, decl), where, depth - 1);
    }
  };

  for (const e of exports) {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    if (!(s.flags & ts.SymbolFlags.Function)) continue;
    const decl = s.valueDeclaration ?? s.declarations?.[0];
    if (!decl) continue;
    for (const sig of checker.getTypeOfSymbolAtLocation(s, decl).getCallSignatures()) {
      for (const p of sig.getParameters()) {
        const pd = p.valueDeclaration ?? p.declarations?.[0];
        if (pd) visit(checker.getTypeOfSymbolAtLocation(p, pd), e.name, 2);
      }
      const ret = sig.getReturnType();
      visit(checker.getAwaitedType(ret) ?? ret, e.name, 2);
    }
  }
  return [...missing.values()].sort();
}

describe('public API', () => {
  it('exports every named type used by its functions', () => {
    expect(missingTypes()).toEqual([]);
  }, 120_000);
});
