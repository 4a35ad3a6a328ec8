// Latency acceptance of `pare prune` (issue 12): torchvision ResNet-18, ResNet-50 and MobileNetV2
// exported by Debian's PyTorch (random weights, BatchNorm kept, dynamic batch), pruned by the CLI
// with default options at --target macs=0.5 (l1, --round-to auto, latency-aware: the layer table
// is timed at ORT's default threads) and at --target latency=0.5; the same MACs target ranked by
// score alone (--no-latency: no table, so the plain global order) at batch 1 beside it;
// ONNX Runtime latency of original and pruned measured interleaved (rounds alternate the two
// models; medians of per-round ratios, ratios of medians and each run's p90/p10 timing spread), at
// batch 1 and 16, at each of `--threads` (1 and 2: a 2-thread ratio also shows how well the pruned
// model's smaller layers parallelise), `--repeats` times, with the load average before each.
// PyTorch's own latency of the original, at the same threads, is the peer figure.
// Run: nice -n 10 npx tsx bench/latency.ts [--models resnet18,resnet50,mobilenet_v2] [--repeats 3]
//      [--batches 1,16] [--latency-batches 1] [--threads 1,2] [--out DIR (default $TMPDIR/pare-bench-latency)]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { declaredInterface, withDeclaredInterface } from '../src/methods/declared-interface.js';
import { readModel } from '../src/onnx/read.js';
import { compareLatency } from '../src/runtime/latency.js';
import { nchwcBlock } from '../src/runtime/nchwc-block.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'resnet18,resnet50,mobilenet_v2' },
    repeats: { type: 'string', default: '3' },
    batches: { type: 'string', default: '1,16' },
    'latency-batches': { type: 'string', default: '1' },
    threads: { type: 'string', default: '1,2' },
    out: { type: 'string', default: join(tmpdir(), 'pare-bench-latency') },
  },
});
const models = values.models.split(',');
const repeats = Number(values.repeats);
const batches = values.batches.split(',').map(Number);
const latencyBatches = values['latency-batches']
  .split(',')
  .map(Number)
  .filter((b) => b > 0);
const dir = values.out;
mkdirSync(dir, { recursive: true });
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const threadCounts = values.threads.split(',').map(Number);
const uptime = () => loadavg().map((x) => Math.round(x * 100) / 100);
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

const EXPORT = `
import sys, torch, torchvision
name, out = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
m = getattr(torchvision.models, name)(weights=None).eval()
# PRESERVE (not EVAL) keeps BatchNormalization nodes: EVAL would fold them into the convolutions.
torch.onnx.export(m, torch.randn(1, 3, 224, 224), out, input_names=['input'], output_names=['logits'],
    opset_version=13, dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
    training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
`;
const PEER = `
import sys, time, torch, torchvision, json
torch.set_num_threads(int(sys.argv[2]))
m = getattr(torchvision.models, sys.argv[1])(weights=None).eval()
out = {}
for b in [int(x) for x in sys.argv[3].split(',')]:
    x = torch.randn(b, 3, 224, 224)
    with torch.no_grad():
        for _ in range(2): m(x)
        ts = []
        for _ in range(7 if b > 1 else 15):
            t = time.perf_counter(); m(x); ts.append((time.perf_counter() - t) * 1000)
    ts.sort(); out[b] = ts[len(ts) // 2]
print(json.dumps({'torch': torch.__version__, 'ms': out}))
`;

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const io = memoryIO();
  const code = await run(['node', 'pare', ...args, '--json'], io);
  if (code !== 0) throw new Error(`pare ${args.join(' ')} failed (${code}): ${io.stderr.join('\n')}`);
  return JSON.parse(io.stdout.join(''));
}

const runnable = (file: string) => {
  const m = readModel(file);
  return withDeclaredInterface(m, declaredInterface(m.graph));
};

