#!/usr/bin/env node
/** `haploomni <command> ...`: dispatches to one module per command; each prints its own --help. */

type Runner = (argv: string[]) => Promise<number>;

/** Command name -> one-line summary and a lazy import of its runner (so `--help` stays fast). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Runner> }> = {
  train: { summary: 'train a HaploOmni model (understanding + generation) on the Shapes world or your data', load: async () => (await import('./train.js')).runTrain },
  ask: { summary: 'answer a question about a video or an image (streams the answer)', load: async () => (await import('./ask.js')).runAsk },
  generate: { summary: 'generate videos from text prompts (GIF / MP4, PNG frame grid)', load: async () => (await import('./generate.js')).runGenerate },
  eval: { summary: 'evaluate understanding (per question type, POPE) and generation fidelity on Shapes', load: async () => (await import('./eval.js')).runEval },
  demo: { summary: 'ask the embedded model about Shapes videos and generate a few videos (no arguments needed)', load: async () => (await import('./demo.js')).runDemo },
  info: { summary: 'describe a model folder: config, parameters per part, weights on disk, backend', load: async () => (await import('./info.js')).runInfo },
  export: { summary: 'write a copy of a model folder with F16 (or F32) weights', load: async () => (await import('./export.js')).runExport },
  data: { summary: 'write the Shapes dataset to disk, or check a dataset manifest', load: async () => (await import('./data.js')).runDataCommand },
  'train-vae': { summary: 'train the video autoencoder on the Shapes world', load: async () => (await import('./train-vae.js')).runTrainVae },
};

function usage(): string {
  const lines = ['usage: haploomni <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `haploomni <command> --help` for the options of one command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`haploomni: unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (see haploomni --help)\n`);
    return 2;
  }
  return (await command.load())(rest);
}

process.exitCode = await main(process.argv.slice(2));
