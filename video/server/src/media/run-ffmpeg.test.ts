import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTool, runToolOrThrow, ToolExitError } from './run-ffmpeg.ts';

test('a failing tool rejects with its exit code and the tail of its stderr', async () => {
  await assert.rejects(runToolOrThrow('ffprobe', ['-v', 'error', '/nonexistent/file.mp4']), (error: unknown) => {
    assert.ok(error instanceof ToolExitError);
    assert.equal(error.exitCode, 1);
    assert.match(error.stderr, /No such file or directory/);
    assert.match(error.message, /^ffprobe exited with 1: .*No such file/);
    return true;
  });
});

test('stdout is handed over line by line when a line handler is given', async () => {
  const lines: string[] = [];
  const result = await runTool('ffprobe', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=5:duration=1',
    '-show_entries', 'frame=pts', '-of', 'csv=p=0'], { onStdoutLine: (line) => lines.push(line) });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, '');
  assert.deepEqual(lines, ['0', '1', '2', '3', '4']);
});

test('an already aborted signal rejects without spawning', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runTool('ffmpeg', ['-version'], { signal: controller.signal }), { name: 'AbortError' });
});

test('aborting a running tool kills it and rejects with the abort reason', async () => {
  const controller = new AbortController();
  // An endless lavfi source: it only ends because it is killed.
  const running = runTool('ffmpeg', ['-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25', '-f', 'null', '-'], {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(new Error('job cancelled')), 50);
  await assert.rejects(running, { message: 'job cancelled' });
});
