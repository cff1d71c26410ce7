/**
 * The checkpointer's thread (see wal-checkpointer.ts). Its own connection runs PASSIVE
 * checkpoints, which never wait for the writer or a reader: every 50 ms while the WAL
 * grows, backing off to once a second while it does not. It stops on the message `close`.
 *
 * A writer starts the WAL over from its first frame only when it finds every frame already
 * copied into the database, which a checkpoint on another thread never leaves it under
 * steady load: commits land while it copies. So the WAL grew without end (1.3 GB in 12 s
 * of the chat benchmark at half load), every commit extended the file, and the kernel
 * zeroed each new page before the write (8% of the server's CPU). Once the WAL passes
 * `restartBytes`, a RESTART checkpoint waits for the writer's transaction to end, holds
 * writers off for the few frames left and the fsyncs, then lets the next commit start the
 * WAL over, in the file's pages already allocated. It waits at most RESTART_WAIT_MS for
 * the writer or a reader, else tries again next time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const BUSY_INTERVAL_MS = 50;
const IDLE_INTERVAL_MS = 1000;
const RESTART_WAIT_MS = 20;

const { filename, restartBytes } = workerData as { filename: string; restartBytes: number };
const db = new Database(filename, { timeout: RESTART_WAIT_MS });
// The copied pages reach the disk before the WAL may be reset over them, as with autocheckpoint.
db.pragma('synchronous = NORMAL');
const pageBytes = Number(db.pragma('page_size', { simple: true }));

let interval = BUSY_INTERVAL_MS;
let lastLog = -1;
let timer = setTimeout(checkpoint, interval);

function checkpoint(): void {
  // `log`: the WAL's frames; a change since the last run means something was written.
  const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }];
  if (log * pageBytes >= restartBytes) db.pragma('wal_checkpoint(RESTART)');
  interval = log !== lastLog ? BUSY_INTERVAL_MS : Math.min(IDLE_INTERVAL_MS, interval * 2);
  lastLog = log;
  timer = setTimeout(checkpoint, interval);
}

parentPort!.on('message', (message) => {
  if (message !== 'close') return;
  clearTimeout(timer);
  db.close();
  parentPort!.close();
});
