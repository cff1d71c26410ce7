/**
 * A tiny Server-Sent Events reader for tests: collects `event:`/`data:` frames from a
 * streaming fetch until a predicate says stop.
 */
export interface SseEvent {
  event: string;
  data: any;
}

export async function collectEvents(url: string, token: string, until: (e: SseEvent, all: SseEvent[]) => boolean, timeoutMs = 60_000): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`SSE ${res.status}: ${await res.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!event || data === undefined) continue;
        const e = { event, data: JSON.parse(data) };
        events.push(e);
        if (until(e, events)) return events;
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    throw new Error(`SSE timed out; got ${JSON.stringify(events)}`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

/** Opens the stream and resolves once the first (current state) event arrived, so later changes are seen. */
export function watch(url: string, token: string, until: (e: SseEvent) => boolean): { opened: Promise<void>; done: Promise<SseEvent[]> } {
  let opened!: () => void;
  const openedPromise = new Promise<void>((resolve) => (opened = resolve));
  const done = collectEvents(url, token, (e, all) => {
    if (all.length === 1) opened();
    return until(e);
  });
  done.catch(() => opened());
  return { opened: openedPromise, done };
}
