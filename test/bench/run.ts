/**
 * Runs the benchmark sections and writes docs/benchmarks.md and docs/benchmarks.json.
 *
 *   npm run bench                       full run, writes docs/
 *   npm run bench -- --quick            fewer photos, writes to the cache folder
 *   npm run bench -- --only rescan,memory
 *   npm run bench -- --out FOLDER       writes the report elsewhere
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CACHE_DIR, REPO_ROOT } from './fixtures.js';
import { loadAverage, machineInfo } from './machine.js';
import { runMemoryBench } from './memory.js';
import { runRealNetworkBench } from './real-network.js';
import { writeReport, type SectionResult, type Target } from './report.js';
import { runRescanBench } from './rescan.js';
import { runTaggingBench } from './tagging.js';
import { runTransformersBench } from './transformers.js';

interface Sizes {
  cameraPhotos: number;
  rounds: number;
  rescanFiles: number;
  searchPhotos: number;
  memoryPhotos: number;
  imagenetPhotos: number | null;
}

const FULL: Sizes = {
  cameraPhotos: 48,
  rounds: 3,
  rescanFiles: 100_000,
  searchPhotos: 1_000_000,
  memoryPhotos: 5000,
  imagenetPhotos: null,
};

const QUICK: Sizes = {
  cameraPhotos: 16,
  rounds: 1,
  rescanFiles: 10_000,
  searchPhotos: 100_000,
  memoryPhotos: 500,
  imagenetPhotos: 40,
};

const atLeast = (goal: number): Target => ({ text: `>= ${goal}`, met: (value) => value >= goal });
const atMost = (goal: number): Target => ({ text: `<= ${goal}`, met: (value) => value <= goal });
const below = (goal: number): Target => ({ text: `< ${goal}`, met: (value) => value < goal });

interface SectionSpec {
  id: string;
  title: string;
  description: string;
  /** Returns the figures, or the reason the section was skipped. */
  run: (sizes: Sizes) => Promise<Record<string, number> | string>;
  targets: (results: Record<string, number>) => Record<string, Target>;
}

const NO_PHOTOS = 'the real photos to upscale (../shared/photos/real) are absent';

