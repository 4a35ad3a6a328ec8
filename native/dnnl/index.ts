// The addon's typed loader lives in src/runtime/dnnl.ts (the training engine uses it); re-exported here
// for the addon's own tests and benches.
export * from '../../src/runtime/dnnl.js';
