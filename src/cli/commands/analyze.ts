// `pare analyze MODEL`: the channel groups (what must be pruned together), their per-channel cost,
// and for groups that cannot be pruned, why.

import { Command } from 'commander';
import { analyzeChannels } from '../../analysis/channel-groups.js';
import type { ChannelGroup } from '../../analysis/channel-types.js';
import { addFlags, type FlagTable, jsonFlag, readFlags, switchOn, text } from '../flags.js';
import { formatCount, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { loadWithShapes } from './inspect.js';

export function groupSummary(g: ChannelGroup) {
  return {
    id: g.id,
    channels: g.size,
    prunable: g.blockers.length === 0,
    macsPerChannel: g.macsPerChannel,
    paramsPerChannel: g.paramsPerChannel,
    members: g.members.map((m) => ({ kind: m.kind, node: m.node, op: m.opType })),
    blockers: [...g.blockers],
  };
}

const analyzeFlags = {
  inputShape: {
    flags: '--input-shape <shape>',
    help: 'fix dynamic input dims, e.g. 1x3x224x224',
    schema: text,
  },
  all: {
    flags: '--all',
    help: 'also list groups that cannot be pruned, with every blocker',
    schema: switchOn,
  },
  json: jsonFlag,
} satisfies FlagTable;

export function analyzeCommand(io: CliIO): Command {
  const cmd = new Command('analyze')
    .description(
      'list the channel groups of a model: what must be pruned together, what it costs, what blocks it',
    )
    .argument('<model>', 'ONNX model file');
  return addFlags(cmd, analyzeFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(analyzeFlags, raw);
    const { model, warnings } = await loadWithShapes(file, opts.inputShape);
    const analysis = analyzeChannels(model.graph);
    const groups = analysis.groups.map(groupSummary);
    const prunable = groups.filter((g) => g.prunable);
    if (opts.json) {
      io.out(JSON.stringify({ model: file, groups, prunableGroups: prunable.length, warnings }));
      return;
    }
    for (const w of warnings) io.err(w);
    const shown = opts.all ? groups : prunable;
    const rows = shown.map((g) => [
      g.id,
      g.channels,
      g.members.filter((m) => m.kind === 'out').length,
      g.members.filter((m) => m.kind === 'in').length,
      formatCount(g.macsPerChannel),
      formatCount(g.paramsPerChannel),
      g.prunable
        ? 'yes'
        : `no: ${g.blockers[0]}${g.blockers.length > 1 ? ` (+${g.blockers.length - 1})` : ''}`,
    ]);
    io.out(
      renderTable(['group', 'channels', 'producers', 'consumers', 'MACs/ch', 'params/ch', 'prunable'], rows, [
        'left',
        'right',
        'right',
        'right',
        'right',
        'right',
        'left',
      ]),
    );
    const blocked = groups.length - prunable.length;
    io.out(
      `${file}: ${groups.length} channel groups, ${prunable.length} prunable, ${blocked} blocked` +
        (opts.all || blocked === 0 ? '' : ' (--all lists them with the reasons)'),
    );
  });
}
