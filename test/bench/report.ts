/** Writes the benchmark results as docs/benchmarks.json and a Markdown page. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { MachineInfo } from './machine.js';

/** A goal for one figure: a description and the test it must pass. */
export interface Target {
  text: string;
  met: (value: number) => boolean;
}

export interface SectionResult {
  id: string;
  title: string;
  /** What the section measures and how to read its rows. */
  description: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why the section was skipped or how it failed. */
  reason?: string;
  seconds: number;
  results: Record<string, number>;
  /** Targets by result name. */
  targets: Record<string, Target>;
}

export interface BenchReport {
  startedAt: string;
  quick: boolean;
  totalSeconds: number;
  machine: MachineInfo;
  sections: SectionResult[];
}

const INTRO = `# Benchmarks

Speed, scale and memory of the scan engine (\`electron/core\`), measured by \`test/bench/run.ts\`.

Run it with \`npm run bench\` (about 5 to 10 minutes on 2 cores). The first run also builds
its inputs, about 10 more minutes, most of it for the 1,000,000-photo search library.
\`npm run bench -- --quick\` runs every section on fewer photos and writes its report to the
cache folder instead of \`docs/\`. \`--only tagging,rescan\` runs some sections.
Inputs (camera-sized JPEGs, generated networks, a tree of 100,000 files, synthetic
libraries) are built once under \`<os temp folder>/deit-tagger-bench/\` (the search library
directly in the temp folder). Sections that need the real photos or the real DeiT-Ti in
\`../shared\` beside the repository are skipped without them.

Other processes move absolute rates on a shared machine, so each goal is a ratio between
figures measured a few seconds apart in the same round. A section repeats its rounds,
alternating the measurements, and reports the median of the rounds for every figure; a
ratio is the median of the per-round ratios, not the ratio of two medians.
Rates are photos per second. Every scan runs through \`Library.startScan\`, in its worker
threads (one scans, one runs inference), on the CPU execution provider, with ONNX Runtime's default thread count for both the
engine and transformers.js. \`docs/benchmarks.json\` has the same figures.`;

function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

function sectionMarkdown(section: SectionResult): string {
  const lines = [`## ${section.title}`, '', section.description, ''];
  if (section.status !== 'ok') {
    lines.push(`**${section.status}**: ${section.reason ?? ''}`, '');
    return lines.join('\n');
  }
  lines.push('| Figure | Value | Goal | Met |', '|---|---:|---|---|');
  for (const [name, value] of Object.entries(section.results)) {
    const target = section.targets[name];
    let met = '';
    if (target) met = target.met(value) ? 'yes' : '**no**';
    lines.push(`| ${name} | ${formatValue(value)} | ${target?.text ?? ''} | ${met} |`);
  }
  lines.push('', `Section time: ${section.seconds.toFixed(0)} s.`, '');
  return lines.join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const machine = Object.entries(report.machine).map(([name, value]) => `| ${name} | ${value} |`);
  return [
    INTRO,
    '',
    `## Machine`,
    '',
    `Run of ${report.startedAt}${report.quick ? ' (quick)' : ''}, ${report.totalSeconds.toFixed(0)} s in all.`,
    '',
    '| | |',
    '|---|---|',
    ...machine,
    '',
    ...report.sections.map(sectionMarkdown),
  ].join('\n');
}

/** Writes benchmarks.md and benchmarks.json into `folder`. */
export async function writeReport(report: BenchReport, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const json = {
    ...report,
    sections: report.sections.map(({ targets, ...section }) => ({
      ...section,
      targets: Object.fromEntries(
        Object.entries(targets).map(([name, target]) => [
          name,
          {
            goal: target.text,
            met: name in section.results ? target.met(section.results[name]) : null,
          },
        ]),
      ),
    })),
  };
  await writeFile(join(folder, 'benchmarks.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(folder, 'benchmarks.md'), `${renderMarkdown(report)}\n`);
}