const SECTIONS: SectionSpec[] = [
  {
    id: 'tagging',
    title: 'Tagging 12-megapixel JPEGs',
    description: `Camera-sized photos (4000x3000 JPEGs at quality 92, upscaled once from real
photos) are scanned into an empty library at 224 px. The generated networks have the DeiT-Ti
shape (width 192, 12 blocks, 3 heads) and the DeiT-S shape (width 384, 12 blocks, 6 heads).
*End-to-end* is the whole scan over its duration: walk, read, SHA-256, decode, preprocess,
inference, thumbnails, one SQLite transaction per batch, and the model load.
*Steady* runs from the first stored batch to the last but one, so it leaves out the walk, the
model load, the first batch's decode (nothing overlaps them) and the last batch's inference.
The *per-scan fixed cost* is the scan's time beyond photos / steady rate, spent on those steps.
On a scan of a few dozen photos it weighs on *end-to-end*, while *steady / bound* shows how well
decoding overlaps inference.
*Decode-only* runs \`decodePhoto\` on the same file bytes a batch at a time, the photos of a
batch concurrently, as the scan does. *Inference-only* runs the same session and batch size on
pre-made tensors. Both stages share the CPU cores, so the *bound* is 1 / (1/decode + 1/inference).
It assumes that each stage alone keeps every core busy. A ratio above 1 means a stage leaves
cores idle (the Pillow-exact resample is single-threaded JavaScript) and the other one uses them.
*Plain full-size decode* is sharp without shrink-on-load: a full-size decode, a sharp cubic
resize to 256 on the shorter side, then the same crop and normalisation.`,
    run: async (sizes) =>
      (await runTaggingBench({
        photos: sizes.cameraPhotos,
        rounds: sizes.rounds,
        networks: ['deit-ti-shape', 'deit-s-shape'],
      })) ?? NO_PHOTOS,
    targets: (results) => {
      const targets: Record<string, Target> = {
        'decode-only / plain full-size decode': { text: '> 1', met: (value) => value > 1 },
      };
      for (const name of Object.keys(results)) {
        if (name.endsWith('end-to-end / bound') || name.endsWith('steady / bound')) {
          targets[name] = atLeast(0.9);
        }
      }
      return targets;
    },
  },
  {
    id: 'transformers',
    title: 'Against transformers.js',
    description: `The same 12-megapixel photos and the same DeiT-Ti-shaped ONNX file go through
the \`image-classification\` pipeline of transformers.js, fp32 on the CPU provider, in batches
of the engine's batch size, top 5. It loads the network offline from a local folder with a
config of 1000 labels and a preprocessor config: shorter side 256 bicubic, centre crop 224,
ImageNet mean and std. It
reads each file, decodes it at full size with sharp, resizes with sharp, normalises in
JavaScript, and runs one batch after the other without overlap. Its model load is left out;
the engine's scan keeps its own (walk, model load, thumbnails and database writes included).
Both sides run the same network in the same ONNX Runtime, so where inference takes most of
the time, a faster decode alone gains little. *Ratio from the stage rates* is that gain,
(1/plain decode + 1/inference) / (1/decode + 1/inference), from the tagging section. The
engine's overlap of decoding with inference, which uses cores that one stage leaves idle, adds
the rest.`,
    run: async (sizes) =>
      (await runTransformersBench({ photos: sizes.cameraPhotos, rounds: sizes.rounds })) ??
      NO_PHOTOS,
    targets: () => ({ 'engine / transformers.js': atLeast(2) }),
  },
  {
    id: 'rescan',
    title: 'Rescan of an unchanged library',
    description: `A tree of tiny JPEGs, 1,000 to a folder, whose library already stores every
file as tagged (filled through \`PhotoStore.saveTagged\` from the real listing, 5 labels each).
*Rescan* is the scan's own duration (open the database, walk, compare); *rescan wall* also
counts starting the worker thread, which under tsx compiles the engine's TypeScript.
*Bare walk* is readdir plus stat of every file with node:fs/promises, one folder at a time,
the stats of a folder concurrently. The scan's two steps are also timed alone in the main
thread: \`walkFolders\`, and \`planScan\`, which reads the stored rows and compares.`,
    run: (sizes) => runRescanBench({ files: sizes.rescanFiles, rounds: sizes.rounds }),
    targets: () => ({ 'rescan / bare walk': atMost(1.5) }),
  },
  {
    id: 'search',
    title: 'Search',
    description: `Latency of \`searchPhotos\` and \`suggest\` on a synthetic library (5 model
labels per photo), median and 95th percentile of repeated runs, in milliseconds. Queries cover
one class, a hypernym that expands to many classes, two terms, an excluded term, a score
floor, date order and deep pages.`,
    run: async (sizes) => {
      process.env.SEARCH_BENCH_PHOTOS ??= String(sizes.searchPhotos);
      // Imported late: the module reads SEARCH_BENCH_PHOTOS when it loads.
      const { runSearchBench } = await import('./search.js');
      return runSearchBench();
    },
    targets: (results) => {
      const targets: Record<string, Target> = {};
      for (const name of Object.keys(results)) {
        if (name.startsWith('suggest') && name.endsWith(' ms')) targets[name] = below(10);
        else if (name.endsWith('p95 ms')) targets[name] = below(20);
      }
      return targets;
    },
  },
  {
    id: 'memory',
    title: 'Memory over a long scan',
    description: `Resident set size of a fresh Node process (the scan's worker threads are part
of it) while it scans 320x240 JPEGs with a small 224 px network (width 32, 2 blocks), sampled
every 50 ms. *Start* is before the scan. Starting the scan thread and its inference thread
is a fixed cost paid before the first batch is stored: two V8 isolates, each with the tsx
loader, plus sharp, ONNX Runtime and its session. So the growth that would reveal a leak is
the one after the first 10 % of the photos.`,
    run: (sizes) => runMemoryBench(sizes.memoryPhotos),
    targets: () => ({
      'RSS growth, peak - start MB': below(64),
      'RSS growth, peak after 10 % - after 10 % MB': below(64),
      'RSS growth, end - after 10 % MB': below(64),
    }),
  },
  {
    id: 'real-network',
    title: 'Real DeiT-Ti on ImageNet photos',
    description: `The real DeiT-Ti (ONNX export of Facebook's weights) scans ImageNet sample
photos, about 500x375, so shrink-on-load does not apply. The rows are those of the tagging
section, plus top-1 accuracy against the WordNet id that starts each file name, in the class
order of \`models/imagenet-1k-wnids.txt\`.`,
    run: async (sizes) =>
      (await runRealNetworkBench(sizes.imagenetPhotos, sizes.rounds)) ??
      'the real DeiT-Ti or the ImageNet photos in ../shared are absent',
    targets: () => ({}),
  },
];

