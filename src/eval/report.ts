/** The evaluation report as a plain-text table (what `haploomni eval` prints without --json). */
import type { EvaluationReport } from './evaluate.js';
import { NAMING_ATTRIBUTES, OBJECT_QUESTION_TYPES, type Accuracy } from './understanding.js';

const percent = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const ratio = (x: number): string => x.toFixed(3);
const row = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();

function accuracyRows(title: string, entries: [string, Accuracy][]): string[] {
  const widths = [18, 8, 9];
  return [`  ${row([title, 'accuracy', 'questions'], widths)}`, ...entries.map(([name, a]) => `  ${row([name.replace('_', ' '), percent(a.accuracy), String(a.count)], widths)}`)];
}

export function formatReport(r: EvaluationReport): string {
  const lines = [`model ${r.model}   split ${r.split}   backend ${r.backend}`];
  const u = r.understanding;
  if (u) {
    lines.push('', `understanding: ${u.questions} questions about ${u.samples} videos (${u.seconds} s)`);
    lines.push(...accuracyRows('group', Object.entries(u.groups)));
    lines.push(...accuracyRows('question type', Object.entries(u.types)));
    const sceneWidths = [18, 12, 16];
    lines.push(`  ${row(['by scene', 'one object', 'several objects'], sceneWidths)}`);
    for (const t of OBJECT_QUESTION_TYPES) {
      const one = u.byScene.single[t], several = u.byScene.several[t];
      lines.push(`  ${row([t, `${percent(one.accuracy)} (${one.count})`, `${percent(several.accuracy)} (${several.count})`], sceneWidths)}`);
    }
    const namingWidths = [18, 12, 12, 12, 12];
    const cell = (a: Accuracy) => (a.count === 0 ? '-' : `${percent(a.accuracy)} (${a.count})`);
    lines.push(`  ${row(['several, named by', ...NAMING_ATTRIBUTES], namingWidths)}`);
    for (const t of OBJECT_QUESTION_TYPES) {
      lines.push(`  ${row([t, ...NAMING_ATTRIBUTES.map((a) => cell(u.byNaming[t][a]))], namingWidths)}`);
    }
    const widths = [14, 8, 9, 6, 5, 9, 9];
    lines.push(`  ${row(['POPE', 'accuracy', 'precision', 'recall', 'F1', 'yes-ratio', 'questions'], widths)}`);
    for (const [name, m] of Object.entries(u.pope)) {
      lines.push(`  ${row([name, ratio(m.accuracy), ratio(m.precision), ratio(m.recall), ratio(m.f1), ratio(m.yesRatio), String(m.count)], widths)}`);
    }
  }
  const g = r.generation;
  if (g) {
    lines.push('', `generation: ${g.videos} videos from single-object prompts, read back by the detector (${g.seconds} s)`);
    const widths = [18, 6];
    for (const [name, v] of [['colour', g.color], ['shape', g.shape], ['motion', g.motion], ['all three', g.all], ['object detected', g.detected]] as const) {
      lines.push(`  ${row([name, percent(v)], widths)}`);
    }
  }
  return lines.join('\n');
}
