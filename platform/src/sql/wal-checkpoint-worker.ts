/**
 * The checkpointer's thread (see wal-checkpointer.ts). Its own connection runs PASSIVE
 * checkpoints, which never wait for the writer or a reader: every 50 ms while the WAL
 * grows, backing off to once a second while it does not. It stops on the message `close`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const BUSY_INTERVAL_MS = 50;
const IDLE_INTERVAL_MS = 1000;

const { filename } = workerData as { filename: string };
const db = new Database(filename);
// The copied pages reach the disk before the WAL may be reset over them, as with autocheckpoint.
db.pragma('synchronous = NORMAL');

let interval = BUSY_INTERVAL_MS;
let lastLog = -1;
let timer = setTimeout(checkpoint, interval);

function checkpoint(): void {
  // `log`: the WAL's frames; a change since the last run means something was written.
  const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }];
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
