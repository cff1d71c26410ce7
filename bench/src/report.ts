/**
 * The shape every benchmark writes to bench/results/<name>.json, and the table it prints.
 * Figures are medians over `runs`; ratios compare against a baseline measured in the
 * same run on the same machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface BenchReport {
  name: string;
  machine: string;
  date: string;
  runs: number;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  ratio: Record<string, number>;
  /** 1-minute load average when the benchmark started and when it wrote its report: above the core count, other work shared the machine. */
  loadAverage: { atStart: number; atEnd: number; cores: number };
  notes?: string[];
}

/** What a benchmark reports; the machine, date and load are filled in by `writeReport`. */
export type BenchResults = Omit<BenchReport, 'machine' | 'date' | 'loadAverage'>;

const loadAtStart = loadavg()[0]!;

export function machineDescription(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${process.platform}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function writeReport(results: BenchResults): string {
  const { name, notes, ...figures } = results;
  const report: BenchReport = {
    name,
    machine: machineDescription(),
    date: new Date().toISOString(),
    ...figures,
    loadAverage: { atStart: round2(loadAtStart), atEnd: round2(loadavg()[0]!), cores: cpus().length },
    ...(notes ? { notes } : {}),
  };
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${report.name}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function printTable(rows: { metric: string; ours: number; baseline?: number; ratio?: number; unit: string }[]): void {
  const fmt = (n: number | undefined) => (n === undefined ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3));
  const lines = [['metric', 'ours', 'baseline', 'ratio', 'unit'], ...rows.map((r) => [r.metric, fmt(r.ours), fmt(r.baseline), r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`, r.unit])];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const line of lines) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}
