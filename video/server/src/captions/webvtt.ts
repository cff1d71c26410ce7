/**
 * Validation of uploaded WebVTT captions (W3C WebVTT, the subtitle format of HLS,
 * RFC 8216 §3.5): UTF-8 text, the `WEBVTT` signature, and every cue timing well formed,
 * ending after it starts, in start order. It checks what a player would choke on or
 * silently drop, and reports the first problem with its line number; it leaves cue
 * payloads (markup, settings) to the player, which ignores what it does not know.
 */
import { AppError } from '@twin/platform';
import { videoErrors } from '../errors.ts';

export interface WebVttSummary {
  cues: number;
  /** End of the last cue, seconds. */
  endSec: number;
}

const SIGNATURE = /^WEBVTT(?:[ \t].*)?$/;
const TIMING = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+.*)?$/;
const TIMESTAMP = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
/** Blocks allowed before the first cue that are not cues. */
const NON_CUE_BLOCK = /^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$/;

function seconds(timestamp: string): number | null {
  const m = TIMESTAMP.exec(timestamp);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

export function validateWebVtt(bytes: Uint8Array): WebVttSummary {
  let text: string;
  try {
    // fatal: a bad byte throws instead of becoming U+FFFD; the BOM is stripped.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(videoErrors.caption_bad_encoding);
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (!SIGNATURE.test(lines[0] ?? '')) throw new AppError(videoErrors.caption_bad_header, `The file starts with "${(lines[0] ?? '').slice(0, 40)}", not WEBVTT.`);

  const badTiming = (index: number, why: string) =>
    new AppError(videoErrors.caption_bad_timing, `Line ${index + 1}: ${why}.`, { details: { line: index + 1, text: (lines[index] ?? '').slice(0, 200) } });
  let cues = 0;
  let previousStart = 0;
  let endSec = 0;
  // The header block runs to the first blank line (or a line that already is a cue timing).
  let i = 1;
  while (i < lines.length && lines[i] !== '' && !lines[i]!.includes('-->')) i++;
  while (i < lines.length) {
    if (lines[i] === '') {
      i++;
      continue;
    }
    const blockStart = i;
    let blockEnd = i;
    while (blockEnd < lines.length && lines[blockEnd] !== '') blockEnd++;
    i = blockEnd;
    const first = lines[blockStart]!;
    if (!first.includes('-->') && NON_CUE_BLOCK.test(first)) continue;
    // A cue: an optional identifier line, then the timing line, then the payload.
    const timingIndex = first.includes('-->') ? blockStart : blockStart + 1;
    const timingLine = timingIndex < blockEnd ? lines[timingIndex]! : '';
    if (!timingLine.includes('-->')) throw badTiming(blockStart, 'expected a cue timing line (start --> end)');
    for (let line = timingIndex; line < blockEnd; line++) {
      // Per the WebVTT parser a line with "-->" inside a cue starts the next cue.
      if (!lines[line]!.includes('-->')) continue;
      const m = TIMING.exec(lines[line]!);
      if (!m) throw badTiming(line, 'a cue timing must read "start --> end" with spaces around the arrow');
      const start = seconds(m[1]!);
      const end = seconds(m[2]!);
      if (start === null || end === null) throw badTiming(line, 'timestamps must be [hh:]mm:ss.ttt with minutes and seconds below 60');
      if (end <= start) throw badTiming(line, 'the cue ends before it starts');
      if (start < previousStart) throw badTiming(line, 'the cue starts before the previous cue');
      previousStart = start;
      endSec = Math.max(endSec, end);
      cues++;
    }
  }
  if (cues === 0) throw new AppError(videoErrors.caption_no_cues);
  return { cues, endSec };
}

/** The canonical BCP 47 form of `raw` (`pt-br` → `pt-BR`), or null when it is not a language tag. */
export function canonicalLanguage(raw: string): string | null {
  if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(raw) || raw.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(raw)[0] ?? null;
  } catch {
    return null;
  }
}

/** The language's name in itself (`English`, `français`, `Deutsch`), the label players show. */
export function languageLabel(lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'language' }).of(lang) ?? lang;
  } catch {
    return lang;
  }
}