async function runSection(spec: SectionSpec, sizes: Sizes): Promise<SectionResult> {
  const started = performance.now();
  const base = {
    id: spec.id,
    title: spec.title,
    description: spec.description.replace(/\n/g, ' '),
  };
  console.log(`[bench] ${spec.title}...`);
  try {
    const outcome = await spec.run(sizes);
    const seconds = (performance.now() - started) / 1000;
    if (typeof outcome === 'string') {
      console.log(`[bench] skipped: ${outcome}`);
      return { ...base, status: 'skipped', reason: outcome, seconds, results: {}, targets: {} };
    }
    for (const [name, value] of Object.entries(outcome))
      console.log(`  ${name.padEnd(48)} ${value}`);
    return { ...base, status: 'ok', seconds, results: outcome, targets: spec.targets(outcome) };
  } catch (error) {
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`[bench] ${spec.title} failed: ${reason}`);
    const seconds = (performance.now() - started) / 1000;
    return {
      ...base,
      status: 'failed',
      reason: reason.split('\n')[0],
      seconds,
      results: {},
      targets: {},
    };
  }
}

/**
 * Adds to the transformers.js section the ratio that the tagging section's stage rates allow
 * when the two sides differ only in decoding.
 */
function addStageCeiling(sections: SectionResult[]): void {
  const tagging = sections.find((section) => section.id === 'tagging')?.results;
  const versus = sections.find((section) => section.id === 'transformers')?.results;
  const plain = tagging?.['plain full-size decode photos/s'];
  const decode = tagging?.['decode-only photos/s'];
  const inference = tagging?.['deit-ti-shape inference-only photos/s'];
  if (!versus || !plain || !decode || !inference) return;
  const ceiling = (1 / plain + 1 / inference) / (1 / decode + 1 / inference);
  versus['ratio from the stage rates'] = Math.round(ceiling * 100) / 100;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !SECTIONS.some((spec) => spec.id === id)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `unknown section ${unknown.join(', ')}; expected ${SECTIONS.map((spec) => spec.id).join(', ')}`,
    );
  }
  const out = values.out ?? (quick ? join(CACHE_DIR, 'quick-report') : join(REPO_ROOT, 'docs'));

  const startedAt = new Date().toISOString();
  const loadAtStart = loadAverage();
  const started = performance.now();
  const sections: SectionResult[] = [];
  for (const spec of SECTIONS) {
    if (only && !only.includes(spec.id)) continue;
    sections.push(await runSection(spec, quick ? QUICK : FULL));
  }

  addStageCeiling(sections);
  const report = {
    startedAt,
    quick,
    totalSeconds: (performance.now() - started) / 1000,
    machine: {
      ...machineInfo(),
      // Other processes on the machine: the more of them, the noisier the absolute rates.
      'load average (1 min), start / end': `${loadAtStart} / ${loadAverage()}`,
    },
    sections,
  };
  await writeReport(report, out);
  console.log(`[bench] wrote ${join(out, 'benchmarks.md')} and benchmarks.json`);
  if (sections.some((section) => section.status === 'failed')) process.exitCode = 1;
}

await main();