async function ratios(a: string, b: string, batch: number, threads: number) {
  const out: {
    ratio: number;
    ratioOfMedians: number;
    spread: number[];
    beforeMs: number;
    afterMs: number;
    load: number[];
  }[] = [];
  for (let i = 0; i < repeats; i++) {
    const load = uptime();
    const r = await compareLatency([runnable(a), runnable(b)], {
      batch,
      threads,
      warmup: 2,
      runs: batch > 1 ? 9 : 31,
    });
    out.push({
      ratio: r.ratio[1]!,
      ratioOfMedians: r.medianMs[1]! / r.medianMs[0]!,
      spread: [...r.spread],
      beforeMs: r.medianMs[0]!,
      afterMs: r.medianMs[1]!,
      load,
    });
    log(
      `  batch ${batch}, ${threads} thread(s): ${r.medianMs[0]!.toFixed(1)} → ${r.medianMs[1]!.toFixed(1)} ms, ratio ${r.ratio[1]!.toFixed(3)}, spread ${r.spread.map((x) => x.toFixed(2)).join('/')} (load ${load.join(' ')})`,
    );
  }
  const rs = out.map((x) => x.ratio).sort((x, y) => x - y);
  return { median: rs[Math.floor(rs.length / 2)]!, runs: out };
}

const result: Record<string, unknown>[] = [];
const startLoad = uptime();
for (const name of models) {
  const file = join(dir, `${name}.onnx`);
  if (!existsSync(file)) {
    log(`exporting ${name}`);
    execFileSync(python, ['-c', EXPORT, name, file], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  log(`${name}: prune --target macs=0.5`);
  const half = join(dir, `${name}.macs50.onnx`);
  const rep = await cli('prune', file, '-o', half, '--target', 'macs=0.5', '--input-shape', '1x3x224x224');
  // The same target ranked by score alone (the cut before latency-aware MACs targets), for batch 1.
  const byScore = join(dir, `${name}.macs50.score.onnx`);
  await cli(
    'prune',
    file,
    '-o',
    byScore,
    '--target',
    'macs=0.5',
    '--input-shape',
    '1x3x224x224',
    '--no-latency',
  );
  const before = rep.before as { macs: number };
  const after = rep.after as { macs: number };
  const perThreads: Record<string, unknown> = {};
  for (const threads of threadCounts) {
    const macs: Record<string, unknown> = {};
    for (const b of batches) macs[`batch${b}`] = await ratios(file, half, b, threads);
    macs.batch1ByScore = await ratios(file, byScore, 1, threads);
    const latency: Record<string, unknown> = {};
    for (const b of latencyBatches) {
      log(`${name}: prune --target latency=0.5 --latency-batch ${b} --threads ${threads}`);
      const out = join(dir, `${name}.lat50.b${b}.t${threads}.onnx`);
      const r = await cli(
        'prune',
        file,
        '-o',
        out,
        '--target',
        'latency=0.5',
        '--input-shape',
        '1x3x224x224',
        '--latency-batch',
        String(b),
        '--threads',
        String(threads),
        '--latency-cache',
        join(dir, 'cache'),
      );
      const lat = r.latency as Record<string, unknown>;
      latency[`batch${b}`] = {
        goal: 0.5,
        prune: {
          measured: lat.ratio,
          predicted: lat.predictedRatio,
          spread: lat.spread,
          attempts: lat.attempts,
          table: lat.table,
        },
        macsRatio: (r.after as { macs: number }).macs / before.macs,
        remeasured: await ratios(file, out, b, threads),
      };
    }
    log(`${name}: PyTorch peer, ${threads} thread(s)`);
    const peer = JSON.parse(
      execFileSync(python, ['-c', PEER, name, String(threads), batches.join(',')], { encoding: 'utf8' }),
    );
    perThreads[`threads${threads}`] = {
      macsTarget: macs,
      latencyTarget: latency,
      peer: { pytorchOriginalMs: peer.ms, torch: peer.torch },
    };
  }
  const entry = {
    model: name,
    macsRatio: after.macs / before.macs,
    roundTo: rep.roundTo,
    latencyAware: rep.latencyAware,
    ...perThreads,
  };
  result.push(entry);
  // Each model's figures as soon as they exist (a long run on a shared machine may be cut short).
  log(`RESULT ${JSON.stringify(entry)}`);
}
const ort = JSON.parse(readFileSync('node_modules/onnxruntime-node/package.json', 'utf8')).version;
console.log(
  JSON.stringify(
    {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      nchwcBlock: await nchwcBlock(),
      onnxruntime: ort,
      threads: threadCounts,
      loadBefore: startLoad,
      loadAfter: uptime(),
      models: result,
    },
    null,
    1,
  ),
);
