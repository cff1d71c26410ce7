import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '@twin/platform';
import { canonicalLanguage, languageLabel, validateWebVtt } from './webvtt.ts';

const vtt = (text: string) => new TextEncoder().encode(text);
const rejects = (text: string | Uint8Array, code: string, line?: number) => {
  assert.throws(
    () => validateWebVtt(typeof text === 'string' ? vtt(text) : text),
    (e: unknown) => e instanceof AppError && e.code === code && (line === undefined || (e.details as { line: number }).line === line),
  );
};

describe('validateWebVtt', () => {
  test('accepts a file with a BOM, header text, NOTE/STYLE blocks, identifiers, settings, hours and CRLF', () => {
    const file = '\uFEFFWEBVTT - Some title\r\nKind: captions\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\nNOTE a comment\r\n\r\n1\r\n00:00.000 --> 00:01.500 align:start line:90%\r\n<v Roger>Hello</v>\r\n\r\nintro\r\n00:00:01.500 --> 00:00:03.000\r\nTwo\r\nlines\r\n\r\n01:00:00.000 --> 01:00:01.000\r\nAn hour in\r\n';
    assert.deepEqual(validateWebVtt(vtt(file)), { cues: 3, endSec: 3601 });
  });

  test('accepts cues that start together (non-decreasing starts) and a cue right after the header line', () => {
    assert.equal(validateWebVtt(vtt('WEBVTT\n00:01.000 --> 00:02.000\na\n\n00:01.000 --> 00:03.000\nb\n')).cues, 2);
  });

  test('rejects bytes that are not UTF-8 with caption_bad_encoding', () => {
    rejects(new Uint8Array([...vtt('WEBVTT\n\n00:00.000 --> 00:01.000\n'), 0xff, 0xfe, 0x0a]), 'caption_bad_encoding');
  });

  test('rejects a missing or wrong signature with caption_bad_header', () => {
    for (const text of ['', '1\n00:00.000 --> 00:01.000\nhi\n', 'WEBVTTX\n', 'webvtt\n', '{"not":"vtt"}']) rejects(text, 'caption_bad_header');
  });

  test('rejects malformed cue timings with caption_bad_timing and the line', () => {
    rejects('WEBVTT\n\n00:00.000 -> 00:01.000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\n00:00.000-->00:01.000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\n00:00,000 --> 00:01,000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\n00:61.000 --> 01:02.000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\n0:00.000 --> 00:01.000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\nid\nnot a timing\n', 'caption_bad_timing', 3);
  });

  test('rejects a cue that ends before it starts, or starts before the previous one', () => {
    rejects('WEBVTT\n\n00:02.000 --> 00:01.000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\n00:02.000 --> 00:02.000\nhi\n', 'caption_bad_timing', 3);
    rejects('WEBVTT\n\n00:05.000 --> 00:06.000\na\n\n00:01.000 --> 00:02.000\nb\n', 'caption_bad_timing', 6);
  });

  test('rejects a file without cues with caption_no_cues', () => {
    rejects('WEBVTT\n', 'caption_no_cues');
    rejects('WEBVTT\n\nNOTE only a note\n', 'caption_no_cues');
  });
});

describe('caption languages', () => {
  test('canonicalizes BCP 47 tags and refuses what is not one', () => {
    assert.equal(canonicalLanguage('en'), 'en');
    assert.equal(canonicalLanguage('pt-br'), 'pt-BR');
    assert.equal(canonicalLanguage('ZH-hant'), 'zh-Hant');
    for (const bad of ['', 'e', 'english-language-tag-too-long-for-us', '../x', 'en_US', 'en--US', '12']) assert.equal(canonicalLanguage(bad), null, bad);
  });

  test('labels a language in itself', () => {
    assert.equal(languageLabel('en'), 'English');
    assert.equal(languageLabel('de'), 'Deutsch');
  });
});
